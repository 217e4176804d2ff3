/**
 * The opa-jwt options every opa-jwt server of the HTTP benchmarks uses (server.js, warm-and-cold.js): the issuer's
 * keys, the audience, RS256 only, and the example API policy (policies/api-authz.rego).
 */
'use strict';
const path = require('node:path');

const AUDIENCE = 'orders-api';

function opaJwtOptions(issuer, jwksUri, extra = {}) {
  return {
    issuer,
    jwksUri,
    audience: AUDIENCE,
    algorithms: ['RS256'],
    policy: path.join(__dirname, '..', '..', 'policies', 'api-authz.rego'),
    entrypoint: 'authz/decision',
    ...extra,
  };
}

module.exports = { AUDIENCE, opaJwtOptions };
