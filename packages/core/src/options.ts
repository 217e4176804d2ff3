/**
 * The options of `createAuthorizer` (and so of every adapter), documented where they are declared, and their
 * validation: every option is checked at start-up and a bad one throws an `InvalidOptionError` (a TypeError)
 * that names it. Names follow `express-oauth2-jwt-bearer` where the two overlap.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { createPublicKey, KeyObject } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import type { DecisionLogEntry } from './decision-log';
import { InvalidOptionError } from './errors';
import type { InputHook } from './input';
import { consoleLogger, safeLogger, type Logger } from './logger';
import { resolveProtocolOptions, type ProtocolOptions, type ResolvedProtocolOptions } from './protocols';
import { acceptedAudiences } from './resource-metadata';

/** Where the bearer token may be read from (RFC 6750 §2): the header always; the others only when listed. */
export type BearerMethod = 'header' | 'query' | 'body';

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
}

export interface AuthorizerOptions extends IssuerOptions, ProtocolOptions {
  // ------------------------------------------------------------------ policy
  /**
   * The policy: a path to a `.rego` file or a folder of them (compiled in-process by @opa-jwt/rego, `data.json`
   * files in the folder included), a `.wasm` module, an OPA bundle (`.tar.gz` as made by `opa build -t wasm` or
   * `opa-jwt build`), or the bytes of a `.wasm` module or bundle.
   */
  policy: string | Uint8Array;
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
  /** Enriches the policy input (resource attributes, risk signals): return a new document or change the given one. */
  input?: InputHook;
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
}

export interface ResolvedOptions {
  policy: PolicySpec;
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
  input?: InputHook;
  protocols: ResolvedProtocolOptions;
}

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
const ALL_ALGORITHMS = new Set<string>([...ASYMMETRIC_ALGORITHMS, ...SYMMETRIC_ALGORITHMS]);

export const DEFAULTS = {
  clockTolerance: 5,
  maxTokenSize: 8192,
  tokenCacheSize: 1000,
  cacheMaxAge: 10 * 60_000,
  cooldownDuration: 30_000,
  timeoutDuration: 5_000,
  staleIfErrorDuration: 60 * 60_000,
  realm: 'api',
  decisionIdHeader: 'X-Decision-Id',
  evaluationTimeout: 250,
  maxPolicyMemory: 64 * 1024 * 1024,
} as const;

/**
 * Every option one issuer takes (top level, or in each `issuers` entry). Written as an object checked against the
 * interface, so the compiler refuses a list that misses a declared option or names one that is not declared.
 */
const ISSUER_OPTION_FLAGS = {
  issuerBaseURL: true, issuer: true, jwksUri: true, publicKey: true, jwks: true, secret: true, audience: true, algorithms: true,
} as const satisfies Record<keyof IssuerOptions, true>;

/** Every top-level option: any other name is refused at start-up (a typo must not silently change nothing). */
const OPTION_FLAGS = {
  ...ISSUER_OPTION_FLAGS,
  policy: true, entrypoint: true, data: true, watch: true, v0Compatible: true, evaluationTimeout: true, maxPolicyMemory: true, issuers: true,
  clockTolerance: true, maxTokenAge: true, strict: true, authRequired: true, bearerMethods: true, maxTokenSize: true, tokenCacheSize: true,
  cacheMaxAge: true, cooldownDuration: true, timeoutDuration: true, staleIfErrorDuration: true,
  realm: true, decisionIdHeader: true, logger: true, onDecision: true, input: true,
  resourceMetadata: true, maxBodySize: true,
} as const satisfies Record<keyof AuthorizerOptions, true>;

/** The names `createAuthorizer` accepts (the documentation's configuration tables are checked against it). */
export const OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(OPTION_FLAGS));
/** The names an `issuers` entry accepts: only the options that describe one issuer may differ between issuers. */
export const ISSUER_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(ISSUER_OPTION_FLAGS));

// ---------------------------------------------------------------------------------------------------------------
// Small checkers, each naming the option it checks

function fail(option: string, problem: string): never {
  throw new InvalidOptionError(option, problem);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function optionalBoolean(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, `must be true or false, got ${describe(value)}`);
  return value;
}

