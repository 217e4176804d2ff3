/**
 * The options of `createAuthorizer` (and so of every adapter), each documented where it is declared, and the
 * resolved form the rest of the core works with. `checks.ts` holds the small checkers, `resolve.ts` turns the
 * options into `ResolvedOptions` (throwing `InvalidOptionError` naming a bad one). Names follow
 * `express-oauth2-jwt-bearer` where the two overlap.
 */
import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet, JWK, JWTHeaderParameters, JWTPayload } from 'jose';
import type { CoreRequest } from '../contract';
import type { DecisionLogEntry } from '../decision-log';
import type { InputHook } from '../input';
import type { Logger } from '../logger';
import type { ResolvedResourceMetadata } from '../resource-metadata';
import type { BearerMethod } from '../token';
import type { FleetConfig } from '../fleet/config';

/** How one trusted issuer's tokens are verified. Give exactly one key source: `jwksUri`, `issuerBaseURL`, `publicKey`, `jwks` or `secret`. */
export interface IssuerOptions {
  /**
   * The issuer's base URL: its metadata is discovered at start-up from `/.well-known/openid-configuration`
   * (OpenID Connect Discovery), falling back to `/.well-known/oauth-authorization-server` (RFC 8414). Gives `issuer`
   * and `jwksUri` unless they are set explicitly. A failed discovery rejects `ready()` and is retried when this
   * issuer's tokens arrive, at most once per `cooldownDuration`; they are answered 503 meanwhile.
   */
  issuerBaseURL?: string;
  /** The exact `iss` value tokens must carry. Required unless `issuerBaseURL` is given. */
  issuer?: string;
  /** URL of the issuer's JSON Web Key Set. Keys are fetched once, cached and refreshed (see `cacheMaxAge`). */
  jwksUri?: string;
  /** One public key: PEM (SPKI or X.509 certificate), a `KeyObject`, or a public JWK. */
  publicKey?: string | KeyObject | JWK;
  /** A local JSON Web Key Set (`{ keys: [...] }`), for issuers whose keys you ship with the application. */
  jwks?: JSONWebKeySet;
  /**
   * A shared secret for HS256/HS384/HS512 tokens (at least 32 bytes). Symmetric algorithms are accepted only for an
   * issuer configured with a secret, never for one with public keys (that would allow the RS256-to-HS256 attack).
   */
  secret?: string | Uint8Array;
  /** Audiences accepted from this issuer; default: the top-level `audience`. */
  audience?: string | string[];
  /** Algorithms accepted from this issuer; default: the top-level `algorithms`. */
  algorithms?: string[];
  /**
   * The claim that must name an accepted `audience`: `aud` (RFC 7519, the default), or `client_id` for issuers whose
   * access tokens carry no `aud` but the client they were issued to (Amazon Cognito); `audience` then lists the
   * accepted client ids, `client_id` becomes required, and an `aud` the token carries anyway must be accepted too.
   */
  audienceClaim?: 'aud' | 'client_id';
}

/** What `getToken` is given: the request as the core sees it (method, url, headers, parsed body). */
export type TokenGetter = (request: CoreRequest) => string | undefined | Promise<string | undefined>;

/** Decides whether a verified token has been revoked (e.g. its `jti` is on a deny-list). */
export type RevocationCheck = (payload: JWTPayload, header: JWTHeaderParameters) => boolean | Promise<boolean>;

export interface AuthorizerOptions extends IssuerOptions {
  // ------------------------------------------------------------------ policy
  /**
   * The policy: a path to a `.rego` file or a folder of them (compiled in-process by @opa-jwt/rego, `data.json`
   * files in the folder included), a `.wasm` module, an OPA bundle (`.tar.gz` as made by `opa build -t wasm` or
   * `opa-jwt build`), or the bytes of a `.wasm` module or bundle. Required unless `opaConfig` brings bundles.
   */
  policy?: string | Uint8Array;
  /**
   * Run as part of a fleet: the `services`, `bundles`, `keys`, `decision_logs`, `status` and `labels` sections of
   * an OPA configuration (an object, or the path of the YAML/JSON file `opa run -c` takes). Policies come from the
   * bundle servers, decision logs and status go to the collectors. See "Running a fleet" in the README.
   */
  opaConfig?: string | Record<string, unknown>;
  /** The rule that decides, e.g. `authz/decision`. Default: the bundle's (or module's) first entrypoint. Required for `.rego` sources. */
  entrypoint?: string;
  /** Base document (`data`) for the policy, merged over the bundle's own data. */
  data?: Record<string, unknown>;
  /**
   * Reload the policy when its file or folder changes; a broken edit keeps the last good policy. Watching goes on
   * after a policy that failed to load at start-up: the first version that loads is put in force. Default false.
   */
  watch?: boolean;
  /** Accept Rego v0 syntax in modules that do not `import rego.v1` (`.rego` sources only). Default false. */
  v0Compatible?: boolean;
  /**
   * Milliseconds one policy evaluation may take; a longer one is stopped and the request answered 500 (logged).
   * Evaluation blocks the process, so this also bounds how long other requests wait. Modules built by `opa build`
   * cannot be stopped part-way: theirs is checked between host builtin calls and at the end. Default 250.
   */
  evaluationTimeout?: number;
  /**
   * Bytes of memory one evaluation may leave the policy's WebAssembly instance holding, beyond its plan and data,
   * before the instance is replaced by a fresh one (WebAssembly memory never shrinks). Default 67108864 (64 MiB).
   */
  maxPolicyMemory?: number;

