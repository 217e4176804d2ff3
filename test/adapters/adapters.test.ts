/**
 * The same table against Express, Koa and Fastify: real keys, a real JWKS server on 127.0.0.1,
 * the project's compiler behind the core's `policy:` option, supertest against the real apps.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import express from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import Koa from 'koa';
import { opaJwt as expressOpaJwt } from '@opa-jwt/express';
import { opaJwt as koaOpaJwt } from '@opa-jwt/koa';
import { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';
import { startFixtures, token, type Fixtures } from './fixtures';
import { harnesses, type AppHandle, type Harness } from './harnesses';
import { APP_OPTIONS, BODY_PARSER_HEADER, coreOptions, DECISION_ID_HEADER, scenarios, type Expectation, type Scenario } from './table';

/** What a pino-compatible logger was told. */
interface Recorded {
  level: string;
  fields: Record<string, unknown>;
  message?: string;
}

function recordingLogger(records: Recorded[]) {
  const at = (level: string) => (fields: object, message?: string) => {
    records.push({ level, fields: fields as Record<string, unknown>, message });
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

let fixtures: Fixtures;
beforeAll(async () => {
  fixtures = await startFixtures();
});
afterAll(async () => {
  await fixtures.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

/** A server of the app's own on 127.0.0.1 for raw requests (supertest listens and closes the app's own per request). */
const rawServers = new Map<Server, Server>();

async function listening(server: Server): Promise<number> {
  let own = rawServers.get(server);
  if (!own) {
    own = createServer(server.listeners('request')[0] as RequestListener);
    rawServers.set(server, own);
    await new Promise<void>((resolve) => own!.listen(0, '127.0.0.1', resolve));
  }
  return (own.address() as AddressInfo).port;
}

afterAll(async () => {
  for (const own of rawServers.values()) await new Promise((resolve) => own.close(resolve));
});

/**
 * One request over a plain socket, its target written exactly as given: HTTP clients would resolve dot segments or
 * refuse absolute-form. `Connection: close`, so the answer ends with the socket (ours stays open until then:
 * a half-closed socket may be dropped before a slow first answer).
 */
async function sendRaw(server: Server, method: string, target: string, headers: Record<string, string>): Promise<RawResponse> {
  const port = await listening(server);
  const lines = [`${method} ${target.replace('{port}', String(port))} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const name of Object.keys(headers)) lines.push(`${name}: ${headers[name]}`);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
  const split = raw.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = raw.slice(0, split).split('\r\n');
  const responseHeaders: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    responseHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = raw.slice(split + 4);
  if (/chunked/i.test(responseHeaders['transfer-encoding'] ?? '')) {
    let decoded = '';
    for (let at = 0; ;) {
      const eol = text.indexOf('\r\n', at);
      const size = parseInt(text.slice(at, eol), 16);
      if (!size) break;
      decoded += text.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    text = decoded;
  }
  let body: unknown = {};
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    // not JSON: the status check reports it
  }
  return { status: Number(statusLine.split(' ')[1]), headers: responseHeaders, text, body };
}

async function send(
  handle: AppHandle,
  scenario: Pick<Scenario, 'method' | 'path' | 'authorization' | 'headers' | 'body' | 'rawBody' | 'bodyParser' | 'form'>,
) {
  const { res } = await sendWithCredentials(handle, scenario);
  return res;
}

/** Sends the scenario's request; also returns every credential it carried, which no log may ever contain. */
async function sendWithCredentials(
  handle: AppHandle,
  scenario: Pick<
    Scenario,
    'method' | 'path' | 'authorization' | 'headers' | 'body' | 'rawBody' | 'bodyParser' | 'form' | 'raw' | 'sessionCookie'
  >,
) {
  if (scenario.raw) {
    const authorization = await scenario.authorization?.(fixtures);
    const headers: Record<string, string> = Object.create(null);
    for (const name of Object.keys(scenario.headers ?? {})) headers[name] = String(scenario.headers![name]);
    if (authorization !== undefined) headers.Authorization = authorization;
    const res = await sendRaw(handle.server, scenario.method, scenario.path, headers);
    return { res, credentials: authorization === undefined ? [] : [authorization.replace(/^Bearer\s+/i, '')] };
  }
  const agent = request(handle.server);
  let req = scenario.method === 'GET' ? agent.get(scenario.path) : agent.post(scenario.path);
  const authorization = await scenario.authorization?.(fixtures);
  const credentials: string[] = [];
  if (authorization !== undefined) {
    req = req.set('Authorization', authorization);
    const bearerToken = authorization.replace(/^Bearer\s+/i, '').split(/\s+/)[0];
    credentials.push(bearerToken);
    // The signature alone is as secret as the token: a log holding it would hold a replayable token.
    const signature = bearerToken.split('.')[2];
    if (signature && signature.length >= 16) credentials.push(signature);
  }
  const queryToken = new URL(scenario.path, 'http://x').searchParams.get('access_token');
  if (queryToken) credentials.push(queryToken);
  if (scenario.sessionCookie) {
    const cookieToken = await scenario.sessionCookie(fixtures);
    req = req.set('Cookie', `theme=dark; session=${cookieToken}`);
    credentials.push(cookieToken);
  }
  for (const [name, value] of Object.entries(scenario.headers ?? {})) req = req.set(name, value as string);
  if (scenario.bodyParser) req = req.set(BODY_PARSER_HEADER, scenario.bodyParser);
  if (scenario.body) req = req.send(scenario.body);
  if (scenario.rawBody !== undefined)
    req = (scenario.headers?.['Content-Type'] ? req : req.type('application/json')).send(scenario.rawBody);
  if (scenario.form) req = req.type('form').send(scenario.form);
  return { res: await req, credentials };
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

describe.each(harnesses.map((h) => [h.name, h] as [string, Harness]))('%s adapter', (_name, harness) => {
  const apps = new Map<string, { handle: AppHandle; records: Recorded[] }>();

  /** One app per configuration, each with its own recording logger (pino's call shape). */
  async function appFor(
    entrypoint: string,
    authRequired?: false,
    caseSensitive?: boolean,
    appOptions?: keyof typeof APP_OPTIONS,
  ): Promise<{ handle: AppHandle; records: Recorded[] }> {
    const key = `${entrypoint} authRequired=${authRequired ?? 'default'} caseSensitive=${caseSensitive ?? 'default'} options=${appOptions ?? 'none'}`;
    let app = apps.get(key);
    if (!app) {
      const records: Recorded[] = [];
      const extra = appOptions === undefined ? {} : APP_OPTIONS[appOptions];
      const handle = await harness.start(
        { ...coreOptions(fixtures, { entrypoint, authRequired }), ...extra, logger: recordingLogger(records) },
        { caseSensitive },
      );
      app = { handle, records };
      apps.set(key, app);
      await handle.ready;
    }
    return app;
  }

  afterAll(async () => {
    for (const { handle } of apps.values()) {
      await handle.close();
    }
  });

  test.each(scenarios.map((s) => [s.name, s] as [string, Scenario]))('%s', async (_title, scenario) => {
    const { handle, records } = await appFor(
      scenario.entrypoint ?? 'authz/decision',
      scenario.authRequired,
      scenario.caseSensitive,
      scenario.appOptions,
    );
    records.length = 0;
    const { res, credentials } = await sendWithCredentials(handle, scenario);
    const want: Expectation = { ...scenario.expect, ...scenario.expectOn?.[harness.name] };
    // A reader's request never reaches an admin handler, whatever the spelling of its target.
    if (want.status !== 200) expect((res.body as { route?: unknown } | undefined)?.route).not.toBe('admin');
    expect({ status: res.status, body: res.body }).toMatchObject({ status: want.status });
    const challenge = res.headers['www-authenticate'] as string | undefined;
    if (want.challenge === 'bare') {
      expect(challenge).toMatch(/^Bearer\b/);
      expect(challenge).not.toMatch(/error=/);
    } else if (want.challenge) {
      expect(challenge).toMatch(new RegExp(`^Bearer\\b.*error="${want.challenge}"`));
      expect(challenge).toMatch(/error_description="[^"]+"/);
    }
    // Our answers are JSON; a 404 is the framework's own.
    if (want.status >= 400 && want.status !== 404) expect(res.headers['content-type'] ?? '').toMatch(/json/);
    if (want.body) expect(res.body).toMatchObject(want.body);
    if (want.bodyEquals) expect(res.body).toEqual(want.bodyEquals);
    if (want.mustNotShow) expect(JSON.stringify(res.headers) + res.text).not.toContain(want.mustNotShow);
    if (want.decisionIdHeader) {
      expect(res.headers[DECISION_ID_HEADER]).toEqual(expect.any(String));
      if (want.status === 200) expect(res.body.decisionId).toBe(res.headers[DECISION_ID_HEADER]);
    }
    if (want.inspect) want.inspect(res.body);
    if (want.noErrorLog) expect(records.filter((r) => r.level === 'error')).toEqual([]);
    if (want.logs) want.logs(records);

    // Every refusal is logged with its reason; no log record ever holds a credential the request carried.
    if (want.reason) expect(records.filter((r) => r.fields.reason === want.reason)).toHaveLength(1);
    const logged = JSON.stringify(records);
    for (const credential of credentials) expect(logged).not.toContain(credential);
  });

  test('decision log entries reach the logger with credentials redacted and the decision id of the response', async () => {
    const { handle, records } = await appFor('authz/decision');
    records.length = 0;
    const { res, credentials } = await sendWithCredentials(handle, { ...scenarios[0], headers: { Cookie: 'session=cookie-secret-1' } });
    expect(res.status).toBe(200);
    const entries = records.filter((r) => r.message === 'Decision Log');
    expect(entries).toHaveLength(1);
    const entry = entries[0].fields;
    expect(entry).toMatchObject({
      decision_id: res.headers[DECISION_ID_HEADER],
      path: 'authz/decision',
      result: { allowed: true },
      input: { request: { http: { headers: { Authorization: 'Bearer [REDACTED]', Cookie: '[REDACTED]' } } } },
      metrics: { timer_rego_query_eval_ns: expect.any(Number), timer_server_handler_ns: expect.any(Number) },
    });
    const logged = JSON.stringify(records);
    for (const secret of [...credentials, 'cookie-secret-1']) expect(logged).not.toContain(secret);
  });

  test('decision log lines are the entries the logger gets, as JSON, through the framework', async () => {
    const records: Recorded[] = [];
    const lines: string[] = [];
    const handle = await harness.start({
      ...coreOptions(fixtures, { entrypoint: 'authz/decision' }),
      logger: recordingLogger(records),
      onDecisionLine: (line: string) => void lines.push(line),
    });
    try {
      await handle.ready;
      const sent: string[] = [];
      // A GET's line is written from the request (answered from memory after the first); a POST with a body is
      // serialised from its entry.
      const read = scenarios.find((scenario) => scenario.name === 'a reader may GET')!;
      for (const [scenario, id] of [
        [read, 'r1'],
        [read, 'r2'],
        [read, 'r3'],
        [scenarios[0], 'w1'],
      ] as const) {
        const headers = { Cookie: 'session=cookie-secret-1', 'X-Request-Id': id };
        const { res, credentials } = await sendWithCredentials(handle, { ...scenario, headers });
        expect(res.status).toBe(200);
        sent.push(...credentials);
      }
      const entries = records.filter((r) => r.message === 'Decision Log').map((r) => JSON.stringify(r.fields));
      expect(entries).toHaveLength(4);
      expect(lines).toEqual(entries);
      for (const secret of [...sent, 'cookie-secret-1']) expect(lines.join('\n')).not.toContain(secret);
    } finally {
      await handle.close();
    }
  });

  test('every decision gets its own decision id', async () => {
    const { handle } = await appFor('authz/decision');
    const scenario = scenarios[0];
    const [a, b] = [await send(handle, scenario), await send(handle, scenario)];
    expect(a.status).toBe(200);
    expect(a.headers[DECISION_ID_HEADER]).not.toBe(b.headers[DECISION_ID_HEADER]);
  });

  test('requests arriving while a policy loop runs are answered once it is stopped at the evaluation budget', async () => {
    // A server of its own, listening, so that the requests are in flight at once (supertest would listen per request).
    const records: Recorded[] = [];
    const handle = await harness.start({ ...coreOptions(fixtures), logger: recordingLogger(records) });
    await handle.ready;
    await new Promise<void>((resolve) => handle.server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const base = `http://127.0.0.1:${(handle.server.address() as AddressInfo).port}`;
      const authorization = `Bearer ${await token(fixtures)}`;
      // Without the budget the loop would take minutes, and this test would time out.
      const [spin, orders, health] = await Promise.all([
        request(base).get('/api/spin').set('Authorization', authorization),
        request(base).get('/api/orders').set('Authorization', authorization),
        request(base).get('/public/health'),
      ]);
      expect([spin.status, orders.status, health.status]).toEqual([500, 200, 200]);
      expect(records.filter((r) => r.fields.errorName === 'EvaluationBudgetExceeded')).toHaveLength(1);
    } finally {
      if (harness.name !== 'fastify') {
        handle.server.closeAllConnections();
        await new Promise<void>((resolve) => handle.server.close(() => resolve()));
      }
      await handle.close(); // Fastify's closes its server too
    }
  }, 30_000);

  test('keys are fetched from the JWKS endpoint once and reused', async () => {
    const { handle } = await appFor('authz/decision');
    const before = fixtures.jwksHits();
    for (let i = 0; i < 3; i++) expect((await send(handle, scenarios[0])).status).toBe(200);
    expect(fixtures.jwksHits()).toBe(before);
  });

  test('a cached token whose key the issuer removed is refused (401) right after the background refresh', async () => {
    // Only timers and Date are faked: the HTTP exchanges (the JWKS fetch, supertest) stay real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
    const records: Recorded[] = [];
    let handle: AppHandle | undefined;
    try {
      handle = await harness.start({
        ...coreOptions(fixtures),
        cacheMaxAge: 60_000,
        cooldownDuration: 30_000,
        logger: recordingLogger(records),
      });
      await handle.ready;
      const hitsAtStart = fixtures.jwksHits();
      const rsaToken = await token(fixtures);
      const request = { method: 'GET' as const, path: '/api/orders', authorization: () => `Bearer ${rsaToken}` };
      expect((await send(handle, request)).status).toBe(200);

      fixtures.published = [fixtures.ec]; // the issuer removes rsa-1
      jest.advanceTimersByTime(59_000);
      expect((await send(handle, request)).status).toBe(200); // before the refresh: the cached verification
      jest.advanceTimersByTime(1_000);
      const deadline = performance.now() + 5000;
      while (!records.some((r) => /forgot cached tokens/.test(r.message ?? ''))) {
        if (performance.now() > deadline) throw new Error('the background refresh did not drop the token');
        await new Promise((resolve) => setImmediate(resolve));
      }
      const refused = await send(handle, request);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      expect(fixtures.jwksHits()).toBe(hitsAtStart + 1); // one background fetch; the refusal asked for none (cooldown)
    } finally {
      fixtures.published = [fixtures.rsa, fixtures.ec];
      await handle?.close();
      jest.useRealTimers();
    }
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

  describe("the seed's admin/POST policy, unchanged (policies/v0/api-authz-v0.rego, Rego v0)", () => {
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

  describe('the MCP policy, unchanged (policies/mcp-tools.rego)', () => {
    let handle: AppHandle;
    beforeAll(async () => {
      const policyPath = path.join(__dirname, '..', '..', 'policies', 'mcp-tools.rego');
      handle = await harness.start(coreOptions(fixtures, { policyPath, entrypoint: 'mcp/tools/result' }));
      await handle.ready;
    });
    afterAll(async () => {
      await handle.close();
    });

    const call = (id: number, name: string, args: Record<string, unknown>) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args },
    });
    const withScope = (scope: string) => async (f: Fixtures) => `Bearer ${await token(f, { claims: { scope } })}`;

    test('allowed tool calls reach the handler; denied ones are 403 JSON-RPC errors with the policy message and the request id', async () => {
      const price = call(1, 'get_ticket_price', { route: 'SFO-JFK' });
      const allowed = await send(handle, { method: 'POST', path: '/api/mcp', authorization: withScope('tickets:read'), body: price });
      expect(allowed.status).toBe(200);
      expect(allowed.body).toMatchObject({ route: 'api', sub: 'alice', result: { allowed: true } });

      const noScope = await send(handle, {
        method: 'POST',
        path: '/api/mcp',
        authorization: withScope('profile'),
        body: call(2, 'get_ticket_price', { route: 'SFO-JFK' }),
      });
      expect(noScope.status).toBe(403);
      expect(noScope.body).toEqual({
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32003, message: 'get_ticket_price needs the tickets:read scope' },
      });
      expect(JSON.stringify(noScope.headers) + noScope.text).not.toContain('access is only permitted');

      const book = (id: number, seats: number) => call(id, 'book_ticket', { route: 'SFO-JFK', seats });
      expect(
        (await send(handle, { method: 'POST', path: '/api/mcp', authorization: withScope('tickets:read tickets:write'), body: book(3, 3) }))
          .status,
      ).toBe(200);
      const tooMany = await send(handle, {
        method: 'POST',
        path: '/api/mcp',
        authorization: withScope('tickets:read tickets:write'),
        body: book(4, 9),
      });
      expect(tooMany.body).toEqual({
        jsonrpc: '2.0',
        id: 4,
        error: { code: -32003, message: 'book_ticket books between 1 and 4 seats per call' },
      });
      expect((await send(handle, { method: 'POST', path: '/api/mcp', body: price })).status).toBe(401);
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

      // The broken edit is over once the authorizer has logged (through console.error) that it kept the last good policy.
      const failureLogged = new Promise<void>((resolve) => errorLog.mockImplementationOnce(() => resolve()));
      writeFileSync(file, 'package authz\n\nallow if {\n'); // syntax error
      await failureLogged;
      expect(String(errorLog.mock.calls.at(-1))).toMatch(/last good policy/);
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
      expect(
        (
          await request(app)
            .post('/special')
            .set('Authorization', `Bearer ${await token(fixtures)}`)
        ).status,
      ).toBe(403);
      expect((await request(app).get('/open')).status).toBe(200);
    } finally {
      await auth.close();
    }
  });
});

describe('fastify: the router options that change what reaches a route', () => {
  test('with ignoreTrailingSlash, ignoreDuplicateSlashes and useSemicolonDelimiter, the policy sees the path Fastify routes on', async () => {
    // useSemicolonDelimiter is a find-my-way option Fastify passes on; its types do not list it.
    const routerOptions = { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, useSemicolonDelimiter: true };
    const app = Fastify({ routerOptions } as { routerOptions: { ignoreTrailingSlash: boolean } });
    await app.register(fastifyOpaJwt, coreOptions(fixtures, { entrypoint: 'authz/echo' }));
    app.get('/admin', async (request) => ({ route: 'admin', input: (request.auth?.decision.result as { input: unknown }).input }));
    await app.ready();
    try {
      const authorization = `Bearer ${await token(fixtures)}`;
      for (const [target, path] of [
        ['/admin/', '/admin'],
        ['//admin', '/admin'],
        ['/admin;x=1', '/admin'],
        ['//admin//;x', '/admin'],
      ] as const) {
        const res = await sendRaw(app.server, 'GET', target, { Authorization: authorization });
        expect({ target, status: res.status }).toEqual({ target, status: 200 });
        expect((res.body as { input: { path: string; request: { http: { raw_target: string; route: string } } } }).input).toMatchObject({
          path,
          request: { http: { raw_target: target, route: '/admin' } },
        });
      }
    } finally {
      await app.close();
    }
  });
});

describe('fastify: encapsulation', () => {
  test('the plugin is wrapped by fastify-plugin (its hook and decorators belong to the context that registers it)', () => {
    const meta = fastifyOpaJwt as unknown as Record<symbol, unknown>;
    expect(meta[Symbol.for('skip-override')]).toBe(true);
    expect(meta[Symbol.for('fastify.display-name')]).toBe('@opa-jwt/fastify');
  });

  test('registered inside an encapsulated child plugin with a prefix, it protects only that plugin’s routes', async () => {
    const app = Fastify();
    const answer = (where: string) => async (request: FastifyRequest) => ({
      where,
      sub: request.auth?.payload?.sub ?? null,
      decided: request.auth !== undefined,
    });
    app.get('/health', answer('root'));
    await app.register(
      async (v1) => {
        await v1.register(fastifyOpaJwt, coreOptions(fixtures));
        v1.post('/orders', answer('v1'));
        v1.get('/orders', answer('v1'));
        // A grandchild context inherits the protection.
        await v1.register(
          async (nested) => {
            nested.post('/orders', answer('v1-nested'));
          },
          { prefix: '/nested' },
        );
      },
      { prefix: '/v1' },
    );
    await app.register(
      async (v2) => {
        v2.post('/orders', answer('v2'));
      },
      { prefix: '/v2' },
    );
    app.post('/orders', answer('root'));
    await app.ready();
    try {
      const admin = `Bearer ${await token(fixtures)}`;
      const reader = `Bearer ${await token(fixtures, { claims: { roles: ['reader'] } })}`;
      // Outside the child: untouched, no token needed, no request.auth, no decision header.
      for (const [method, url, where] of [
        ['GET', '/health', 'root'],
        ['POST', '/orders', 'root'],
        ['POST', '/v2/orders', 'v2'],
      ] as const) {
        const res = await request(app.server)[method === 'GET' ? 'get' : 'post'](url);
        expect({ url, status: res.status, body: res.body }).toEqual({ url, status: 200, body: { where, sub: null, decided: false } });
        expect(res.headers[DECISION_ID_HEADER]).toBeUndefined();
      }
      // Inside: 401 without a token, 403 for a reader's POST, allowed for an admin; the grandchild too.
      expect((await request(app.server).post('/v1/orders')).status).toBe(401);
      expect((await request(app.server).post('/v1/orders').set('Authorization', reader)).status).toBe(403);
      const ok = await request(app.server).post('/v1/orders').set('Authorization', admin);
      expect(ok.body).toEqual({ where: 'v1', sub: 'alice', decided: true });
      expect(ok.headers[DECISION_ID_HEADER]).toEqual(expect.any(String));
      expect((await request(app.server).post('/v1/nested/orders')).status).toBe(401);
      expect((await request(app.server).post('/v1/nested/orders').set('Authorization', admin)).body).toEqual({
        where: 'v1-nested',
        sub: 'alice',
        decided: true,
      });
      // The decorator lives in the child context only.
      expect(app.opaJwt).toBeUndefined();
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
      const res = await request(app.server)
        .post('/api/orders')
        .set('Authorization', `Bearer ${await token(fixtures)}`)
        .send({ a: 1 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ body: { a: 1 } });
    } finally {
      await app.close();
    }
  });
});

/**
 * Two opa-jwt middlewares on one request (a general policy, then a stricter one on /admin) must both allow; the
 * same middleware mounted twice decides once. Express and Koa (Fastify's nesting is the encapsulation test above).
 */
describe.each(['express', 'koa'] as const)('%s: layered middlewares', (framework) => {
  let admin: string;
  let adminAndSpecial: string;
  beforeAll(async () => {
    admin = `Bearer ${await token(fixtures)}`; // roles: admin
    adminAndSpecial = `Bearer ${await token(fixtures, { claims: { roles: ['admin', 'special'] } })}`;
  });

  function build(decisions: string[]) {
    const general = { ...coreOptions(fixtures), onDecision: (entry: { path: string }) => void decisions.push(entry.path) };
    const strict = {
      ...coreOptions(fixtures, { entrypoint: 'authz/special' }),
      onDecision: (entry: { path: string }) => void decisions.push(entry.path),
    };
    if (framework === 'express') {
      const app = express();
      const first = expressOpaJwt(general);
      const second = expressOpaJwt(strict);
      app.use(first);
      app.use(first); // mounted twice: decides once
      app.use('/admin', second);
      app.get(/.*/, (req, res) => void res.json({ sub: req.auth?.payload?.sub }));
      return { server: app, close: async () => Promise.all([first.close(), second.close()]) };
    }
    const app = new Koa();
    const first = koaOpaJwt(general);
    const second = koaOpaJwt(strict);
    app.use(first);
    app.use(first);
    app.use((ctx, next) => (ctx.path.startsWith('/admin') ? second(ctx, next) : next()));
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.payload?.sub };
    });
    return { server: app.callback(), close: async () => Promise.all([first.close(), second.close()]) };
  }

  test('the stricter policy is enforced behind the general one, and one middleware decides once', async () => {
    const decisions: string[] = [];
    const { server, close } = build(decisions);
    try {
      expect((await request(server).get('/orders').set('Authorization', admin)).status).toBe(200);
      expect(decisions).toEqual(['authz/decision']);

      decisions.length = 0;
      const denied = await request(server).get('/admin/users').set('Authorization', admin);
      expect(denied.status).toBe(403); // the general policy allows an admin's GET; the strict one wants "special"
      expect(decisions).toEqual(['authz/decision', 'authz/special']);

      decisions.length = 0;
      expect((await request(server).get('/admin/users').set('Authorization', adminAndSpecial)).status).toBe(200);
      expect(decisions).toEqual(['authz/decision', 'authz/special']);
    } finally {
      await close();
    }
  });
});

