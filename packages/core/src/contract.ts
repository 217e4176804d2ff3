/**
 * The contract between the framework-agnostic core and the thin framework adapters.
 * An adapter turns its framework's request into a `CoreRequest`, asks the `Authorizer`,
 * and either continues with `outcome.auth` attached or writes `outcome.status/headers/body` as JSON.
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import type { OpaJwtClaims } from './index';
import type { HttpError } from './errors';
import type { RoutingOptions } from './request-target';

/** What the core needs to know about an incoming HTTP request. */
export interface CoreRequest {
  method: string;
  /** The request target as received: `/orders/7?expand=1`, or absolute-form `http://host/orders/7`. */
  url: string;
  /**
   * How the framework's router matches paths (case, trailing slash...), so that the policy's `path` is the path
   * the router matches; see `RoutingOptions` for the defaults when absent.
   */
  routing?: RoutingOptions;
  /** The route pattern the framework matched (`/orders/:id`), when the adapter knows it; the policy's `request.http.route`. */
  route?: string;
  /** Header names as the framework gives them (lower case in Node); values as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** Remote address of the peer. */
  ip?: string;
  /** The parsed body, when the framework already parsed one (JSON object, urlencoded form object). */
  body?: unknown;
  /**
   * The answer goes back over a socket, so the client reads it only after the event loop polls again (not an
   * in-process injection such as Fastify's `inject`): a busy server may then log the decision later in the same turn
   * of the loop, together with the others (log-batches.ts). Absent: logged as it is decided.
   */
  overSocket?: boolean;
}

/** Per-route choices an adapter may pass along with a request. */
export interface RouteOverrides {
  /** Evaluate this entrypoint instead of the configured one. */
  entrypoint?: string;
  /** Skip authentication and authorization for this route. */
  skip?: boolean;
}

/** The policy's decision as the core understood it. */
export interface Decision {
  allowed: boolean;
  /**
   * The raw value of the entrypoint (boolean or `{allowed, internal_message, external_message}`), undefined if the
   * rule was undefined. Frozen: the same answer may be handed to other requests (a deterministic policy's answers are
   * remembered per input), so it is read-only.
   */
  result: unknown;
  externalMessage?: string;
  /** For logs only; never sent to the client. */
  internalMessage?: string;
  decisionId: string;
}

/** A verified token's claims: jose's `JWTPayload` with the application's own claims (see `OpaJwtClaims`). */
export type OpaJwtPayload = JWTPayload & OpaJwtClaims;

/** Attached to the request (`req.auth`, `ctx.state.auth`, `request.auth`) when a request is allowed. */
export interface AuthResult {
  /** The raw bearer token; undefined for anonymous requests that the policy allowed (`authRequired: false`) and skipped routes. */
  token?: string;
  /** The token's protected header; undefined when there is no token. */
  header?: JWTHeaderParameters;
  /** The verified claims; an empty object when there is no token (so `payload.sub` is then undefined). */
  payload: OpaJwtPayload;
  decision: Decision;
}

export type Outcome =
  | { type: 'allow'; auth: AuthResult; headers: Record<string, string> }
  /** Answer the request directly: a denial (401/403/400/413/500/503) or a document the core serves itself (RFC 9728 metadata). */
  | {
      type: 'respond';
      status: number;
      headers: Record<string, string>;
      body: unknown;
      /**
       * With `onRefusal: 'error'`: the refusal as an error for the framework's error handling, carrying these
       * `headers` and, for a policy denial, its `decision`; the adapter hands it over instead of answering. Absent for
       * protocol-shaped answers (JSON-RPC, OAuth, 413) and the documents the core serves.
       */
      error?: HttpError;
    };

export interface Authorizer {
  /**
   * Resolves when the policy is loaded and issuer metadata is known; rejects with the start-up error (a policy that
   * does not load, a failed discovery). Requests do not depend on it: each is decided by what is in force when it
   * arrives (a policy saved later under `watch`, an issuer discovered later), failing closed while nothing is.
   */
  ready(): Promise<void>;
  /** Decide one request. Never rejects: internal failures become a fail-closed `deny` outcome (500/503). */
  authorize(request: CoreRequest, route?: RouteOverrides): Promise<Outcome>;
  /**
   * The same decision, returned synchronously when nothing had to be waited for (a remembered token or none, no
   * body to read, no async input hook): adapters use it to spare the common request a promise. Never throws or
   * rejects. Optional, for other implementations of this interface.
   */
  authorizeNow?(request: CoreRequest, route?: RouteOverrides): Outcome | Promise<Outcome>;
  /**
   * Readiness: true when a policy is in force; with `opaConfig`, when every bundle has been activated (each
   * bundle's active revision and last error are listed). See `readinessHandler` to serve it.
   */
  health(): { ready: boolean; bundles?: Record<string, { active_revision?: string; last_successful_activation?: string; error?: string }> };
  /** Stop file watchers and timers; resolves once what the start-up began (a key fetch, a compilation) has ended too. */
  close(): Promise<void>;
}

/** What the Express and Koa adapters expose on the middleware they return (see `withAuthorizerHandle`). */
export interface AuthorizerHandle {
  /** Resolves when the policy is loaded and the issuers are discovered; rejects with the start-up error (await it to fail fast). */
  readonly ready: Promise<void>;
  readonly authorizer: Authorizer;
  /** Stops policy file watchers and timers; resolves once what the start-up began has ended too. */
  close(): Promise<void>;
}