function optionalNumber(value: unknown, option: string, fallback: number | undefined, { min = 0, integer = false } = {}): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    fail(option, `must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function nonEmptyString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(option, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

function httpUrl(value: unknown, option: string): string {
  const text = nonEmptyString(value, option);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(option, `must be an absolute URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, `must be an http(s) URL, got ${JSON.stringify(text)}`);
  return text;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are answered above; the rest are primitives
  return typeof value === 'object' ? 'an object' : String(value);
}

function stringList(value: unknown, option: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    fail(option, 'must be a non-empty string or a non-empty array of non-empty strings');
  }
  return [...list];
}

// ---------------------------------------------------------------------------------------------------------------
// policy

function policySpec(value: unknown): PolicySpec {
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) fail('policy', 'is empty: give the bytes of a .wasm module or an OPA bundle');
    return { kind: 'bytes', bytes: value };
  }
  if (isPlainObject(value) && ('path' in value || 'entrypoint' in value)) {
    fail('policy', 'must be a path or bytes; give `entrypoint`, `data` and `watch` as top-level options, e.g. { policy: "policies/authz.rego", entrypoint: "authz/allow" }');
  }
  const given = nonEmptyString(value, 'policy');
  const resolved = path.resolve(given);
  let stat;
  try {
    stat = statSync(resolved);
  } catch {
    fail('policy', `names ${JSON.stringify(given)}, which does not exist`);
  }
  if (stat.isDirectory()) return { kind: 'directory', path: resolved };
  if (!stat.isFile()) fail('policy', `names ${JSON.stringify(given)}, which is not a file or folder`);
  const lower = resolved.toLowerCase();
  if (lower.endsWith('.rego')) return { kind: 'file', path: resolved, format: 'rego' };
  if (lower.endsWith('.wasm')) return { kind: 'file', path: resolved, format: 'wasm' };
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.tar')) return { kind: 'file', path: resolved, format: 'bundle' };
  return fail('policy', `names ${JSON.stringify(given)}: expected a .rego file, a folder, a .wasm module or a .tar.gz bundle`);
}

// ---------------------------------------------------------------------------------------------------------------
// issuers and keys

function publicKeyObject(value: unknown, option: string): KeyObject {
  let key: KeyObject;
  try {
    if (value instanceof KeyObject) key = value;
    else if (typeof value === 'string') key = createPublicKey(value);
    else if (isPlainObject(value) && typeof value.kty === 'string') {
      if ('d' in value) fail(option, 'must be a public JWK, but this one holds private key material ("d")');
      if (value.kty === 'oct') fail(option, 'cannot be a symmetric ("oct") key; use `secret` for HS* tokens');
      key = createPublicKey({ key: value as import('node:crypto').JsonWebKey, format: 'jwk' });
    } else return fail(option, 'must be a PEM string, a KeyObject or a public JWK');
  } catch (error) {
    if (error instanceof InvalidOptionError) throw error;
    return fail(option, `could not be read as a public key: ${(error as Error).message}`);
  }
  if (key.type === 'secret') fail(option, 'is a secret key; use `secret` for HS* tokens');
  // A private KeyObject would verify too, but holding one here is a mistake worth pointing out.
  if (key.type === 'private') fail(option, 'is a private key; give the public key');
  return key;
}

function localJwks(value: unknown, option: string): JSONWebKeySet {
  if (!isPlainObject(value) || !Array.isArray(value.keys)) fail(option, 'must be a JSON Web Key Set: { keys: [...] }');
  const keys = value.keys as unknown[];
  if (keys.length === 0) fail(option, 'holds no keys');
  keys.forEach((jwk, index) => {
    if (!isPlainObject(jwk) || typeof jwk.kty !== 'string') fail(`${option}.keys[${index}]`, 'must be a JWK with a "kty"');
    if ('d' in jwk || jwk.kty === 'oct') fail(`${option}.keys[${index}]`, 'must be a public key (no private or symmetric key material)');
  });
  return value as unknown as JSONWebKeySet;
}

