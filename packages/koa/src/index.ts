/**
 * Koa adapter: `app.use(opaJwt(options))`. Translates the context for the core's Authorizer,
 * sets `ctx.state.auth` when allowed and answers with the core's JSON error otherwise.
 */
import type { Context, Middleware, Next } from 'koa';
import { createAuthorizer } from '@opa-jwt/core';
import type { AuthResult, Authorizer, CoreRequest, Outcome, RouteOverrides } from '@opa-jwt/core';

export type { AuthResult, RouteOverrides } from '@opa-jwt/core';

/** The core's options (see the @opa-jwt/core README). */
export type OpaJwtOptions = Parameters<typeof createAuthorizer>[0];

declare module 'koa' {
  interface DefaultState {
    /** Set by opa-jwt when the request was authenticated and the policy allowed it. */
    auth?: AuthResult;
  }
}

export interface OpaJwtMiddleware extends Middleware {
  /** Resolves when the policy and keys are loaded; rejects with the start-up error (await it to fail fast). */
  readonly ready: Promise<void>;
  readonly authorizer: Authorizer;
  /** Stops policy file watchers and timers. */
  close(): Promise<void>;
}

/** Overrides left by `opaJwt.route()` / `opaJwt.skip()` for the opa-jwt middleware that runs next. */
const OVERRIDES = Symbol.for('opa-jwt.koa.overrides');
/** Marks a request already decided, so that a second opa-jwt middleware does not decide again. */
const DECIDED = Symbol.for('opa-jwt.koa.decided');

type MarkedState = Record<PropertyKey, unknown> & { [OVERRIDES]?: RouteOverrides; [DECIDED]?: boolean };

const UNAVAILABLE = { error: 'server_error', error_description: 'authorization is unavailable' };

export function toCoreRequest(ctx: Context): CoreRequest {
  return {
    method: ctx.method,
    url: ctx.originalUrl,
    headers: ctx.headers,
    ip: ctx.ip,
    // Present only when a body parser (e.g. @koa/bodyparser) ran before this middleware.
    body: (ctx.request as { body?: unknown }).body,
  };
}

function respond(ctx: Context, outcome: Extract<Outcome, { type: 'respond' }>): void {
  ctx.status = outcome.status;
  ctx.set(outcome.headers);
  if (outcome.body !== undefined) {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(outcome.body);
  }
}

function logStartupFailure(error: unknown): void {
  console.error('[opa-jwt] authorizer failed to start; every request will be denied with 500:', error);
}

function opaJwtFactory(options: OpaJwtOptions): OpaJwtMiddleware {
  const authorizer = createAuthorizer(options); // throws at once for a bad option
  const ready = authorizer.ready();
  ready.catch(logStartupFailure); // also marks the rejection handled for apps that never await `ready`

  const middleware = (async (ctx: Context, next: Next): Promise<void> => {
    const state = ctx.state as MarkedState;
    if (state[DECIDED] || state[OVERRIDES]?.skip) return next();
    try {
      await ready;
    } catch {
      ctx.status = 500;
      ctx.body = UNAVAILABLE;
      return;
    }
    let outcome: Outcome;
    try {
      outcome = await authorizer.authorize(toCoreRequest(ctx), state[OVERRIDES]);
    } catch (error) {
      // The contract says authorize never rejects; if it does anyway, fail closed.
      console.error('[opa-jwt] authorize failed:', error);
      ctx.status = 500;
      ctx.body = UNAVAILABLE;
      return;
    }
    state[DECIDED] = true;
    if (outcome.type === 'respond') return respond(ctx, outcome);
    ctx.set(outcome.headers);
    ctx.state.auth = outcome.auth;
    await next();
  }) as OpaJwtMiddleware;
  Object.defineProperties(middleware, {
    ready: { value: ready, enumerable: true },
    authorizer: { value: authorizer, enumerable: true },
    close: { value: () => authorizer.close(), enumerable: true },
  });
  return middleware;
}

/**
 * Marks the contexts it sees so that the next opa-jwt middleware uses these overrides; mount it before
 * that middleware, e.g. with @koa/router: `router.post('/admin', opaJwt.route({ entrypoint: 'authz/admin' }), auth, handler)`.
 */
function route(overrides: RouteOverrides): Middleware {
  return async (ctx, next) => {
    (ctx.state as MarkedState)[OVERRIDES] = { ...overrides };
    await next();
  };
}

/** `opaJwt.route({ skip: true })`: the next opa-jwt middleware lets these requests through unauthenticated. */
function skip(): Middleware {
  return route({ skip: true });
}

export const opaJwt: typeof opaJwtFactory & { route: typeof route; skip: typeof skip } = Object.assign(opaJwtFactory, { route, skip });
export default opaJwt;
