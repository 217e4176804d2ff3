#!/usr/bin/env node
/**
 * One server of the peer benchmark (run.js starts each in its own process, pinned to one core):
 *
 *   node bench/http/server.js <variant> <issuer> <jwksUri>
 *
 * Every variant serves the same API on 127.0.0.1 (a free port, printed as `LISTENING <port>`):
 *   GET  /orders/:id   200 {id, sub} for a reader or admin            (orders:read)
 *   POST /orders       201 for an admin, 403 for a reader             (orders:write; authorization variants only)
 *   POST /mcp          200 for a JSON-RPC tools/call                  (bare and opa-jwt MCP variants)
 *   GET  /__stats      the process's CPU time (µs), memory (`?gc`: after a full GC), Node.js version and, for opa-jwt
 *                      variants, how many evaluations its memory of answers spared; unauthenticated, for run.js
 * JWT variants answer 401 without a valid token. Keys come from the issuer's JWKS (RS256), fetched by each library
 * its own way; every variant checks issuer, audience and expiry.
 */
'use strict';
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
/** The opa-jwt adapter `name` (express, fastify, koa): this checkout's, or that of OPA_JWT_BUILD (run.js's BENCH_HTTP_BASELINE). */
const adapter = (name) => require(process.env.OPA_JWT_BUILD ? path.join(process.env.OPA_JWT_BUILD, 'packages', name) : `@opa-jwt/${name}`);
const { AUDIENCE, opaJwtOptions: sharedOpaJwtOptions } = require('./opa-jwt-options');
const [variant, issuer, jwksUri] = process.argv.slice(2);

/** The authorization rule every authorization variant applies, written in each engine's own language. */
const CAN = { reader: ['orders:read'], admin: ['orders:read', 'orders:write'] };
const permissionOf = (method) => (method === 'POST' ? 'orders:write' : 'orders:read');

/** The opa-jwt variants' authorizer, once made: its policy engine counts the answers it reused. */
let opaJwtAuthorizer;

function stats(collect) {
  if (collect && global.gc) global.gc();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const answersReused = opaJwtAuthorizer?.policies?.current?.answersReused;
  return {
    cpuMicros: cpu.user + cpu.system,
    heapUsed: memory.heapUsed,
    rss: memory.rss,
    node: process.version,
    answersReused,
    loggedBytes: _loggedBytes,
  };
}

// ------------------------------------------------------------------------------------------------ verification

/** jose's jwtVerify against the issuer's JWKS, optionally remembering verified tokens until they expire. */
function joseVerifier({ cache }) {
  const { createRemoteJWKSet, jwtVerify } = require('jose');
  const keys = createRemoteJWKSet(new URL(jwksUri));
  const verified = new Map();
  return async function verify(token) {
    if (cache) {
      const hit = verified.get(token);
      if (hit && hit.exp * 1000 > Date.now()) return hit;
    }
    const { payload } = await jwtVerify(token, keys, { issuer, audience: AUDIENCE, algorithms: ['RS256'] });
    if (cache) {
      if (verified.size >= 10_000) verified.clear();
      verified.set(token, payload);
    }
    return payload;
  };
}

const bearer = (header) => (typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined);

/** Express middleware from a verifier and an optional `allowed(payload, method)` check (may return a promise). */
function expressGuard(verify, allowed) {
  return (req, res, next) => {
    const token = bearer(req.headers.authorization);
    if (!token) return void res.status(401).set('www-authenticate', 'Bearer').json({ error: 'invalid_token' });
    verify(token).then(
      async (payload) => {
        if (allowed && !(await allowed(payload, req.method))) return void res.status(403).json({ error: 'insufficient_scope' });
        req.auth = { payload };
        next();
      },
      () => res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' }),
    );
  };
}

// ------------------------------------------------------------------------------------------------ authorization peers

function casbinCheck() {
  const { newEnforcer, newModelFromString, StringAdapter } = require('casbin');
  const model = newModelFromString(`
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act`);
  const policy = Object.entries(CAN)
    .flatMap(([role, permissions]) => permissions.map((permission) => `p, ${role}, orders, ${permission}`))
    .join('\n');
  return newEnforcer(model, new StringAdapter(policy)).then((enforcer) => async (payload, method) => {
    // Roles come from the token: add them as the subject's groupings for this check only.
    const subject = `user:${payload.sub}`;
    for (const role of payload.roles ?? []) await enforcer.addRoleForUser(subject, role);
    try {
      return await enforcer.enforce(subject, 'orders', permissionOf(method));
    } finally {
      await enforcer.deleteRolesForUser(subject);
    }
  });
}

