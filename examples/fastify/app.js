'use strict';
/**
 * The orders API on Fastify, protected by policies/api-authz.rego:
 *   GET  /orders/:id   needs the reader or admin role (orders:read)
 *   POST /orders       needs the admin role (orders:write)
 * The opa-jwt plugin decides every route registered after it: no/invalid token -> 401, denied by the policy ->
 * 403 with the policy's external_message, allowed -> request.auth holds the verified claims.
 */
const Fastify = require('fastify');
const { opaJwt } = require('@opa-jwt/fastify');
const { OrderBook, POLICY, ENTRYPOINT } = require('../shared/orders');

/** @param {{ issuer: string, audience: string, jwksUri?: string, policyPath?: string }} config */
async function createApp(config) {
  const app = Fastify();
  await app.register(opaJwt, {
    // With jwksUri the keys come from there; without it, from the issuer's OpenID discovery document.
    ...(config.jwksUri ? { issuer: config.issuer, jwksUri: config.jwksUri } : { issuerBaseURL: config.issuer }),
    audience: config.audience,
    algorithms: ['RS256'],
    policy: config.policyPath || POLICY,
    entrypoint: ENTRYPOINT,
  });
  const orders = new OrderBook();

  app.get('/orders/:id', async (request, reply) => {
    const order = orders.get(request.params.id);
    if (!order) return reply.code(404).send({ error: 'not_found', error_description: `no order ${request.params.id}` });
    return order;
  });

  app.post('/orders', async (request, reply) => {
    const created = orders.create(request.body, request.auth.payload.sub);
    if (created.error) return reply.code(400).send({ error: 'invalid_request', error_description: created.error });
    return reply.code(201).send(created.order);
  });

  await app.ready();
  return {
    app,
    ready: app.opaJwt.ready,
    listen: async (port = 0, host = '127.0.0.1') => {
      await app.listen({ port, host });
      return `http://${host}:${app.server.address().port}`;
    },
    close: () => app.close(),
  };
}

module.exports = { createApp };
