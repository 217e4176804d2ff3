/**
 * The errors the core answers requests with. Each one knows its HTTP status, its OAuth error code (RFC 6750 §3.1
 * for bearer-token problems), a description that is safe to show the client (never the token, never a policy's
 * internal message) and the headers that go with it, `WWW-Authenticate` built as RFC 6750 §3 asks:
 *
 * - no credentials at all: a bare challenge, `Bearer realm="api"`, without error attributes (§3.1);
 * - a bad token: `Bearer realm="api", error="invalid_token", error_description="..."`;
 * - a malformed request (two token methods at once): 400 with `error="invalid_request"`;
 * - a policy denial: 403 with `error="insufficient_scope"`.
 */

/** Characters RFC 6750 §3 allows inside `error_description` (and `realm`, a quoted-string we keep to the same set). */
const CHALLENGE_SAFE = /[^\x20-\x21\x23-\x5B\x5D-\x7E]/g;

/** Makes a value safe to place between double quotes in a `WWW-Authenticate` header. */
export function challengeValue(text: string): string {
  return text.replace(/"/g, "'").replace(/\\/g, '/').replace(CHALLENGE_SAFE, '?');
}

/** Builds a Bearer challenge; `error` absent means a bare challenge (no credentials were sent). */
export function bearerChallenge(realm: string, error?: string, description?: string): string {
  const parts = [`realm="${challengeValue(realm)}"`];
  if (error !== undefined) {
    parts.push(`error="${error}"`);
    if (description) parts.push(`error_description="${challengeValue(description)}"`);
  }
  return `Bearer ${parts.join(', ')}`;
}

/** The JSON body every core error answers with: OAuth's `{error, error_description}`. */
export interface ErrorBody {
  error: string;
  error_description?: string;
}

/**
 * Builds an error with V8's stack capture turned off. For the errors that carry an ordinary answer rather than a
 * fault (a policy's denial, a request without a token): they never leave the core and nobody reads their stack,
 * yet capturing one costs more (about 5 µs) than building the rest of the answer (bench/request-path.js).
 */
export function withoutStack<T extends Error>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Base of the errors the core answers a request with: each has its HTTP status, OAuth error code, headers and
 * body. Start-up errors (`InvalidOptionError`, `PolicyLoadError`, `DiscoveryError`) are not answers and do not
 * extend it.
 */
export abstract class HttpError extends Error {
  abstract readonly status: number;
  /** The OAuth / RFC 6750 error code, e.g. `invalid_token`. */
  abstract readonly code: string;
  /** Safe to send to the client. */
  readonly description: string;
  /**
   * The response headers of this refusal (`WWW-Authenticate`, `Cache-Control`, the decision id header...), set when
   * the refusal is handed to the framework's error handling (`onRefusal: 'error'`), which sends them. Declared
   * only: no field is defined on the errors of the default path, which answers without them.
   */
  declare headers?: Record<string, string>;
  /** The policy's decision when the policy refused (403, or 401 for an anonymous request): what the client may see. */
  declare decision?: RefusalDecision;

  constructor(description: string, options?: { cause?: unknown }) {
    super(description, options);
    this.description = description;
  }

  /** `status` under the name Fastify and http-errors read. */
  get statusCode(): number {
    return this.status;
  }

  /** http-errors' convention: the message of a 4xx may be shown to the client, that of a 5xx not. */
  get expose(): boolean {
    return this.status < 500;
  }

  /** Response headers for this error; `realm` names the protected resource in challenges. A new object each call: callers add to it. */
  responseHeaders(_realm: string): Record<string, string> {
    return {};
  }

  body(): ErrorBody {
    return { error: this.code, error_description: this.description };
  }
}

/**
 * The part of a policy decision a refusal carries to the application's error handler: never the policy's
 * `internal_message` nor its raw result, which may reach the client through a generic error handler.
 */
export interface RefusalDecision {
  allowed: boolean;
  decisionId: string;
  /** The policy's `external_message`, the text meant for the client. */
  externalMessage?: string;
}

/** An error answered with a Bearer challenge that names its code and description (RFC 6750 §3). */
export abstract class BearerChallengeError extends HttpError {
  override responseHeaders(realm: string): Record<string, string> {
    return { 'WWW-Authenticate': bearerChallenge(realm, this.code, this.description) };
  }
}

/** 400: the request itself is malformed, e.g. a token sent in two places (RFC 6750 §2, §3.1). */
export class InvalidRequestError extends BearerChallengeError {
  readonly status = 400;
  readonly code = 'invalid_request';
  override readonly name = 'InvalidRequestError';
}

/** 401 with a bare challenge: the request carried no credentials and needs some. */
export class UnauthorizedError extends HttpError {
  readonly status = 401;
  readonly code = 'unauthorized';
  override readonly name = 'UnauthorizedError';

  constructor(description = 'a bearer token is required') {
    super(description);
  }

  override responseHeaders(realm: string): Record<string, string> {
    // RFC 6750 §3.1: no error code when the request lacks any authentication information.
    return { 'WWW-Authenticate': bearerChallenge(realm) };
  }
}

/** The registered claims a token is checked for (RFC 7519 §4.1, and `client_id` of RFC 9068). */
export type CheckedClaim = 'iss' | 'sub' | 'aud' | 'exp' | 'nbf' | 'iat' | 'jti' | 'client_id';

/** Why a token was refused: a short machine-readable cause for logs and for code that tells the cases apart. */
export type InvalidTokenReason =
  /** Larger than `maxTokenSize`. */
  | 'oversized'
  /** Not a compact JWS (three base64url JSON parts), or an encrypted (JWE) token. */
  | 'malformed'
  /** Claims or header nested deeper than the core reads. */
  | 'nested_too_deep'
  /** `alg: none`. */
  | 'alg_none'
  /** An algorithm not accepted from this issuer. */
  | 'alg_not_allowed'
  /** No `iss`, an untrusted one, or not the one expected. */
  | 'issuer'
  /** Not meant for this API (`aud`). */
  | 'audience'
  /** Not an access token (`typ` is not `at+jwt` under `strict`). */
  | 'type'
  | 'expired'
  | 'not_yet_valid'
  /** Older than `maxTokenAge`. */
  | 'too_old'
  | 'signature'
  /** No key of the issuer matches the token's `kid`. */
  | 'unknown_key'
  /** The issuer's key cannot verify this token (wrong type or size). */
  | 'unusable_key'
  /** Refused by the `isRevoked` hook (a deny-listed `jti`, say). */
  | 'revoked'
  /** Any other verification failure. */
  | 'unverifiable'
  /** A required claim is absent (`strict`, `maxTokenAge`). */
  | `missing_${CheckedClaim}`
  /** A claim of the wrong type or value. */
  | `claim_${CheckedClaim}`;

/**
 * 401 `invalid_token`: malformed, badly signed, expired, not yet valid, wrong issuer or audience, disallowed
 * algorithm, unknown key, oversized. `reason` tells which (see `InvalidTokenReason`).
 */
export class InvalidTokenError extends BearerChallengeError {
  readonly status = 401;
  readonly code = 'invalid_token';
  override readonly name = 'InvalidTokenError';
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason, description: string, options?: { cause?: unknown }) {
    super(description, options);
    this.reason = reason;
  }
}

