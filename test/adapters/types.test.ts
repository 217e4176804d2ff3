/**
 * Type-level checks of the adapters' public types, enforced by `tsc -b test` (the type check `npm test` runs first):
 * typed middleware factories for Express and Koa, the Fastify plugin's options, and `req.auth` / `ctx.state.auth` /
 * `request.auth` declared by declaration merging. A broken declaration fails the type check, not this runtime test.
 */
import type { Request, RequestHandler } from 'express';
import type { Middleware, ParameterizedContext, DefaultState } from 'koa';
import type { FastifyPluginCallback, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AuthorizerOptions, AuthResult, RouteOverrides } from '@opa-jwt/core';
import { opaJwt as expressOpaJwt, type OpaJwtMiddleware as ExpressMiddleware } from '@opa-jwt/express';
import { opaJwt as koaOpaJwt, type OpaJwtMiddleware as KoaMiddleware } from '@opa-jwt/koa';
import { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';

/** True only when A and B are the same type (not merely assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(value: T): T => value;

// Express: a typed factory returning a RequestHandler; `req.auth` is an AuthResult (set in the handlers after it).
const expressFactory = assertType<Equals<Parameters<typeof expressOpaJwt>[0], AuthorizerOptions>>(true);
const expressReturns = assertType<Equals<ReturnType<typeof expressOpaJwt>, ExpressMiddleware>>(true);
const expressIsHandler = assertType<ExpressMiddleware extends RequestHandler ? true : false>(true);
const expressAuth = assertType<Equals<Request['auth'], AuthResult>>(true);
const expressRoute = assertType<Equals<Parameters<typeof expressOpaJwt.route>[0], RouteOverrides>>(true);

// Koa: a typed factory returning a Middleware; `ctx.state.auth` is an AuthResult.
const koaFactory = assertType<Equals<Parameters<typeof koaOpaJwt>[0], AuthorizerOptions>>(true);
const koaReturns = assertType<Equals<ReturnType<typeof koaOpaJwt>, KoaMiddleware>>(true);
const koaIsMiddleware = assertType<KoaMiddleware extends Middleware ? true : false>(true);
const koaAuth = assertType<Equals<ParameterizedContext<DefaultState>['state']['auth'], AuthResult>>(true);

// Fastify: a plugin taking the core's options; `request.auth` is an AuthResult.
type FastifyOptionsOf<P> = P extends FastifyPluginAsync<infer O> ? O : P extends FastifyPluginCallback<infer O> ? O : never;
const fastifyOptions = assertType<Equals<FastifyOptionsOf<typeof fastifyOpaJwt>, AuthorizerOptions>>(true);
const fastifyAuth = assertType<Equals<FastifyRequest['auth'], AuthResult>>(true);

/** Never called: these lines only have to type-check (or, marked, to fail to). */
export function neverCalled(): void {
  // @ts-expect-error a misspelt option is a type error, not only a start-up error
  expressOpaJwt({ polcy: 'authz.rego', issuer: 'https://issuer.test', audience: 'api' });
  const handler: RequestHandler = (req, res) => {
    // The claims are jose's JWTPayload: `sub` is a string when present.
    const sub: string | undefined = req.auth.payload.sub;
    res.json({ sub, decision: req.auth.decision.decisionId });
  };
  const koaHandler: Middleware = (ctx) => {
    const allowed: boolean = ctx.state.auth.decision.allowed;
    ctx.body = { allowed };
  };
  void handler;
  void koaHandler;
}

test('the adapters declare their public types (checked by tsc -b test)', () => {
  expect([
    expressFactory,
    expressReturns,
    expressIsHandler,
    expressAuth,
    expressRoute,
    koaFactory,
    koaReturns,
    koaIsMiddleware,
    koaAuth,
    fastifyOptions,
    fastifyAuth,
  ]).not.toContain(false);
});