function cedarCheck() {
  const cedar = require('@cedar-policy/cedar-wasm/nodejs');
  const policies = Object.entries(CAN)
    .flatMap(([role, permissions]) =>
      permissions.map((permission) => `permit(principal in Role::"${role}", action == Action::"${permission}", resource);`),
    )
    .join('\n');
  const parsed = cedar.preparsePolicySet('orders', { staticPolicies: policies });
  if (parsed.type !== 'success') throw new Error(`cedar: ${JSON.stringify(parsed.errors)}`);
  return (payload, method) => {
    const principal = { type: 'User', id: String(payload.sub) };
    const roles = (payload.roles ?? []).map((role) => ({ type: 'Role', id: String(role) }));
    const answer = cedar.statefulIsAuthorized({
      principal,
      action: { type: 'Action', id: permissionOf(method) },
      resource: { type: 'Order', id: 'any' },
      context: {},
      preparsedPolicySetId: 'orders',
      entities: [{ uid: principal, attrs: {}, parents: roles }, ...roles.map((uid) => ({ uid, attrs: {}, parents: [] }))],
    });
    return answer.type === 'success' && answer.response.decision === 'allow';
  };
}

// ------------------------------------------------------------------------------------------------ apps

const opaJwtOptions = (extra = {}) => sharedOpaJwtOptions(issuer, jwksUri, extra);

/**
 * Decision-log sinks, as a log shipper's: each entry's JSON text made and measured in bytes (what a writer does before
 * it writes), only the count kept. `onDecision` serialises the entry it is handed; `onDecisionLine` is handed the text.
 */
let _loggedBytes = 0;
const onDecision = (entry) => {
  _loggedBytes += Buffer.byteLength(JSON.stringify(entry));
};
const onDecisionLine = (line) => {
  _loggedBytes += Buffer.byteLength(line);
};

/** opa-jwt handing its entries' JSON to the line sink: a build without `onDecisionLine` (a baseline) serialises them for it. */
function linesMiddleware() {
  try {
    return adapter('express').opaJwt(opaJwtOptions({ onDecisionLine }));
  } catch (error) {
    if (!String(error?.message).includes('onDecisionLine')) throw error;
    return adapter('express').opaJwt(opaJwtOptions({ onDecision: (entry) => onDecisionLine(JSON.stringify(entry)) }));
  }
}

const MCP_OPTIONS = { policy: path.join(ROOT, 'policies', 'mcp-tools.rego'), entrypoint: 'mcp/tools/result' };

async function expressApp() {
  const express = require('express');
  const app = express();
  app.get('/__stats', (req, res) => res.json(stats('gc' in req.query)));
  app.use(express.json());
  const guard = {
    express: () => {},
    'express-oauth2-jwt-bearer': () => {
      const { auth } = require('express-oauth2-jwt-bearer');
      return auth({ issuer, jwksUri, audience: AUDIENCE, tokenSigningAlg: 'RS256' });
    },
    'express-jwt': () => {
      const { expressjwt } = require('express-jwt');
      const jwksRsa = require('jwks-rsa');
      return expressjwt({
        secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true }),
        algorithms: ['RS256'],
        issuer,
        audience: AUDIENCE,
      });
    },
    jose: () => expressGuard(joseVerifier({ cache: false })),
    'jose-cache': () => expressGuard(joseVerifier({ cache: true })),
    'jose-cache-casbin': async () => expressGuard(joseVerifier({ cache: true }), await casbinCheck()),
    'jose-cache-cedar': () => expressGuard(joseVerifier({ cache: true }), cedarCheck()),
    'opa-jwt': () => adapter('express').opaJwt(opaJwtOptions()),
    'opa-jwt-log': () => adapter('express').opaJwt(opaJwtOptions({ onDecision })),
    'opa-jwt-log-lines': () => linesMiddleware(),
    'opa-jwt-mcp': () => adapter('express').opaJwt(opaJwtOptions(MCP_OPTIONS)),
  }[variant];
  if (!guard) throw new Error(`unknown variant ${variant}`);
  const middleware = await guard();
  if (middleware) {
    if (middleware.ready) await middleware.ready;
    opaJwtAuthorizer = middleware.authorizer;
    app.use(middleware);
  }
  // express-oauth2-jwt-bearer and express-jwt put the claims in different places; the answer is the same.
  const subOf = (req) => req.auth?.payload?.sub ?? req.auth?.sub ?? 'anonymous';
  app.get('/orders/:id', (req, res) => res.json({ id: req.params.id, sub: subOf(req) }));
  app.post('/orders', (req, res) => res.status(201).json({ created: true, sub: subOf(req) }));
  app.post('/mcp', (req, res) => res.json({ jsonrpc: '2.0', id: req.body?.id ?? null, result: { content: [] } }));
  app.use((error, req, res, _next) => res.status(error.status ?? error.statusCode ?? 500).json({ error: error.code ?? 'error' }));
  return (port, done) =>
    app.listen(port, '127.0.0.1', function () {
      done(this.address().port);
    });
}