  // ------------------------------------------------------------------ tokens
  /** Several trusted issuers, each with its own keys; tokens are routed by their `iss`. Excludes the top-level issuer options. */
  issuers?: IssuerOptions[];
  /** Accepted `aud` values (RFC 7519 §4.1.3). Required, unless `resourceMetadata.resource` names this resource (RFC 8707). */
  audience?: string | string[];
  /** Accepted signing algorithms. Default: the asymmetric ones (RS*, PS*, ES*, EdDSA); HS* only with `secret`; never `none`. */
  algorithms?: string[];
  /** Seconds of clock skew tolerated for `exp`, `nbf` and `iat`. Default 5. */
  clockTolerance?: number;
  /** Maximum age in seconds of a token, measured from its `iat` (which then becomes required). */
  maxTokenAge?: number;
  /** RFC 9068 profile: require `typ: at+jwt` and the claims iss, exp, aud, sub, client_id, iat, jti. Default false. */
  strict?: boolean;
  /** Requests without a token are refused (401) before the policy runs. Default true; false lets the policy decide anonymous requests. */
  authRequired?: boolean;
  /** Where tokens may be sent besides the header (RFC 6750 §2.2, §2.3). Default `['header']`; a token elsewhere is then a 400. */
  bearerMethods?: BearerMethod[];
  /** Largest accepted token, in bytes; larger ones are refused before any parsing. Default 8192. */
  maxTokenSize?: number;
  /**
   * Reads the token from the request instead of the `Authorization: Bearer` header, e.g. from a cookie; return
   * undefined when there is none (then `authRequired` decides). Replaces the RFC 6750 extraction and `bearerMethods`.
   * Its errors are answered 500 (logged).
   */
  getToken?: TokenGetter;
  /**
   * Called once per verified token (its answer is cached with the token, see `tokenCacheSize`): `true` refuses the
   * token with 401 `invalid_token`, reason `revoked`. Errors it throws are answered 500 (logged): fail closed.
   */
  isRevoked?: RevocationCheck;
  /** How many verified tokens are remembered (exact token → claims), so a repeated token skips the signature check. Default 1000; 0 disables. */
  tokenCacheSize?: number;

  // ------------------------------------------------------------------ JWKS fetching
  /** Milliseconds after which fetched keys are refreshed, in the background (at most once a second) and on demand. Default 600000 (10 minutes). */
  cacheMaxAge?: number;
  /** Minimum milliseconds between two JWKS fetches triggered by unknown `kid`s or failures, and between two discovery attempts after a failed one. Default 30000. */
  cooldownDuration?: number;
  /** Milliseconds to wait for the issuer (discovery and JWKS requests). Default 5000. */
  timeoutDuration?: number;
  /**
   * Milliseconds past `cacheMaxAge` during which cached keys keep working while the issuer cannot be reached
   * (stale-if-error). After that requests fail closed with 503. Default 3600000 (1 hour); 0 disables.
   */
  staleIfErrorDuration?: number;

  // ------------------------------------------------------------------ responses and observability
  /** Realm named in `WWW-Authenticate` challenges. Default `api`. */
  realm?: string;
  /** Response header that carries the decision id of every policy decision; `false` to omit it. Default `X-Decision-Id`. */
  decisionIdHeader?: string | false;
  /** pino-compatible logger (`info/warn/error/debug(fields, message)`). Default: warnings and errors on the console. */
  logger?: Logger;
  /** Receives every decision log entry (OPA's decision-log shape, credentials redacted). Errors it throws are logged and ignored. */
  onDecision?: (entry: DecisionLogEntry) => void | Promise<void>;
  /**
   * Receives every decision log entry as one line of JSON (no newline): `JSON.stringify` of the entry `onDecision`
   * would get, written by opa-jwt from texts it keeps per token and per answer, for a fraction of what building and
   * serialising the entry costs. For sinks that write text (a file, stdout, a log shipper). Errors it throws are
   * logged and ignored.
   */
  onDecisionLine?: (line: string) => void | Promise<void>;
  /** Enriches the policy input (resource attributes, risk signals): return a new document or change the given one. */
  input?: InputHook;
  /**
   * `'respond'` (default): opa-jwt answers refusals itself (JSON body, challenge headers). `'error'`: the refusal is
   * handed to the framework's error handling (Express `next(err)`, Koa `throw`, Fastify's error handler) as the
   * exported error class (`InvalidTokenError`...) with `status`, `statusCode`, `expose`, `headers` and, for a policy
   * denial, `decision`. MCP (JSON-RPC) and OAuth token-request refusals, and protocol bodies refused with 400/413,
   * are still answered by opa-jwt: their protocol prescribes the body.
   */
  onRefusal?: 'respond' | 'error';
  /**
   * Put the parsed request body in the input as `input.request.http.body` (plain HTTP requests; MCP and OAuth
   * bodies have their own members). Only a JSON value a body parser produced (object, array, string...); bodies over
   * `maxBodySize` are refused with 413, nested deeper than the policy reads with 400. Default false.
   */
  includeBody?: boolean;

