/**
 * Express adapter: `app.use(opaJwt(options))`. Translates the request for the core's Authorizer, attaches
 * `req.auth` when allowed and answers with the core's JSON response otherwise (or, with `onRefusal: 'error'`, passes
 * the refusal to `next(err)`). Everything else — start-up
 * failures, evaluation errors, protocol shapes — is the core's: `authorize()` never rejects and fails closed.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createAuthorizer } from '@opa-jwt/core';
import type { AuthResult, AuthorizerHandle, AuthorizerOptions, Outcome, RouteOverrides, RoutingOptions } from '@opa-jwt/core';
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

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * Set by opa-jwt when the policy allowed the request: in a handler mounted after the opa-jwt middleware it is
       * always there (a refused request never reaches it). Undefined on routes opa-jwt does not run for (mounted
       * before it, or `opaJwt.skip()`), which is the application's to know, as with any middleware's property.
       */
      auth: AuthResult;
    }
  }
}

/** The middleware, with `ready` (await it to fail fast), `authorizer` and `close()`. */
export interface OpaJwtMiddleware extends RequestHandler, AuthorizerHandle {}

/** Per-request overrides left by `opaJwt.route()` / `opaJwt.skip()` for the opa-jwt middleware that runs next. */
const OVERRIDES = Symbol.for('opa-jwt.express.overrides');

type MarkedRequest = Request & { [OVERRIDES]?: RouteOverrides };

/** The four routing settings an app can have, by [case sensitive][strict]: none is made per request. */
const ROUTINGS = [false, true].map((caseSensitive) =>
  [false, true].map((strictTrailingSlash) => Object.freeze({ caseSensitive, strictTrailingSlash })),
);

/**
 * The app's routing settings (`case sensitive routing`, `strict routing`: both off by default, so the core lower-cases
 * the policy's path and drops a trailing `/`), as Express's router applies them: it reads them once, when the app
 * makes its router (its first `app.use` or route), so a later `app.set` changes nothing there either.
 */
function routingOf(app: Request['app']): RoutingOptions {
  // Truthy, as Express's `app.enabled` reads them for its router.
  return ROUTINGS[app.get('case sensitive routing') ? 1 : 0][app.get('strict routing') ? 1 : 0];
}

/**
 * A request as the core reads it, with its app's routing (see `routingOf`); the route is known when the middleware
 * runs on a route (`app.get('/orders/:id', auth, handler)`), as the mount path matched followed by the route's pattern.
 */
class ExpressCoreRequest extends AdapterRequest {
  readonly #req: Request;

  constructor(req: Request, routing: RoutingOptions | undefined) {
    super(req.method, req.originalUrl ?? req.url, req.headers, req.body as unknown);
    this.#req = req;
    if (routing !== undefined) this.routing = routing;
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    if (typeof routePath === 'string') this.route = (req.baseUrl ?? '') + routePath;
  }

  protected override socket(): unknown {
    return this.#req.socket;
  }

  /** Express applies `trust proxy` to X-Forwarded-For on every read of `req.ip`, a few microseconds. */
  protected clientAddress(): string | undefined {
    const req = this.#req;
    // Without X-Forwarded-For, Express's own getter answers the socket's address whatever `trust proxy` says
    // (proxy-addr has nothing else to choose from): read it there, without the getter's parse and array copies.
    if (!req.headers['x-forwarded-for'] && answersSocketAddress(req)) return req.socket.remoteAddress;
    return req.ip ?? req.socket?.remoteAddress;
  }
}

/** Express's `req.ip` getter (4.x and 5.x), white space removed: `proxyaddr(this, app.get('trust proxy fn'))`. */
const EXPRESS_IP_GETTER = "functionip(){vartrust=this.app.get('trustproxyfn');returnproxyaddr(this,trust);}";

/** Per request prototype (an app's `app.request`): whether its `ip` is Express's getter, not one the app put there. */
const expressIpByPrototype = new WeakMap<object, boolean>();

