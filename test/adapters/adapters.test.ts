/**
 * The same table against Express, Koa and Fastify: real keys, a real JWKS server on 127.0.0.1,
 * the project's compiler behind the core's `policy:` option, supertest against the real apps.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import express from 'express';
import Fastify from 'fastify';
import { opaJwt as expressOpaJwt } from '@opa-jwt/express';
import { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';
import { startFixtures, token, type Fixtures } from './fixtures';
import { harnesses, type AppHandle, type Harness } from './harnesses';
import { coreOptions, DECISION_ID_HEADER, scenarios, type Scenario } from './table';

let fixtures: Fixtures;
beforeAll(async () => {
  fixtures = await startFixtures();
});
afterAll(async () => {
  await fixtures.close();
});

async function send(handle: AppHandle, scenario: Pick<Scenario, 'method' | 'path' | 'authorization' | 'headers' | 'body'>) {
  const agent = request(handle.server);
  let req = scenario.method === 'GET' ? agent.get(scenario.path) : agent.post(scenario.path);
  const authorization = await scenario.authorization?.(fixtures);
  if (authorization !== undefined) req = req.set('Authorization', authorization);
  for (const [name, value] of Object.entries(scenario.headers ?? {})) req = req.set(name, value);
  if (scenario.body) req = req.send(scenario.body);
  return req;
}

/** Polls until `check` passes (file watchers are asynchronous); fails with the last assertion error. */
async function eventually(check: () => Promise<void>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(harnesses.map((h) => [h.name, h] as [string, Harness]))('%s adapter', (_name, harness) => {
  const apps = new Map<string, AppHandle>();

  async function appFor(entrypoint: string, authRequired?: false): Promise<AppHandle> {
    const key = `${entrypoint} authRequired=${authRequired ?? 'default'}`;
    let handle = apps.get(key);
    if (!handle) {
      handle = await harness.start(coreOptions(fixtures, { entrypoint, authRequired }));
      apps.set(key, handle);
      await handle.ready;
    }
    return handle;
  }

  afterAll(async () => {
    for (const handle of apps.values()) await handle.close();
  });

  test.each(scenarios.map((s) => [s.name, s] as [string, Scenario]))('%s', async (_title, scenario) => {
    const handle = await appFor(scenario.entrypoint ?? 'authz/decision', scenario.authRequired);
    const res = await send(handle, scenario);
    const { expect: want } = scenario;
    expect({ status: res.status, body: res.body }).toMatchObject({ status: want.status });
    const challenge = res.headers['www-authenticate'] as string | undefined;
    if (want.challenge === 'bare') {
      expect(challenge).toMatch(/^Bearer\b/);
      expect(challenge).not.toMatch(/error=/);
    } else if (want.challenge) {
      expect(challenge).toMatch(new RegExp(`^Bearer\\b.*error="${want.challenge}"`));
    }
    if (want.status >= 400) expect(res.headers['content-type'] ?? '').toMatch(/json/);
    if (want.body) expect(res.body).toMatchObject(want.body);
    if (want.bodyExcludes) expect(res.text).not.toContain(want.bodyExcludes);
    if (want.decisionIdHeader) {
      expect(res.headers[DECISION_ID_HEADER]).toEqual(expect.any(String));
      if (want.status === 200) expect(res.body.decisionId).toBe(res.headers[DECISION_ID_HEADER]);
    }
  });

  test('every decision gets its own decision id', async () => {
    const handle = await appFor('authz/decision');
    const scenario = scenarios[0];
    const [a, b] = [await send(handle, scenario), await send(handle, scenario)];
    expect(a.status).toBe(200);
    expect(a.headers[DECISION_ID_HEADER]).not.toBe(b.headers[DECISION_ID_HEADER]);
  });

  test('keys are fetched from the JWKS endpoint once and reused', async () => {
    const handle = await appFor('authz/decision');
    const before = fixtures.jwksHits();
    for (let i = 0; i < 3; i++) expect((await send(handle, scenarios[0])).status).toBe(200);
    expect(fixtures.jwksHits()).toBe(before);
  });

  describe('with a policy that fails to compile', () => {
    let dir: string;
    let handle: AppHandle;
    let errorLog: jest.SpyInstance;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), `opa-jwt-${harness.name}-broken-`));
      writeFileSync(path.join(dir, 'broken.rego'), 'package authz\n\nallow if {\n\tinput.x ==\n}\n');
      errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      handle = await harness.start(coreOptions(fixtures, { policyPath: path.join(dir, 'broken.rego'), entrypoint: 'authz/allow' }));
    });
    afterAll(async () => {
      await handle.close();
      errorLog.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    });

    test('`ready` rejects with the file:line:col of the error', async () => {
      await expect(handle.ready).rejects.toThrow(/broken\.rego:\d+:\d+/);
    });

    test('every request, even a valid admin one, is answered 500 (fail closed)', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await send(handle, scenarios[0]);
        expect(res.status).toBe(500);
        expect(res.headers['content-type']).toMatch(/json/);
      }
    });
  });

  test('a bad option is an error at creation naming the option', async () => {
    const options = { ...coreOptions(fixtures), issuer: 42 } as unknown as Parameters<Harness['start']>[0];
    await expect(harness.start(options)).rejects.toThrow(/issuer/);
  });

  describe('the seed\'s admin/POST policy, unchanged (policies/v0/api-authz-v0.rego, Rego v0)', () => {
    let handle: AppHandle;
    beforeAll(async () => {
      const policyPath = path.join(__dirname, '..', '..', 'policies', 'v0', 'api-authz-v0.rego');
      handle = await harness.start({ ...coreOptions(fixtures, { policyPath, entrypoint: 'authz/allow' }), v0Compatible: true });
      await handle.ready;
    });
    afterAll(async () => {
      await handle.close();
    });

    test('admins may POST; nobody else, and not GET', async () => {
      const admin = async (f: Fixtures) => `Bearer ${await token(f)}`;
      const reader = async (f: Fixtures) => `Bearer ${await token(f, { claims: { roles: ['reader'] } })}`;
      expect((await send(handle, { method: 'POST', path: '/api/orders', authorization: admin })).status).toBe(200);
      expect((await send(handle, { method: 'GET', path: '/api/orders', authorization: admin })).status).toBe(403);
      expect((await send(handle, { method: 'POST', path: '/api/orders', authorization: reader })).status).toBe(403);
      expect((await send(handle, { method: 'POST', path: '/api/orders' })).status).toBe(401);
    });
  });

  describe('hot reload (watch: true)', () => {
    let dir: string;
    let file: string;
    let handle: AppHandle;
    let errorLog: jest.SpyInstance;
    let warnLog: jest.SpyInstance;
    const allowAll = 'package authz\n\ndefault allow := false\n\nallow if input.request.http.method == "POST"\n';
    const denyAll = 'package authz\n\ndefault allow := false\n';
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), `opa-jwt-${harness.name}-watch-`));
      file = path.join(dir, 'authz.rego');
      writeFileSync(file, allowAll);
      errorLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      warnLog = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      handle = await harness.start(coreOptions(fixtures, { policyPath: file, entrypoint: 'authz/allow', watch: true }));
      await handle.ready;
    });
    afterAll(async () => {
      await handle.close();
      errorLog.mockRestore();
      warnLog.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    });

    test('an edit changes the answer; a broken edit keeps the last good policy', async () => {
      const post = { method: 'POST' as const, path: '/api/orders', authorization: async (f: Fixtures) => `Bearer ${await token(f)}` };
      expect((await send(handle, post)).status).toBe(200);

      writeFileSync(file, denyAll);
      await eventually(async () => expect((await send(handle, post)).status).toBe(403));

      writeFileSync(file, 'package authz\n\nallow if {\n'); // syntax error
      await sleep(1500);
      for (let i = 0; i < 3; i++) expect((await send(handle, post)).status).toBe(403);

      writeFileSync(file, allowAll); // the watcher is still alive after the broken edit
      await eventually(async () => expect((await send(handle, post)).status).toBe(200));
    });
  });
});