async function fastifyApp() {
  const Fastify = require('fastify');
  const app = Fastify();
  app.get('/__stats', async (request) => stats('gc' in request.query));
  await app.register(async (scope) => {
    if (variant === 'fastify-opa-jwt') {
      await scope.register(adapter('fastify').opaJwt, opaJwtOptions());
      opaJwtAuthorizer = scope.opaJwt.authorizer;
    } else if (variant === 'fastify-jwt') {
      const { createPublicKey } = require('node:crypto');
      const { keys } = await (await fetch(jwksUri)).json();
      const publicKey = createPublicKey({ key: keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      await scope.register(require('@fastify/jwt'), {
        secret: { public: publicKey },
        verify: { algorithms: ['RS256'], allowedIss: issuer, allowedAud: AUDIENCE },
      });
      scope.addHook('onRequest', async (request, reply) => {
        try {
          await request.jwtVerify();
        } catch {
          return reply.code(401).send({ error: 'invalid_token' });
        }
      });
    } else if (variant !== 'fastify') {
      throw new Error(`unknown variant ${variant}`);
    }
    const subOf = (request) => request.auth?.payload?.sub ?? request.user?.sub ?? 'anonymous';
    scope.get('/orders/:id', async (request) => ({ id: request.params.id, sub: subOf(request) }));
    scope.post('/orders', async (request, reply) => reply.code(201).send({ created: true, sub: subOf(request) }));
  });
  return (port, done) => app.listen({ port, host: '127.0.0.1' }).then(() => done(app.server.address().port));
}

async function koaApp() {
  const Koa = require('koa');
  const app = new Koa();
  app.use(async (ctx, next) => (ctx.path === '/__stats' ? void (ctx.body = stats('gc' in ctx.query)) : next()));
  // Koa has no body parser of its own: JSON bodies are read here, as express.json() does for the Express servers
  // (opa-jwt refuses a JSON body that nothing parsed before it).
  app.use(async (ctx, next) => {
    if (ctx.is('application/json')) {
      const chunks = [];
      for await (const chunk of ctx.req) chunks.push(chunk);
      ctx.request.body = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    return next();
  });
  if (variant === 'koa-opa-jwt') {
    const middleware = adapter('koa').opaJwt(opaJwtOptions());
    await middleware.ready;
    opaJwtAuthorizer = middleware.authorizer;
    app.use(middleware);
  } else if (variant !== 'koa') {
    throw new Error(`unknown variant ${variant}`);
  }
  const sub = (ctx) => ctx.state.auth?.payload?.sub ?? 'anonymous';
  app.use((ctx) => {
    const order = /^\/orders\/([^/]+)$/.exec(ctx.path);
    if (ctx.method === 'GET' && order) ctx.body = { id: order[1], sub: sub(ctx) };
    else if (ctx.method === 'POST' && ctx.path === '/orders') ((ctx.status = 201), (ctx.body = { created: true, sub: sub(ctx) }));
    else ctx.status = 404;
  });
  return (port, done) => {
    const server = app.listen(port, '127.0.0.1', () => done(server.address().port));
  };
}

async function main() {
  const listen = variant.startsWith('fastify') ? await fastifyApp() : variant.startsWith('koa') ? await koaApp() : await expressApp();
  listen(0, (port) => process.stdout.write(`LISTENING ${port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((error) => {
  process.stderr.write(`${variant}: ${error.stack ?? error}\n`);
  process.exit(1);
});