  // ------------------------------------------------------------------ MCP and OAuth
  /** Serve RFC 9728 metadata and require tokens to name this resource (see `ResourceMetadataOptions`). */
  resourceMetadata?: ResourceMetadataOptions;
  /** Largest JSON or form body, in bytes, read for MCP/OAuth input (and `includeBody`); larger ones are refused with 413. Default 1 MiB. */
  maxBodySize?: number;
}

/** The `resourceMetadata` option (RFC 9728 OAuth 2.0 Protected Resource Metadata, which MCP servers must publish). */
export interface ResourceMetadataOptions {
  /**
   * This resource's identifier (RFC 8707 / RFC 9728 §1.2): an absolute `https` URL (`http` only for loopback
   * hosts) without a fragment, e.g. `https://mcp.example.com/mcp`. Tokens must name it in `aud`.
   */
  resource: string;
  /** Issuer identifiers of the authorization servers whose tokens are accepted; default: the configured issuer(s). */
  authorizationServers?: string[];
  /** Scopes a client may need here; omitted from the document when not given. */
  scopesSupported?: string[];
  /** How the bearer token may be sent; default: `bearerMethods`, else `['header']`. */
  bearerMethodsSupported?: BearerMethod[];
  /** Human-readable name shown by clients (`resource_name`). */
  resourceName?: string;
  /** URL of documentation for developers (`resource_documentation`). */
  resourceDocumentation?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// What the rest of the core works with

export type PolicySpec =
  | { kind: 'file'; path: string; format: 'rego' | 'wasm' | 'bundle' }
  | { kind: 'directory'; path: string }
  | { kind: 'bytes'; bytes: Uint8Array };

export type KeySource =
  | { type: 'remote'; jwksUri?: string }
  | { type: 'jwks'; jwks: JSONWebKeySet }
  | { type: 'public-key'; key: KeyObject }
  | { type: 'secret'; key: Uint8Array };

export interface ResolvedIssuer {
  /** Shown in logs and errors: `issuers[1]` or `issuer`. */
  label: string;
  /** Known now, or after discovery for `issuerBaseURL`-only issuers. */
  issuer?: string;
  issuerBaseURL?: string;
  keys: KeySource;
  audience: string[];
  algorithms: string[];
  audienceClaim: 'aud' | 'client_id';
}

export interface ResolvedOptions {
  /** Undefined when the policy comes from `opaConfig`'s bundles. */
  policy?: PolicySpec;
  fleet?: FleetConfig;
  entrypoint?: string;
  data?: Record<string, unknown>;
  watch: boolean;
  v0Compatible: boolean;
  evaluationTimeout: number;
  maxPolicyMemory: number;
  issuers: ResolvedIssuer[];
  clockTolerance: number;
  maxTokenAge?: number;
  strict: boolean;
  authRequired: boolean;
  bearerMethods: ReadonlySet<BearerMethod>;
  maxTokenSize: number;
  tokenCacheSize: number;
  jwks: { cacheMaxAge: number; cooldownDuration: number; timeoutDuration: number; staleIfErrorDuration: number };
  realm: string;
  decisionIdHeader?: string;
  logger: Logger;
  onDecision?: (entry: DecisionLogEntry) => void | Promise<void>;
  onDecisionLine?: (line: string) => void | Promise<void>;
  input?: InputHook;
  getToken?: TokenGetter;
  isRevoked?: RevocationCheck;
  onRefusal: 'respond' | 'error';
  includeBody: boolean;
  protocols: ResolvedProtocolOptions;
}

/** The options the MCP and OAuth layer (`protocols.ts`) reads. */
export interface ResolvedProtocolOptions {
  resourceMetadata?: ResolvedResourceMetadata;
  maxBodySize: number;
}
