/**
 * One harness per framework, each building the same application from the same route plan, so the
 * shared table in table.ts drives all three identically:
 *
 *   ANY /api/...       protected with the configured entrypoint
 *   GET /public/health skipped (no authentication, no policy)
 *   ANY /special/...   protected with the SPECIAL_ENTRYPOINT override
 *   GET /admin, GET /admin/settings   protected (the policy keeps readers out), routed by the framework's router
 *   GET /items/:id     protected by a middleware on the route itself, so the adapter knows the route pattern
 *
 * `settings.caseSensitive` sets the app's own case-sensitivity (Express `case sensitive routing`, @koa/router
 * `sensitive`, Fastify `routerOptions.caseSensitive`); left out, each framework routes with its default.
 * Every handler answers `{ route, sub, anonymous, authenticated, decisionId, result }` from the request's AuthResult
 * (`result` is the policy's value, which the `authz/echo` entrypoint makes the input document itself).
 */
import { createServer, type Server } from 'node:http';
import express from 'express';
import Koa from 'koa';
import Router from '@koa/router';
import Fastify from 'fastify';
import { opaJwt as expressOpaJwt } from '@opa-jwt/express';
import { opaJwt as koaOpaJwt } from '@opa-jwt/koa';
import { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';
import type { AuthResult } from '@opa-jwt/core';

export type OpaJwtOptions = Parameters<typeof expressOpaJwt>[0];

export const SPECIAL_ENTRYPOINT = 'authz/special';

/**
 * Request header choosing how the harness reads a JSON body: absent, parsed (the framework's JSON parser); `text`,
 * handed on as raw text; `none`, not read at all (an app without a body parser in front of opa-jwt).
 */
export const BODY_PARSER_HEADER = 'x-test-body-parser';

export interface AppHandle {
  /** Not listening yet: supertest listens on an ephemeral 127.0.0.1 port itself. */
  server: Server;
  /** The adapter's start-up promise (`middleware.ready`, or `app.opaJwt.ready` for Fastify). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export type HarnessName = 'express' | 'koa' | 'fastify';

export interface RoutingSettings {
  caseSensitive?: boolean;
}

export interface Harness {
  name: HarnessName;
  start(options: OpaJwtOptions, settings?: RoutingSettings): Promise<AppHandle>;
}

function answer(route: string, auth: AuthResult | undefined): Record<string, unknown> {
  return {
    route,
    sub: auth?.payload?.sub ?? null,
    anonymous: auth !== undefined && auth.token === undefined,
    authenticated: auth !== undefined,
    decisionId: auth?.decision.decisionId ?? null,
    result: auth?.decision.result ?? null,
  };
}

export const expressHarness: Harness = {
  name: 'express',
  async start(options, settings = {}) {
    const app = express();
    if (settings.caseSensitive !== undefined) app.set('case sensitive routing', settings.caseSensitive);
    const auth = expressOpaJwt(options);
    const parseJson = express.json();
    const keepText = express.text({ type: 'application/json' });
    app.use((req, res, next) => {
      const mode = req.headers[BODY_PARSER_HEADER];
      if (mode === 'none') return next();
      return (mode === 'text' ? keepText : parseJson)(req, res, next);
    });
    app.use(express.urlencoded({ extended: false }));
    app.get('/items/:id', auth, (req, res) => {
      res.json(answer('items', req.auth));
    });
    app.use('/public', expressOpaJwt.skip());
    app.use('/special', expressOpaJwt.route({ entrypoint: SPECIAL_ENTRYPOINT }));
    app.use(auth);
    app.get('/public/health', (req, res) => {
      res.json(answer('public', req.auth));
    });
    app.use('/special', (req, res) => {
      res.json(answer('special', req.auth));
    });
    app.use('/api', (req, res) => {
      res.json(answer('api', req.auth));
    });
    app.get('/admin', (req, res) => {
      res.json(answer('admin', req.auth));
    });
    app.get('/admin/settings', (req, res) => {
      res.json(answer('admin', req.auth));
    });
    return { server: createServer(app), ready: auth.ready, close: () => auth.close() };
  },
};

/** Koa has no body parser of its own: a small JSON/form reader stands in for @koa/bodyparser. */
export async function readKoaBody(ctx: Koa.Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  if (ctx.is('application/json')) return ctx.get(BODY_PARSER_HEADER) === 'text' ? text : JSON.parse(text);
  if (ctx.is('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return undefined;
}

export const koaHarness: Harness = {
  name: 'koa',
  async start(options, settings = {}) {
    const app = new Koa();
    const auth = koaOpaJwt(options);
    const skip = koaOpaJwt.skip();
    const special = koaOpaJwt.route({ entrypoint: SPECIAL_ENTRYPOINT });
    app.use(async (ctx, next) => {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && ctx.get(BODY_PARSER_HEADER) !== 'none')
        (ctx.request as { body?: unknown }).body = await readKoaBody(ctx);
      await next();
    });
    // @koa/router for the admin pages and the items: the middleware mounted on the router runs for its routes only.
    const router = new Router(settings.caseSensitive === undefined ? {} : { sensitive: settings.caseSensitive });
    router.use(auth);
    router.get('/admin', (ctx) => {
      ctx.body = answer('admin', ctx.state.auth);
    });
    router.get('/admin/settings', (ctx) => {
      ctx.body = answer('admin', ctx.state.auth);
    });
    router.get('/items/:id', (ctx) => {
      ctx.body = answer('items', ctx.state.auth);
    });
    app.use(router.routes());
    app.use((ctx, next) => {
      if (ctx.path.startsWith('/public/')) return skip(ctx, next);
      if (ctx.path.startsWith('/special/')) return special(ctx, next);
      return next();
    });
    app.use(auth);
    app.use((ctx) => {
      const route = ctx.path.startsWith('/public/')
        ? 'public'
        : ctx.path.startsWith('/special/')
          ? 'special'
          : ctx.path.startsWith('/api/')
            ? 'api'
            : undefined;
      if (!route) return; // 404
      ctx.body = answer(route, ctx.state.auth);
    });
    const handle = app.callback(); // Koa's handler settles its own promise: errors become responses.
    return { server: createServer((req, res) => void handle(req, res)), ready: auth.ready, close: () => auth.close() };
  },
};

export const fastifyHarness: Harness = {
  name: 'fastify',
  async start(options, settings = {}) {
    const app = Fastify(settings.caseSensitive === undefined ? {} : { routerOptions: { caseSensitive: settings.caseSensitive } });
    // Fastify's own JSON parser (prototype poisoning refused), unless the request asks for raw text or no parsing.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const mode = request.headers[BODY_PARSER_HEADER];
      if (mode === 'none') return done(null, undefined);
      if (mode === 'text') return done(null, body);
      return parseJson(request, body as string, done);
    });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    await app.register(fastifyOpaJwt, options);
    app.get('/public/health', { config: { opaJwt: { skip: true } } }, async (request) => answer('public', request.auth));
    app.all('/special/*', { config: { opaJwt: { entrypoint: SPECIAL_ENTRYPOINT } } }, async (request) => answer('special', request.auth));
    app.all('/api/*', async (request) => answer('api', request.auth));
    app.get('/admin', async (request) => answer('admin', request.auth));
    app.get('/admin/settings', async (request) => answer('admin', request.auth));
    app.get('/items/:id', async (request) => answer('items', request.auth));
    await app.ready();
    return { server: app.server, ready: app.opaJwt.ready, close: () => app.close() };
  },
};

export const harnesses: Harness[] = [expressHarness, koaHarness, fastifyHarness];
