/**
 * Fitting opa-jwt into the application, on Express, Koa and Fastify alike, where the app's own code takes part:
 * refusals handed to the framework's error handling (`onRefusal: 'error'`), failing or caching `getToken` and
 * `isRevoked` hooks. (Cookie tokens, revoked tokens and the body in the input run through the shared table.)
 * Real apps, real keys, the JWKS server on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import * as expressAdapter from '@opa-jwt/express';
import * as koaAdapter from '@opa-jwt/koa';
import * as fastifyAdapter from '@opa-jwt/fastify';
import { startFixtures, token, type Fixtures } from './fixtures';
import { readKoaBody, type OpaJwtOptions } from './harnesses';
import { coreOptions } from './table';

let fixtures: Fixtures;
beforeAll(async () => {
  fixtures = await startFixtures();
});
afterAll(async () => {
  await fixtures.close();
});

type Exports = typeof expressAdapter;

interface App {
  server: Server;
  /** What the app's own error handler received. */
  errors: unknown[];
  ready: Promise<void>;
  close(): Promise<void>;
}

interface Framework {
  name: string;
  exports: Exports;
  /** `ownHandler`: the app installs an error handler of its own that records the error; otherwise the framework's default answers. */
  start(options: OpaJwtOptions, ownHandler: boolean): Promise<App>;
}

/** The handler behind opa-jwt answers the policy's result (the input document, for the `authz/echo` entrypoint). */
const allowed = (auth: { payload: { sub?: unknown }; decision: { result: unknown } } | undefined) => ({
  sub: auth?.payload.sub ?? null,
  result: auth?.decision.result ?? null,
});

const frameworks: Framework[] = [
  {
    name: 'express',
    exports: expressAdapter,
    async start(options, ownHandler) {
      const app = express();
      app.use(express.json());
      const auth = expressAdapter.opaJwt(options);
      app.use(auth);
      app.use('/api', (req, res) => {
        res.json(allowed(req.auth));
      });
      const errors: unknown[] = [];
      if (ownHandler) {
        app.use((error: expressAdapter.HttpError, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          errors.push(error);
          res.status(error.status).set(error.headers).json({ handledBy: 'app' });
        });
      }
      return { server: createServer(app), errors, ready: auth.ready, close: () => auth.close() };
    },
  },
  {
    name: 'koa',
    exports: koaAdapter as unknown as Exports,
    async start(options, ownHandler) {
      const app = new Koa();
      app.silent = true;
      const errors: unknown[] = [];
      if (ownHandler) {
        app.use(async (ctx, next) => {
          try {
            await next();
          } catch (error) {
            errors.push(error);
            const refusal = error as koaAdapter.HttpError;
            ctx.status = refusal.status;
            ctx.set(refusal.headers ?? {});
            ctx.body = { handledBy: 'app' };
          }
        });
      }
      app.use(async (ctx, next) => {
        (ctx.request as { body?: unknown }).body = await readKoaBody(ctx);
        await next();
      });
      const auth = koaAdapter.opaJwt(options);
      app.use(auth);
      app.use((ctx) => {
        ctx.body = allowed(ctx.state.auth);
      });
      const handle = app.callback(); // Koa's handler settles its own promise: errors become responses.
      return { server: createServer((req, res) => void handle(req, res)), errors, ready: auth.ready, close: () => auth.close() };
    },
  },
  {
    name: 'fastify',
    exports: fastifyAdapter as unknown as Exports,
    async start(options, ownHandler) {
      const app = Fastify({ logger: false });
      const errors: unknown[] = [];
      if (ownHandler) {
        app.setErrorHandler((error: fastifyAdapter.HttpError, _request, reply) => {
          errors.push(error);
          void reply
            .code(error.statusCode)
            .headers(error.headers ?? {})
            .send({ handledBy: 'app' });
        });
      }
      await app.register(fastifyAdapter.opaJwt, options);
      app.all('/api/*', async (req) => allowed(req.auth));
      await app.ready();
      return { server: app.server, errors, ready: app.opaJwt.ready, close: () => app.close() };
    },
  },
];