function answersSocketAddress(req: Request): boolean {
  if (Object.hasOwn(req, 'ip') || !req.socket) return false;
  const prototype = Object.getPrototypeOf(req) as object | null;
  if (prototype === null) return false;
  let known = expressIpByPrototype.get(prototype);
  if (known === undefined) {
    known = isExpressIpGetter(prototype);
    expressIpByPrototype.set(prototype, known);
  }
  return known;
}

function isExpressIpGetter(prototype: object): boolean {
  for (let holder: object | null = prototype; holder !== null; holder = Object.getPrototypeOf(holder) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(holder, 'ip');
    if (descriptor) return typeof descriptor.get === 'function' && descriptor.get.toString().replace(/\s+/g, '') === EXPRESS_IP_GETTER;
  }
  return false;
}

function opaJwtFactory(options: AuthorizerOptions): OpaJwtMiddleware {
  const authorizer = createAuthorizer(options); // throws at once for a bad option
  // The same middleware mounted twice on a request's way (app and router) decides it once. Another opa-jwt
  // middleware, with its own policy, decides it again: layered policies must all allow.
  // A mark on the request rather than a WeakSet: ephemeron tables filled per request make every young-generation GC slower.
  const decided = Symbol('opa-jwt: decided by this middleware');
  // The routing of the app the last request came through (see routingOf): read again only when a request comes through another app.
  let routedApp: Request['app'] | undefined;
  let routing: RoutingOptions | undefined;
  // Plain callback style so that Express 4 (which ignores returned promises) behaves like Express 5.
  const middleware = (req: Request, res: Response, next: NextFunction) => {
    const marks = req as unknown as Record<symbol, true | undefined>;
    if (marks[decided]) return next();
    marks[decided] = true;
    const marked = req as MarkedRequest;
    const overrides = marked[OVERRIDES];
    // They were for this middleware only (cleared, not deleted: deleting would slow every later read of the request).
    if (overrides !== undefined) marked[OVERRIDES] = undefined;
    if (overrides?.skip) return next();
    const app = req.app as Request['app'] | undefined;
    if (app !== routedApp) {
      routedApp = app;
      routing = app === undefined ? undefined : routingOf(app);
    }
    const request = new ExpressCoreRequest(req, routing);
    // Most requests are decided at once (a remembered token): no promise, no trip through the microtask queue.
    const outcome = authorizer.authorizeNow ? authorizer.authorizeNow(request, overrides) : authorizer.authorize(request, overrides);
    if (outcome instanceof Promise) outcome.then((settled) => finish(settled, req, res, next)).catch(next);
    else finish(outcome, req, res, next);
  };
  return withAuthorizerHandle(middleware, authorizer);
}

/** Answers a refusal, or records the decision and hands the request on. */
function finish(outcome: Outcome, req: Request, res: Response, next: NextFunction): void {
  // `onRefusal: 'error'`: Express's error handling answers (its default handler sends err.status and err.headers).
  if (outcome.type === 'respond' && outcome.error) return next(outcome.error);
  // Straight to Node's response, as res.set does for names other than Content-Type (never one of these).
  for (const name of Object.keys(outcome.headers)) res.setHeader(name, outcome.headers[name]);
  if (outcome.type === 'respond') return void res.status(outcome.status).json(outcome.body);
  req.auth = outcome.auth;
  next();
}

/**
 * Marks the requests it sees so that the next opa-jwt middleware on their way uses these overrides.
 * Mount it before that middleware: `app.use('/admin', opaJwt.route({ entrypoint: 'authz/admin' }))`
 * ahead of `app.use(auth)`, or per route: `app.post('/admin', opaJwt.route({...}), auth, handler)`.
 */
function route(overrides: RouteOverrides): RequestHandler {
  return (req, _res, next) => {
    (req as MarkedRequest)[OVERRIDES] = { ...overrides };
    next();
  };
}

/** `opaJwt.route({ skip: true })`: the next opa-jwt middleware lets these requests through unauthenticated. */
function skip(): RequestHandler {
  return route({ skip: true });
}

export const opaJwt: typeof opaJwtFactory & { route: typeof route; skip: typeof skip } = Object.assign(opaJwtFactory, { route, skip });
export default opaJwt;
