/**
 * Express adapter: `app.use(opaJwt(options))`. Translates the request for the core's Authorizer,
 * attaches `req.auth` when allowed and answers with the core's JSON error otherwise.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createAuthorizer } from '@opa-jwt/core';
import type { AuthResult, Authorizer, CoreRequest, Outcome, RouteOverrides } from '@opa-jwt/core';

export type { AuthResult, RouteOverrides } from '@opa-jwt/core';

/** The core's options (see the @opa-jwt/core README). */
export type OpaJwtOptions = Parameters<typeof createAuthorizer>[0];

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by opa-jwt when the request was authenticated and the policy allowed it. */
      auth?: AuthResult;
    }
  }
}

export interface OpaJwtMiddleware extends RequestHandler {
  /** Resolves when the policy and keys are loaded; rejects with the start-up error (await it to fail fast). */
  readonly ready: Promise<void>;
  readonly authorizer: Authorizer;
  /** Stops policy file watchers and timers. */
  close(): Promise<void>;
}

/** Per-request overrides left by `opaJwt.route()` / `opaJwt.skip()` for the opa-jwt middleware that runs next. */
const OVERRIDES = Symbol.for('opa-jwt.express.overrides');
/** Marks a request already decided, so that a second opa-jwt middleware on the same path does not decide again. */
const DECIDED = Symbol.for('opa-jwt.express.decided');

type MarkedRequest = Request & { [OVERRIDES]?: RouteOverrides; [DECIDED]?: boolean };

const STARTUP_FAILED = {
  status: 500,
  body: { error: 'server_error', error_description: 'authorization is unavailable' },
};

export function toCoreRequest(req: Request): CoreRequest {
  return {
    method: req.method,
    url: req.originalUrl ?? req.url,
    headers: req.headers,
    ip: req.ip ?? req.socket?.remoteAddress,
    body: req.body as unknown,
  };
}

function respond(res: Response, outcome: Extract<Outcome, { type: 'respond' }>): void {
  res.status(outcome.status).set(outcome.headers);
  if (outcome.body === undefined) res.end();
  else res.json(outcome.body);
}

function logStartupFailure(error: unknown): void {
  // Logged once; every request then gets a 500 (fail closed) until the process is fixed.
  console.error('[opa-jwt] authorizer failed to start; every request will be denied with 500:', error);
}

function opaJwtFactory(options: OpaJwtOptions): OpaJwtMiddleware {
  const authorizer = createAuthorizer(options); // throws at once for a bad option
  const ready = authorizer.ready();
  ready.catch(logStartupFailure); // also marks the rejection handled for apps that never await `ready`

  const handler = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const marked = req as MarkedRequest;
    if (marked[DECIDED] || marked[OVERRIDES]?.skip) return next();
    try {
      await ready;
    } catch {
      res.status(STARTUP_FAILED.status).json(STARTUP_FAILED.body);
      return;
    }
    let outcome: Outcome;
    try {
      outcome = await authorizer.authorize(toCoreRequest(req), marked[OVERRIDES]);
    } catch (error) {
      // The contract says authorize never rejects; if it does anyway, fail closed.
      console.error('[opa-jwt] authorize failed:', error);
      res.status(500).json(STARTUP_FAILED.body);
      return;
    }
    marked[DECIDED] = true;
    if (outcome.type === 'respond') return respond(res, outcome);
    res.set(outcome.headers);
    req.auth = outcome.auth;
    next();
  };

  // Plain callback style so that Express 4 (which ignores returned promises) behaves like Express 5.
  const middleware = ((req: Request, res: Response, next: NextFunction) => {
    handler(req, res, next).catch(next);
  }) as OpaJwtMiddleware;
  Object.defineProperties(middleware, {
    ready: { value: ready, enumerable: true },
    authorizer: { value: authorizer, enumerable: true },
    close: { value: () => authorizer.close(), enumerable: true },
  });
  return middleware;
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