describe.each(frameworks)('$name', (framework) => {
  const apps: App[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  async function start(extra: Partial<OpaJwtOptions>, ownHandler = true, entrypoint = 'authz/decision'): Promise<App> {
    const app = await framework.start({ ...coreOptions(fixtures, { entrypoint }), ...extra }, ownHandler);
    apps.push(app);
    await app.ready;
    return app;
  }

  describe("onRefusal: 'error'", () => {
    it('hands a request without a token to the app as an UnauthorizedError with its challenge', async () => {
      const app = await start({ onRefusal: 'error' });
      const response = await request(app.server).get('/api/orders');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ handledBy: 'app' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(app.errors).toHaveLength(1);
      const error = app.errors[0] as expressAdapter.HttpError;
      expect(error).toBeInstanceOf(framework.exports.UnauthorizedError);
      expect(error).toBeInstanceOf(framework.exports.HttpError);
      expect(error).toMatchObject({ status: 401, statusCode: 401, expose: true });
      expect(error.headers).toMatchObject({ 'WWW-Authenticate': 'Bearer realm="api"', 'Cache-Control': 'no-store' });
    });

    it('hands a policy denial over with the client-safe part of the decision only', async () => {
      const app = await start({ onRefusal: 'error' });
      const reader = await token(fixtures, { claims: { roles: ['reader'] } });
      const response = await request(app.server).post('/api/orders').set('Authorization', `Bearer ${reader}`);
      expect(response.status).toBe(403);
      expect(response.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
      const error = app.errors[0] as expressAdapter.HttpError;
      expect(error).toBeInstanceOf(framework.exports.InsufficientScopeError);
      expect(error).toMatchObject({ status: 403, statusCode: 403, expose: true, code: 'insufficient_scope' });
      expect(error.decision).toEqual({
        allowed: false,
        decisionId: response.headers['x-decision-id'],
        externalMessage: 'admins only: ask support@example.com',
      });
      expect(error.headers?.['X-Decision-Id']).toBe(response.headers['x-decision-id']);
      // The policy's internal message never travels with the error.
      expect(JSON.stringify({ ...error, decision: error.decision, message: error.message })).not.toContain('caller lacks the admin role');
    });

    it('hands a bad token over as an InvalidTokenError with its reason', async () => {
      const app = await start({ onRefusal: 'error' });
      const expired = await token(fixtures, { expiresIn: -600 });
      const response = await request(app.server).get('/api/orders').set('Authorization', `Bearer ${expired}`);
      expect(response.status).toBe(401);
      const error = app.errors[0] as expressAdapter.InvalidTokenError;
      expect(error).toBeInstanceOf(framework.exports.InvalidTokenError);
      expect(error.reason).toBe('expired');
      expect(error.headers?.['WWW-Authenticate']).toMatch(/error="invalid_token"/);
    });

    it("the framework's own default error handling answers with the error's status and headers", async () => {
      const app = await start({ onRefusal: 'error' }, false);
      const response = await request(app.server).get('/api/orders');
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('leaves allowed requests and the default (respond) alone', async () => {
      const app = await start({});
      const response = await request(app.server).get('/api/orders');
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'unauthorized' });
      expect(app.errors).toHaveLength(0);
      const admin = await token(fixtures);
      const errorsApp = await start({ onRefusal: 'error' });
      expect((await request(errorsApp.server).get('/api/orders').set('Authorization', `Bearer ${admin}`)).status).toBe(200);
      expect(errorsApp.errors).toHaveLength(0);
    });
  });

  describe('getToken', () => {
    it('fails closed (500) when the getter throws', async () => {
      const app = await start({
        getToken: () => {
          throw new Error('cookie store down');
        },
        logger: { info() {}, warn() {}, error() {}, debug() {} },
      });
      const response = await request(app.server).get('/api/orders');
      expect(response.status).toBe(500);
    });
  });

  describe('isRevoked', () => {
    it('refuses a deny-listed jti with 401 invalid_token, asking once per token', async () => {
      const asked: unknown[] = [];
      const logged: Array<Record<string, unknown>> = [];
      const app = await start({
        isRevoked: async (payload) => {
          asked.push(payload.jti);
          return payload.jti === 'revoked-1';
        },
        logger: { info: (fields: object) => void logged.push(fields as Record<string, unknown>), warn() {}, error() {}, debug() {} },
      });
      const revoked = await token(fixtures, { claims: { jti: 'revoked-1' } });
      const good = await token(fixtures, { claims: { jti: 'good-1' } });
      for (let i = 0; i < 2; i++) {
        const refused = await request(app.server).get('/api/orders').set('Authorization', `Bearer ${revoked}`);
        expect(refused.status).toBe(401);
        expect(refused.headers['www-authenticate']).toMatch(/error="invalid_token", error_description="the token has been revoked"/);
        expect((await request(app.server).get('/api/orders').set('Authorization', `Bearer ${good}`)).status).toBe(200);
      }
      expect(asked).toEqual(['revoked-1', 'good-1']);
      expect(logged.some((fields) => fields.reason === 'revoked')).toBe(true);
    });

    it('hands a revoked token to the app as an InvalidTokenError with reason revoked', async () => {
      const app = await start({ isRevoked: () => true, onRefusal: 'error' });
      const response = await request(app.server)
        .get('/api/orders')
        .set('Authorization', `Bearer ${await token(fixtures)}`);
      expect(response.status).toBe(401);
      expect(app.errors[0]).toBeInstanceOf(framework.exports.InvalidTokenError);
      expect((app.errors[0] as expressAdapter.InvalidTokenError).reason).toBe('revoked');
    });
  });
});

// Express, Koa and Fastify work the client's address out from the app's proxy setting (X-Forwarded-For); opa-jwt reads it
// only when something needs it, and then it is the app's answer, in the policy's input and in the decision log alike.
describe("the client's address follows the app's proxy setting", () => {
  const servers = {
    express(trusted: boolean, options: OpaJwtOptions) {
      const app = express();
      app.set('trust proxy', trusted);
      const auth = expressAdapter.opaJwt(options);
      app.use(auth);
      app.use('/api', (req, res) => {
        res.json(allowed(req.auth));
      });
      return { server: createServer(app), auth };
    },
    koa(trusted: boolean, options: OpaJwtOptions) {
      const app = new Koa({ proxy: trusted });
      const auth = koaAdapter.opaJwt(options);
      app.use(auth);
      app.use((ctx) => {
        ctx.body = allowed(ctx.state.auth);
      });
      const handle = app.callback();
      return { server: createServer((req, res) => void handle(req, res)), auth };
    },
    async fastify(trusted: boolean, options: OpaJwtOptions) {
      const app = Fastify({ logger: false, trustProxy: trusted });
      await app.register(fastifyAdapter.opaJwt, options);
      app.get('/api/*', async (req) => allowed(req.auth));
      await app.ready();
      return { server: app.server, auth: { ready: app.opaJwt.ready, close: () => app.close() } };
    },
  };
  it.each([
    ['fastify', false, '127.0.0.1'],
    ['fastify', true, '203.0.113.9'],
    ['express', false, '127.0.0.1'],
    ['express', true, '203.0.113.9'],
    ['koa', false, '127.0.0.1'],
    ['koa', true, '203.0.113.9'],
  ] as const)('%s, proxy trusted: %s: the policy and the decision log see %s', async (framework, trusted, expected) => {
    const { server, auth } = await servers[framework](trusted, echoOptions());
    await expect(addressesSeen(server, auth, { 'X-Forwarded-For': '203.0.113.9' })).resolves.toEqual([expected, expected]);
  });

  it.each(['express', 'koa', 'fastify'] as const)('%s, proxy trusted, no X-Forwarded-For: the socket address', async (framework) => {
    const { server, auth } = await servers[framework](true, echoOptions());
    await expect(addressesSeen(server, auth, {})).resolves.toEqual(['127.0.0.1', '127.0.0.1']);
  });

  // opa-jwt reads the socket's address itself when Express's own getter would answer it: a getter the app defines
  // in its place is asked every time, with X-Forwarded-For or without.
  it.each([
    ['without X-Forwarded-For', {}],
    ['with X-Forwarded-For', { 'X-Forwarded-For': '203.0.113.9' }],
  ])("express: an app's own req.ip getter is what the policy sees, %s", async (_, headers: Record<string, string>) => {
    const app = express();
    Object.defineProperty(app.request, 'ip', {
      configurable: true,
      get(this: express.Request) {
        return this.get('X-Client-Address') ?? '192.0.2.1';
      },
    });
    const auth = expressAdapter.opaJwt(echoOptions());
    app.use(auth);
    app.use('/api', (req, res) => {
      res.json(allowed(req.auth));
    });
    await expect(addressesSeen(createServer(app), auth, { ...headers, 'X-Client-Address': '198.51.100.4' })).resolves.toEqual([
      '198.51.100.4',
      '198.51.100.4',
    ]);
  });

  const echoEntries: Array<{ requested_by?: string }> = [];
  const echoOptions = (): OpaJwtOptions => ({
    ...coreOptions(fixtures, { entrypoint: 'authz/echo' }),
    onDecision: (entry) => void echoEntries.push(entry),
  });

  /** The address in the policy's input and in the decision log entry for one request with these headers. */
  async function addressesSeen(server: Server, auth: { ready: Promise<void>; close(): Promise<void> }, headers: Record<string, string>) {
    echoEntries.length = 0;
    try {
      await auth.ready;
      const response = await request(server)
        .get('/api/orders')
        .set(headers)
        .set('Authorization', `Bearer ${await token(fixtures)}`);
      expect(response.status).toBe(200);
      expect(echoEntries).toHaveLength(1);
      return [(response.body as { result: { input: { source: { ip: string } } } }).result.input.source.ip, echoEntries[0].requested_by];
    } finally {
      await auth.close();
    }
  }
});

// Express's router reads an app's routing settings once; opa-jwt reads them once per app too, not per request. One
// middleware mounted in two apps with different settings still shows each request the path its own app routes on.
test('express: one middleware in two apps with different routing: each request has its own app’s path', async () => {
  const auth = expressAdapter.opaJwt(coreOptions(fixtures, { entrypoint: 'authz/echo' }));
  const appWith = (sensitive: boolean) => {
    const app = express();
    app.set('case sensitive routing', sensitive);
    app.set('strict routing', sensitive ? 1 : 0); // truthy is on, for Express's router and for opa-jwt
    app.use(auth);
    app.use('/api', (req, res) => {
      res.json(allowed(req.auth));
    });
    return createServer(app);
  };
  const [exact, loose] = [appWith(true), appWith(false)];
  try {
    await auth.ready;
    const bearer = `Bearer ${await token(fixtures)}`;
    const pathSeen = async (server: Server) => {
      const response = await request(server).get('/api/Orders/').set('Authorization', bearer);
      expect(response.status).toBe(200);
      return (response.body as { result: { input: { path: string } } }).result.input.path;
    };
    // Alternating, so that neither app's routing is the one left over from the request before.
    const seen = [];
    for (const server of [exact, loose, exact, loose]) seen.push(await pathSeen(server));
    expect(seen).toEqual(['/api/Orders/', '/api/orders', '/api/Orders/', '/api/orders']);
  } finally {
    await auth.close();
  }
});