describe('fastify: layered registrations', () => {
  test('a stricter registration in a child context is enforced behind the parent one; both decide', async () => {
    const decisions: string[] = [];
    const record = (entry: { path: string }) => void decisions.push(entry.path);
    const app = Fastify();
    await app.register(fastifyOpaJwt, { ...coreOptions(fixtures), onDecision: record });
    app.get('/orders', async (request) => ({ sub: request.auth?.payload?.sub }));
    await app.register(
      async (admin) => {
        await admin.register(fastifyOpaJwt, { ...coreOptions(fixtures, { entrypoint: 'authz/special' }), onDecision: record });
        admin.get('/users', async (request) => ({ sub: request.auth?.payload?.sub }));
      },
      { prefix: '/admin' },
    );
    await app.ready();
    try {
      const admin = `Bearer ${await token(fixtures)}`;
      const adminAndSpecial = `Bearer ${await token(fixtures, { claims: { roles: ['admin', 'special'] } })}`;
      expect((await request(app.server).get('/orders').set('Authorization', admin)).status).toBe(200);
      expect(decisions).toEqual(['authz/decision']);

      decisions.length = 0;
      expect((await request(app.server).get('/admin/users').set('Authorization', admin)).status).toBe(403);
      expect(decisions).toEqual(['authz/decision', 'authz/special']);

      decisions.length = 0;
      expect((await request(app.server).get('/admin/users').set('Authorization', adminAndSpecial)).status).toBe(200);
      expect(decisions).toEqual(['authz/decision', 'authz/special']);
    } finally {
      await app.close();
    }
  });
});