describe('express: per-route form without a global middleware', () => {
  test('opaJwt.route() before the middleware on one route; other routes stay open', async () => {
    const app = express();
    const auth = expressOpaJwt(coreOptions(fixtures));
    app.post('/special', expressOpaJwt.route({ entrypoint: 'authz/special' }), auth, (req, res) => {
      res.json({ sub: req.auth?.payload?.sub });
    });
    app.get('/open', (_req, res) => {
      res.json({ open: true });
    });
    try {
      await auth.ready;
      const special = await token(fixtures, { claims: { sub: 'sam', roles: ['special'] } });
      expect((await request(app).post('/special').set('Authorization', `Bearer ${special}`)).body).toEqual({ sub: 'sam' });
      expect((await request(app).post('/special').set('Authorization', `Bearer ${await token(fixtures)}`)).status).toBe(403);
      expect((await request(app).get('/open')).status).toBe(200);
    } finally {
      await auth.close();
    }
  });
});

describe('fastify: encapsulation', () => {
  test('registered inside a child plugin, it protects only that plugin’s routes', async () => {
    const app = Fastify();
    app.get('/outside', async (request) => ({ outside: true, auth: request.auth ?? null }));
    await app.register(async (child) => {
      await child.register(fastifyOpaJwt, coreOptions(fixtures));
      child.post('/inside/orders', async (request) => ({ sub: request.auth?.payload?.sub }));
    });
    await app.ready();
    try {
      expect((await request(app.server).get('/outside')).body).toEqual({ outside: true, auth: null });
      expect((await request(app.server).post('/inside/orders')).status).toBe(401);
      const ok = await request(app.server).post('/inside/orders').set('Authorization', `Bearer ${await token(fixtures)}`);
      expect(ok.body).toEqual({ sub: 'alice' });
    } finally {
      await app.close();
    }
  });

  test('the policy sees the parsed JSON body (preHandler hook)', async () => {
    // The request reaches the hook after body parsing: a JSON body must not break the decision.
    const app = Fastify();
    await app.register(fastifyOpaJwt, coreOptions(fixtures));
    app.post('/api/orders', async (request) => ({ body: request.body }));
    await app.ready();
    try {
      const res = await request(app.server).post('/api/orders').set('Authorization', `Bearer ${await token(fixtures)}`).send({ a: 1 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ body: { a: 1 } });
    } finally {
      await app.close();
    }
  });
});

