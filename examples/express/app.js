'use strict';
/**
 * The orders API on Express, protected by policies/api-authz.rego:
 *   GET  /orders/:id   needs the reader or admin role (orders:read)
 *   POST /orders       needs the admin role (orders:write)
 * Every request passes the opa-jwt middleware first: no/invalid token -> 401, denied by the policy -> 403 with
 * the policy's external_message, allowed -> req.auth holds the verified claims.
 */
const express = require('express');
const { opaJwt } = require('@opa-jwt/express');
const { OrderBook, POLICY, ENTRYPOINT } = require('../shared/orders');
const { httpHandle } = require('../shared/http-handle');

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

  const app = express();
  app.use(express.json());
  app.use(auth);

  app.get('/orders/:id', (req, res) => {
    const order = orders.get(req.params.id);
    if (!order) return res.status(404).json({ error: 'not_found', error_description: `no order ${req.params.id}` });
    res.json(order);
  });

  app.post('/orders', (req, res) => {
    const created = orders.create(req.body, req.auth.payload.sub);
    if (created.error) return res.status(400).json({ error: 'invalid_request', error_description: created.error });
    res.status(201).json(created.order);
  });

  return { app, ready: auth.ready, ...httpHandle(app, auth) };
}

module.exports = { createApp };
