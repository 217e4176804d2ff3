// The README's examples as a TypeScript application writes them (an ES module, `strict`), with its own claims
// declared once. Compiled by consumers.test.ts with `tsc --noEmit --strict`; each `@ts-expect-error` line is
// something that must NOT compile.
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import expressDefault, { opaJwt, InvalidTokenError, type InvalidTokenReason } from '@opa-jwt/express';
import { opaJwt as koaOpaJwt } from '@opa-jwt/koa';
import fastifyDefault, { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';
import { createAuthorizer, HttpError, type AuthResult } from '@opa-jwt/core';
import { withAuthorizerHandle } from '@opa-jwt/core/adapter';

declare module '@opa-jwt/core' {
  interface OpaJwtClaims {
    roles: string[];
  }
}

// Express, as in the README.
const app = express();
app.use(express.json());
app.use(
  opaJwt({
    issuerBaseURL: 'https://idp.example.com/',
    audience: 'orders-api',
    policy: 'policies/api-authz.rego',
    entrypoint: 'authz/decision',
  }),
);
app.get('/orders/:id', (req, res) => res.json({ id: req.params.id, caller: req.auth.payload.sub }));
app.get('/roles', (req, res) => {
  const roles: string[] = req.auth.payload.roles;
  // @ts-expect-error the app declared roles as strings
  const wrong: number[] = req.auth.payload.roles;
  res.json({ roles, wrong });
});
app.use(
  expressDefault({
    issuer: 'https://idp.example.com/',
    jwksUri: 'https://idp.example.com/jwks',
    audience: 'orders-api',
    policy: 'authz.rego',
    entrypoint: 'authz/allow',
  }),
);
// @ts-expect-error a misspelt option is a type error
opaJwt({ polcy: 'authz.rego', issuer: 'https://issuer.test', audience: 'api' });

// Koa, as in the README.
const koa = new Koa();
koa.use(
  koaOpaJwt({
    issuerBaseURL: 'https://idp.example.com/',
    audience: 'orders-api',
    policy: 'policies/api-authz.rego',
    entrypoint: 'authz/decision',
  }),
);
koa.use((ctx) => {
  ctx.body = { caller: ctx.state.auth.payload.sub, roles: ctx.state.auth.payload.roles.join(' ') };
});

// Fastify, as in the README.
const fastify = Fastify();
await fastify.register(fastifyOpaJwt, {
  issuerBaseURL: 'https://idp.example.com/',
  audience: 'orders-api',
  policy: 'policies/api-authz.rego',
  entrypoint: 'authz/decision',
});
await fastify.register(fastifyDefault, {
  issuerBaseURL: 'https://idp.example.com/',
  audience: 'orders-api',
  policy: 'policies/api-authz.rego',
  entrypoint: 'authz/decision',
});
fastify.get('/orders/:id', async (request) => ({ caller: request.auth.payload.sub, roles: request.auth.payload.roles.length }));
await fastify.opaJwt.ready;

// Errors carry typed reasons.
function reasonOf(error: unknown): InvalidTokenReason | undefined {
  return error instanceof InvalidTokenError ? error.reason : undefined;
}
// @ts-expect-error not a reason the core gives
const unknownReason: InvalidTokenReason = 'bad_token';
const missing: InvalidTokenReason = 'missing_client_id';

// The core for other frameworks: an Authorizer, not its internals.
const authorizer = createAuthorizer({
  issuer: 'https://idp.example.com/',
  jwksUri: 'https://idp.example.com/jwks',
  audience: 'api',
  policy: 'authz.rego',
  entrypoint: 'authz/allow',
});
// @ts-expect-error the resolved options are not part of the API
void authorizer.options;
const handle = withAuthorizerHandle(() => undefined, authorizer);
const auth: AuthResult | undefined = undefined;
const isHttp = (error: unknown) => error instanceof HttpError;

export { reasonOf, unknownReason, missing, handle, auth, isHttp };