function secretBytes(value: unknown, option: string): Uint8Array {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? new Uint8Array(value) : undefined;
  if (!bytes) return fail(option, 'must be a string or bytes');
  // RFC 7518 §3.2: an HMAC key at least as long as the hash output; 32 bytes for HS256.
  if (bytes.byteLength < 32) fail(option, `must be at least 32 bytes long (RFC 7518 §3.2), got ${bytes.byteLength}`);
  return bytes;
}

function algorithmList(value: unknown, option: string, symmetric: boolean): string[] {
  const list = stringList(value, option);
  for (const alg of list) {
    if (alg.toLowerCase() === 'none') fail(option, 'must not contain "none": unsigned tokens are never accepted');
    if (!ALL_ALGORITHMS.has(alg)) fail(option, `contains unknown algorithm ${JSON.stringify(alg)}; supported: ${[...ALL_ALGORITHMS].join(', ')}`);
    const isSymmetric = (SYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);
    if (isSymmetric && !symmetric) fail(option, `contains ${alg}, which needs a \`secret\`; issuers with public keys accept asymmetric algorithms only`);
    if (!isSymmetric && symmetric) fail(option, `contains ${alg}, but this issuer is configured with a \`secret\` (HS256/HS384/HS512 only)`);
  }
  return [...new Set(list)];
}

function resolveIssuer(raw: Record<string, unknown>, prefix: string, defaults: { audience?: string[]; algorithms?: unknown }): ResolvedIssuer {
  const name = (key: string) => `${prefix}${key}`;
  const sources = (['jwksUri', 'publicKey', 'jwks', 'secret'] as const).filter((key) => raw[key] !== undefined);
  if (sources.length > 1) fail(name(sources[1]), `cannot be combined with ${name(sources[0])}: give one key source per issuer`);
  if (sources.length === 0 && raw.issuerBaseURL === undefined) {
    fail(name('jwksUri'), `is required: give ${name('issuerBaseURL')} (discovery), ${name('jwksUri')}, ${name('publicKey')}, ${name('jwks')} or ${name('secret')}`);
  }
  if (raw.issuerBaseURL !== undefined && sources.length > 0 && sources[0] !== 'jwksUri') {
    fail(name('issuerBaseURL'), `cannot be combined with ${name(sources[0])}: discovery finds the issuer's JWKS`);
  }
  const issuerBaseURL = raw.issuerBaseURL === undefined ? undefined : httpUrl(raw.issuerBaseURL, name('issuerBaseURL'));
  const issuer = raw.issuer === undefined ? undefined : nonEmptyString(raw.issuer, name('issuer'));
  if (issuer === undefined && issuerBaseURL === undefined) fail(name('issuer'), `is required (the exact "iss" your tokens carry), or give ${name('issuerBaseURL')}`);

  let keys: KeySource;
  if (raw.publicKey !== undefined) keys = { type: 'public-key', key: publicKeyObject(raw.publicKey, name('publicKey')) };
  else if (raw.jwks !== undefined) keys = { type: 'jwks', jwks: localJwks(raw.jwks, name('jwks')) };
  else if (raw.secret !== undefined) keys = { type: 'secret', key: secretBytes(raw.secret, name('secret')) };
  else keys = { type: 'remote', jwksUri: raw.jwksUri === undefined ? undefined : httpUrl(raw.jwksUri, name('jwksUri')) };

  const symmetric = keys.type === 'secret';
  const algorithmsOption = raw.algorithms !== undefined ? name('algorithms') : 'algorithms';
  const algorithmsValue = raw.algorithms ?? defaults.algorithms;
  const algorithms =
    algorithmsValue === undefined ? [...(symmetric ? SYMMETRIC_ALGORITHMS : ASYMMETRIC_ALGORITHMS)] : algorithmList(algorithmsValue, algorithmsOption, symmetric);

  const audience = raw.audience === undefined ? defaults.audience : stringList(raw.audience, name('audience'));
  if (audience === undefined || audience.length === 0) {
    fail(name('audience'), 'is required: the audience (aud) your tokens carry for this API, or set resourceMetadata.resource (RFC 8707)');
  }
  return { label: prefix === '' ? 'issuer' : prefix.slice(0, -1), issuer, issuerBaseURL, keys, audience, algorithms };
}

