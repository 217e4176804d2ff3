'use strict';
/**
 * The orders API on Koa, protected by policies/api-authz.rego:
 *   GET  /orders/:id   needs the reader or admin role (orders:read)
 *   POST /orders       needs the admin role (orders:write)
 * Every request passes the opa-jwt middleware first: no/invalid token -> 401, denied by the policy -> 403 with
 * the policy's external_message, allowed -> ctx.state.auth holds the verified claims.
 */
const Koa = require('koa');
const { opaJwt } = require('@opa-jwt/koa');
const { OrderBook, POLICY, ENTRYPOINT } = require('../shared/orders');
const { httpHandle } = require('../shared/http-handle');

const MAX_BODY_BYTES = 64 * 1024;

/** Koa has no body parser of its own; this small JSON reader stands in for @koa/bodyparser. */
async function jsonBody(ctx, next) {
  if (ctx.method === 'POST' && ctx.is('application/json')) {
    const chunks = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) ctx.throw(413, 'request body too large');
      chunks.push(chunk);
    }
    try {
      ctx.request.body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
    } catch {
      ctx.throw(400, 'request body is not valid JSON');
    }
  }
  await next();
}

/** @param {{ issuer: string, audience: string, jwksUri?: string, policyPath?: string }} config */
async function createApp(config) {
  const auth = opaJwt({
    // With jwksUri the keys come from there; without it, from the issuer's OpenID discovery document.
    ...(config.jwksUri ? { issuer: config.issuer, jwksUri: config.jwksUri } : { issuerBaseURL: config.issuer }),
    audience: config.audience,
    algorithms: ['RS256'],
    policy: config.policyPath || POLICY,
    entrypoint: ENTRYPOINT,
  });
  const orders = new OrderBook();

  const app = new Koa();
  app.use(jsonBody);
  app.use(auth);
  app.use((ctx) => {
    const match = /^\/orders\/([^/]+)$/.exec(ctx.path);
    if (ctx.method === 'GET' && match) {
      const order = orders.get(match[1]);
      if (!order) {
        ctx.status = 404;
        ctx.body = { error: 'not_found', error_description: `no order ${match[1]}` };
        return;
      }
      ctx.body = order;
      return;
    }
    if (ctx.method === 'POST' && ctx.path === '/orders') {
      const created = orders.create(ctx.request.body, ctx.state.auth.payload.sub);
      ctx.status = created.error ? 400 : 201;
      ctx.body = created.error ? { error: 'invalid_request', error_description: created.error } : created.order;
    }
    // anything else: Koa's 404
  });

  return { app, ready: auth.ready, ...httpHandle(app.callback(), auth) };
}

module.exports = { createApp };