/** 403 `insufficient_scope`: the policy denied a request that carried valid credentials. */
export class InsufficientScopeError extends BearerChallengeError {
  readonly status = 403;
  readonly code = 'insufficient_scope';
  override readonly name = 'InsufficientScopeError';

  constructor(description = 'access denied by policy') {
    super(description);
  }
}

/**
 * 503: the issuer's keys cannot be obtained (never fetched, or the cached ones are past their stale-if-error
 * window). Requests fail closed; `Retry-After` tells clients when the next fetch attempt may happen.
 */
export class KeysUnavailableError extends HttpError {
  readonly status = 503;
  readonly code = 'temporarily_unavailable';
  override readonly name = 'KeysUnavailableError';
  readonly retryAfterSeconds: number;

  constructor(description: string, retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(description, options);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }

  override responseHeaders(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/** 500: the policy could not be evaluated (conflict, abort, missing entrypoint, failing `input` hook). Fail closed. */
export class PolicyEvaluationError extends HttpError {
  readonly status = 500;
  readonly code = 'server_error';
  override readonly name = 'PolicyEvaluationError';

  constructor(options?: { cause?: unknown }) {
    // The cause goes to the logger only: it may describe the policy's internals.
    super('the authorization decision could not be made', options);
  }
}

/** A policy that cannot be loaded: compile errors (with file:line:col), unreadable files, bad bundles, missing entrypoints. */
export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
}

/** A bad option, thrown by `createAuthorizer` at start-up; the message names the option. */
export class InvalidOptionError extends TypeError {
  override readonly name = 'InvalidOptionError';
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`opa-jwt: option "${option}" ${problem}`);
    this.option = option;
  }
}

/** Issuer discovery (OIDC / RFC 8414) failed at start-up. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
}

/** 503: the policy comes from bundles and none is active yet (first download pending or failing). Fail closed. */
export class PolicyUnavailableError extends HttpError {
  readonly status = 503;
  readonly code = 'temporarily_unavailable';
  override readonly name = 'PolicyUnavailableError';
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('the authorization policy is not available yet');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }

  override responseHeaders(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}
