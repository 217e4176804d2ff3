/**
 * Koa adapter: `app.use(opaJwt(options))`. Translates the context for the core's Authorizer, sets
 * `ctx.state.auth` when allowed and answers with the core's JSON response otherwise (or, with `onRefusal: 'error'`,
 * throws the refusal). Everything else — start-up
 * failures, evaluation errors, protocol shapes — is the core's: `authorize()` never rejects and fails closed.
 */
import type { Context, Middleware, Next } from 'koa';
import { createAuthorizer } from '@opa-jwt/core';
import type { AuthResult, AuthorizerHandle, AuthorizerOptions, Outcome, RouteOverrides } from '@opa-jwt/core';
import { AdapterRequest, withAuthorizerHandle } from '@opa-jwt/core/adapter';

// The errors an application may meet (start-up and request ones), so that it need not depend on @opa-jwt/core.
export {
  HttpError,
  InvalidRequestError,
  InvalidTokenError,
  UnauthorizedError,
  InsufficientScopeError,
  KeysUnavailableError,
  PolicyEvaluationError,
  PolicyLoadError,
  InvalidOptionError,
  DiscoveryError,
  MalformedTargetError,
  PolicyUnavailableError,
} from '@opa-jwt/core';
export type {
  AuthResult,
  AuthorizerOptions,
  InvalidTokenReason,
  OpaJwtClaims,
  OpaJwtPayload,
  RefusalDecision,
  RevocationCheck,
  RouteOverrides,
  TokenGetter,
} from '@opa-jwt/core';

declare module 'koa' {
  interface DefaultState {
    /**
     * Set by opa-jwt when the policy allowed the request: in a middleware that runs after the opa-jwt middleware it
     * is always there (a refused request never reaches it). Undefined where opa-jwt does not run (before it, or
     * `opaJwt.skip()`), which is the application's to know, as with any middleware's state.
     */
    auth: AuthResult;
  }
}

/** The middleware, with `ready` (await it to fail fast), `authorizer` and `close()`. */
export interface OpaJwtMiddleware extends Middleware, AuthorizerHandle {}

/** Overrides left by `opaJwt.route()` / `opaJwt.skip()` for the opa-jwt middleware that runs next. */
const OVERRIDES = Symbol.for('opa-jwt.koa.overrides');

type MarkedState = Record<PropertyKey, unknown> & { [OVERRIDES]?: RouteOverrides };

/** What @koa/router leaves on the context while it dispatches (the middleware mounted on a router or a route). */
interface RouterContext {
  router?: { opts?: { sensitive?: unknown; strict?: unknown } };
  matched?: Array<{ path?: unknown; methods?: unknown[] }>;
}

/**
 * Koa itself does not route: mounted on an @koa/router router (`router.use(auth)`, `router.get(path, auth, handler)`)
 * the router's `sensitive` / `strict` options and the matched route are known; mounted on the app, the core's
 * defaults apply, which are @koa/router's (case-insensitive, a trailing `/` ignored).
 */
class KoaCoreRequest extends AdapterRequest {
  readonly #ctx: Context;

  constructor(ctx: Context) {
    // The body is there only when a body parser (e.g. @koa/bodyparser) ran before this middleware.
    super(ctx.method, ctx.originalUrl, ctx.headers, (ctx.request as { body?: unknown }).body);
    this.#ctx = ctx;
    const { router, matched } = ctx as Context & RouterContext;
    if (router?.opts) this.routing = { caseSensitive: router.opts.sensitive === true, strictTrailingSlash: router.opts.strict === true };
    if (matched) {
      // The last matched layer with methods is the route; `use()` layers have none.
      for (let i = matched.length - 1; i >= 0; i--) {
        const layer = matched[i];
        if (typeof layer.path === 'string' && Array.isArray(layer.methods) && layer.methods.length > 0) {
          this.route = layer.path;
          break;
        }
      }
    }
  }

  /** Koa applies `app.proxy` to X-Forwarded-For. */
  protected clientAddress(): string {
    return this.#ctx.ip;
  }

  protected override socket(): unknown {
    return this.#ctx.req.socket;
  }
}

function opaJwtFactory(options: AuthorizerOptions): OpaJwtMiddleware {
  const authorizer = createAuthorizer(options); // throws at once for a bad option
  // The same middleware mounted twice on a request's way (app and router) decides it once. Another opa-jwt
  // middleware, with its own policy, decides it again: layered policies must all allow.
  // A mark on the context rather than a WeakSet: ephemeron tables filled per request make every young-generation GC slower.
  const decided = Symbol('opa-jwt: decided by this middleware');
  // Not an async function: a request decided at once (a remembered token) hands over to the next middleware without
  // a promise of its own. A throw reaches koa-compose, which turns it into the rejection Koa handles.
  const middleware = (ctx: Context, next: Next): Promise<void> => {
    const marks = ctx as unknown as Record<symbol, true | undefined>;
    if (marks[decided]) return next();
    marks[decided] = true;
    const state = ctx.state as unknown as MarkedState;
    const overrides = state[OVERRIDES];
    // They were for this middleware only (cleared, not deleted: deleting would slow every later read of the state).
    if (overrides !== undefined) state[OVERRIDES] = undefined;
    if (overrides?.skip) return next();
    const request = new KoaCoreRequest(ctx);
    const answer = authorizer.authorizeNow ? authorizer.authorizeNow(request, overrides) : authorizer.authorize(request, overrides);
    return answer instanceof Promise ? answer.then((outcome) => settle(ctx, outcome, next)) : settle(ctx, answer, next);
  };
  return withAuthorizerHandle(middleware, authorizer);
}

/** Answers a refusal, or records the decision and runs the next middleware. */
function settle(ctx: Context, outcome: Outcome, next: Next): Promise<void> {
  // `onRefusal: 'error'`: thrown to the app's error middleware, or ctx.onerror, which reads status, expose and headers.
  if (outcome.type === 'respond' && outcome.error) throw outcome.error;
  // Straight to Node's response, where ctx.set would put them: Koa's set makes arrays of every header it is given.
  if (!ctx.headerSent) for (const name of Object.keys(outcome.headers)) ctx.res.setHeader(name, outcome.headers[name]);
  if (outcome.type === 'respond') {
    ctx.status = outcome.status;
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(outcome.body); // a string, so that any JSON value keeps its JSON content type
    return Promise.resolve();
  }
  ctx.state.auth = outcome.auth;
  return next();
}

/**
 * Marks the contexts it sees so that the next opa-jwt middleware uses these overrides; mount it before
 * that middleware, e.g. with @koa/router: `router.post('/admin', opaJwt.route({ entrypoint: 'authz/admin' }), auth, handler)`.
 */
function route(overrides: RouteOverrides): Middleware {
  return async (ctx, next) => {
    (ctx.state as unknown as MarkedState)[OVERRIDES] = { ...overrides };
    await next();
  };
}

/** `opaJwt.route({ skip: true })`: the next opa-jwt middleware lets these requests through unauthenticated. */
function skip(): Middleware {
  return route({ skip: true });
}

export const opaJwt: typeof opaJwtFactory & { route: typeof route; skip: typeof skip } = Object.assign(opaJwtFactory, { route, skip });
export default opaJwt;