function checkKnownKeys(raw: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) fail(`${prefix}${key}`, `is not a known option (known: ${[...known].join(', ')})`);
  }
}

function bearerMethods(value: unknown): ReadonlySet<BearerMethod> {
  if (value === undefined) return new Set(['header']);
  if (!Array.isArray(value) || !value.every((item) => item === 'header' || item === 'query' || item === 'body')) {
    fail('bearerMethods', 'must be an array of "header", "query" and "body"');
  }
  return new Set<BearerMethod>(['header', ...(value as BearerMethod[])]);
}

function loggerOption(value: unknown): Logger {
  if (value === undefined) return consoleLogger;
  if (typeof value !== 'object' || value === null) fail('logger', 'must be a pino-compatible logger with info, warn, error and debug methods');
  for (const level of ['error', 'warn', 'info', 'debug'] as const) {
    if (typeof (value as Record<string, unknown>)[level] !== 'function') fail('logger', `must have a ${level}(fields, message) method (pino-compatible)`);
  }
  return safeLogger(value as Logger);
}

function optionalFunction<T>(value: unknown, option: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(option, `must be a function, got ${describe(value)}`);
  return value as T;
}

// ---------------------------------------------------------------------------------------------------------------

/** Validates every option; throws `InvalidOptionError` naming the first bad one. */
export function resolveOptions(options: AuthorizerOptions): ResolvedOptions {
  if (!isPlainObject(options)) throw new InvalidOptionError('options', 'must be an object, e.g. { issuer, audience, jwksUri, policy, entrypoint }');
  const raw = options as unknown as Record<string, unknown>;
  checkKnownKeys(raw, OPTION_NAMES, '');

  const policy = policySpec(raw.policy);
  const entrypoint = raw.entrypoint === undefined ? undefined : nonEmptyString(raw.entrypoint, 'entrypoint');
  if (entrypoint === undefined && (policy.kind === 'directory' || (policy.kind === 'file' && policy.format === 'rego'))) {
    fail('entrypoint', 'is required with .rego sources, e.g. "authz/allow" (package authz, rule allow)');
  }
  if (raw.data !== undefined && !isPlainObject(raw.data)) fail('data', 'must be a JSON object (the base document)');
  const watch = optionalBoolean(raw.watch, 'watch', false);
  if (watch && policy.kind === 'bytes') fail('watch', 'needs `policy` to be a path to watch, not bytes');
  const v0Compatible = optionalBoolean(raw.v0Compatible, 'v0Compatible', false);

  // Issuers: either the top-level single-issuer options or `issuers`, never both.
  const topLevelIssuerKeys = (['issuerBaseURL', 'issuer', 'jwksUri', 'publicKey', 'jwks', 'secret'] as const).filter((key) => raw[key] !== undefined);
  let issuerEntries: Array<{ raw: Record<string, unknown>; prefix: string }>;
  if (raw.issuers !== undefined) {
    if (!Array.isArray(raw.issuers) || raw.issuers.length === 0) fail('issuers', 'must be a non-empty array of issuer options');
    if (topLevelIssuerKeys.length > 0) fail(topLevelIssuerKeys[0], 'cannot be combined with `issuers`: describe every trusted issuer inside `issuers`');
    issuerEntries = (raw.issuers as unknown[]).map((entry, index) => {
      const prefix = `issuers[${index}].`;
      if (!isPlainObject(entry)) fail(`issuers[${index}]`, 'must be an object');
      checkKnownKeys(entry, ISSUER_OPTION_NAMES, prefix);
      return { raw: entry, prefix };
    });
  } else {
    issuerEntries = [{ raw, prefix: '' }];
  }

  const configuredIssuers = issuerEntries.map(({ raw: entry }) => (entry.issuer ?? entry.issuerBaseURL)).filter((v): v is string => typeof v === 'string');
  const protocols = resolveProtocolOptions(
    { resourceMetadata: withBearerMethods(raw.resourceMetadata, raw.bearerMethods), maxBodySize: raw.maxBodySize as number | undefined },
    configuredIssuers,
  );
  const topAudience = raw.audience === undefined ? undefined : stringList(raw.audience, 'audience');
  const audience = acceptedAudiences(topAudience, protocols.resourceMetadata);
  const issuers = issuerEntries.map(({ raw: entry, prefix }) => {
    const resolved = resolveIssuer(entry, prefix, { audience, algorithms: prefix === '' ? undefined : raw.algorithms });
    // Tokens must name this resource when it publishes RFC 9728 metadata (RFC 8707), whatever the issuer's own list says.
    const withResource = acceptedAudiences(resolved.audience, protocols.resourceMetadata) ?? resolved.audience;
    return { ...resolved, audience: withResource };
  });
  const known = new Map<string, string>();
  for (const entry of issuers) {
    const id = entry.issuer ?? entry.issuerBaseURL!;
    if (known.has(id)) fail(`${entry.label}.issuer`, `repeats ${JSON.stringify(id)} (already trusted by ${known.get(id)})`);
    known.set(id, entry.label);
  }

  const maxTokenAge = optionalNumber(raw.maxTokenAge, 'maxTokenAge', undefined, { min: 1 });
  return {
    policy,
    entrypoint,
    data: raw.data,
    watch,
    v0Compatible,
    evaluationTimeout: optionalNumber(raw.evaluationTimeout, 'evaluationTimeout', DEFAULTS.evaluationTimeout, { min: 1, integer: true })!,
    maxPolicyMemory: optionalNumber(raw.maxPolicyMemory, 'maxPolicyMemory', DEFAULTS.maxPolicyMemory, { min: 1024 * 1024, integer: true })!,
    issuers,
    clockTolerance: optionalNumber(raw.clockTolerance, 'clockTolerance', DEFAULTS.clockTolerance)!,
    maxTokenAge,
    strict: optionalBoolean(raw.strict, 'strict', false),
    authRequired: optionalBoolean(raw.authRequired, 'authRequired', true),
    bearerMethods: bearerMethods(raw.bearerMethods),
    maxTokenSize: optionalNumber(raw.maxTokenSize, 'maxTokenSize', DEFAULTS.maxTokenSize, { min: 64, integer: true })!,
    tokenCacheSize: optionalNumber(raw.tokenCacheSize, 'tokenCacheSize', DEFAULTS.tokenCacheSize, { integer: true })!,
    jwks: {
      cacheMaxAge: optionalNumber(raw.cacheMaxAge, 'cacheMaxAge', DEFAULTS.cacheMaxAge, { min: 1 })!,
      cooldownDuration: optionalNumber(raw.cooldownDuration, 'cooldownDuration', DEFAULTS.cooldownDuration)!,
      timeoutDuration: optionalNumber(raw.timeoutDuration, 'timeoutDuration', DEFAULTS.timeoutDuration, { min: 1 })!,
      staleIfErrorDuration: optionalNumber(raw.staleIfErrorDuration, 'staleIfErrorDuration', DEFAULTS.staleIfErrorDuration)!,
    },
    realm: raw.realm === undefined ? DEFAULTS.realm : nonEmptyString(raw.realm, 'realm'),
    decisionIdHeader: decisionIdHeader(raw.decisionIdHeader),
    logger: loggerOption(raw.logger),
    onDecision: optionalFunction(raw.onDecision, 'onDecision'),
    input: optionalFunction<InputHook>(raw.input, 'input'),
    protocols,
  };
}

function decisionIdHeader(value: unknown): string | undefined {
  if (value === undefined) return DEFAULTS.decisionIdHeader;
  if (value === false) return undefined;
  const name = nonEmptyString(value, 'decisionIdHeader');
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail('decisionIdHeader', `must be a valid header name, got ${JSON.stringify(name)}`);
  return name;
}

/** The RFC 9728 document advertises the bearer methods this middleware accepts, unless the user said otherwise. */
function withBearerMethods(resourceMetadata: unknown, methods: unknown): ProtocolOptions['resourceMetadata'] {
  if (!isPlainObject(resourceMetadata) || resourceMetadata.bearerMethodsSupported !== undefined || methods === undefined) {
    return resourceMetadata as ProtocolOptions['resourceMetadata'];
  }
  return { ...(resourceMetadata as unknown as NonNullable<ProtocolOptions['resourceMetadata']>), bearerMethodsSupported: [...bearerMethods(methods)] };
}
