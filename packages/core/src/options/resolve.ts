/**
 * Turns the options of `createAuthorizer` (declared in `types.ts`) into `ResolvedOptions`: every option is checked
 * at start-up, and a bad one throws an `InvalidOptionError` (a TypeError) that names it, nested ones by their path
 * (`issuers[1].jwksUri`, `resourceMetadata.resource`). Unknown names are refused too.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { createPublicKey, KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { InvalidOptionError } from '../errors';
import { parseOpaConfig } from '../fleet/config';
import type { InputHook } from '../input';
import { consoleLogger, safeLogger, type Logger } from '../logger';
import { acceptedAudiences, WELL_KNOWN_PATH, type ProtectedResourceMetadata, type ResolvedResourceMetadata } from '../resource-metadata';
import type { BearerMethod } from '../token';
import {
  checkKnownKeys,
  describe,
  fail,
  httpUrl,
  isPlainObject,
  nonEmptyString,
  oneOrMoreStrings,
  optionalBoolean,
  optionalFunction,
  optionalNumber,
  secureUrl,
  stringArray,
} from './checks';
import type {
  AuthorizerOptions,
  IssuerOptions,
  KeySource,
  PolicySpec,
  ResolvedIssuer,
  ResolvedOptions,
  ResolvedProtocolOptions,
  ResourceMetadataOptions,
  RevocationCheck,
  TokenGetter,
} from './types';

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
  maxBodySize: 1024 * 1024,
} as const;

/**
 * Every option one issuer takes (top level, or in each `issuers` entry). Written as an object checked against the
 * interface, so the compiler refuses a list that misses a declared option or names one that is not declared.
 */
const ISSUER_OPTION_FLAGS = {
  issuerBaseURL: true,
  issuer: true,
  jwksUri: true,
  publicKey: true,
  jwks: true,
  secret: true,
  audience: true,
  algorithms: true,
  audienceClaim: true,
} as const satisfies Record<keyof IssuerOptions, true>;

/** Every top-level option: any other name is refused at start-up (a typo must not silently change nothing). */
const OPTION_FLAGS = {
  ...ISSUER_OPTION_FLAGS,
  policy: true,
  opaConfig: true,
  entrypoint: true,
  data: true,
  watch: true,
  v0Compatible: true,
  evaluationTimeout: true,
  maxPolicyMemory: true,
  issuers: true,
  clockTolerance: true,
  maxTokenAge: true,
  strict: true,
  authRequired: true,
  bearerMethods: true,
  maxTokenSize: true,
  tokenCacheSize: true,
  cacheMaxAge: true,
  cooldownDuration: true,
  timeoutDuration: true,
  staleIfErrorDuration: true,
  realm: true,
  decisionIdHeader: true,
  logger: true,
  onDecision: true,
  onDecisionLine: true,
  input: true,
  onRefusal: true,
  includeBody: true,
  getToken: true,
  isRevoked: true,
  resourceMetadata: true,
  maxBodySize: true,
} as const satisfies Record<keyof AuthorizerOptions, true>;

/** The names `createAuthorizer` accepts (the documentation's configuration tables are checked against it). */
export const OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(OPTION_FLAGS));
/** The names an `issuers` entry accepts: only the options that describe one issuer may differ between issuers. */
export const ISSUER_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(ISSUER_OPTION_FLAGS));

// ---------------------------------------------------------------------------------------------------------------
// policy

function policySpec(value: unknown): PolicySpec {
  if (value === undefined)
    fail('policy', 'is required (a .rego file or folder, a .wasm module or a bundle), unless `opaConfig` configures bundles');
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) fail('policy', 'is empty: give the bytes of a .wasm module or an OPA bundle');
    return { kind: 'bytes', bytes: value };
  }
  if (isPlainObject(value) && ('path' in value || 'entrypoint' in value)) {
    fail(
      'policy',
      'must be a path or bytes; give `entrypoint`, `data` and `watch` as top-level options, e.g. { policy: "policies/authz.rego", entrypoint: "authz/allow" }',
    );
  }
  const given = nonEmptyString(value, 'policy');
  const resolved = path.resolve(given);
  let stat;
  try {
    stat = statSync(resolved);
  } catch {
    fail(
      'policy',
      `names ${JSON.stringify(given)}, which does not exist (looked for ${resolved}, from the working directory ${process.cwd()})`,
    );
  }
  if (stat.isDirectory()) return { kind: 'directory', path: resolved };
  if (!stat.isFile()) fail('policy', `names ${JSON.stringify(given)}, which is not a file or folder`);
  const lower = resolved.toLowerCase();
  if (lower.endsWith('.rego')) return { kind: 'file', path: resolved, format: 'rego' };
  if (lower.endsWith('.wasm')) return { kind: 'file', path: resolved, format: 'wasm' };
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.tar'))
    return { kind: 'file', path: resolved, format: 'bundle' };
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
  const bytes =
    typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? new Uint8Array(value) : undefined;
  if (!bytes) return fail(option, 'must be a string or bytes');
  // RFC 7518 §3.2: an HMAC key at least as long as the hash output; 32 bytes for HS256.
  if (bytes.byteLength < 32) fail(option, `must be at least 32 bytes long (RFC 7518 §3.2), got ${bytes.byteLength}`);
  return bytes;
}

function algorithmList(value: unknown, option: string, symmetric: boolean): string[] {
  const list = oneOrMoreStrings(value, option);
  for (const alg of list) {
    if (alg.toLowerCase() === 'none') fail(option, 'must not contain "none": unsigned tokens are never accepted');
    if (!ALL_ALGORITHMS.has(alg))
      fail(option, `contains unknown algorithm ${JSON.stringify(alg)}; supported: ${[...ALL_ALGORITHMS].join(', ')}`);
    const isSymmetric = (SYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);
    if (isSymmetric && !symmetric)
      fail(option, `contains ${alg}, which needs a \`secret\`; issuers with public keys accept asymmetric algorithms only`);
    if (!isSymmetric && symmetric)
      fail(option, `contains ${alg}, but this issuer is configured with a \`secret\` (HS256/HS384/HS512 only)`);
  }
  return [...new Set(list)];
}

function resolveIssuer(
  raw: Record<string, unknown>,
  prefix: string,
  defaults: { audience?: string[]; algorithms?: unknown },
): ResolvedIssuer {
  const name = (key: string) => `${prefix}${key}`;
  const sources = (['jwksUri', 'publicKey', 'jwks', 'secret'] as const).filter((key) => raw[key] !== undefined);
  if (sources.length > 1) fail(name(sources[1]), `cannot be combined with ${name(sources[0])}: give one key source per issuer`);
  if (sources.length === 0 && raw.issuerBaseURL === undefined) {
    fail(
      name('jwksUri'),
      `is required: give ${name('issuerBaseURL')} (discovery), ${name('jwksUri')}, ${name('publicKey')}, ${name('jwks')} or ${name('secret')}`,
    );
  }
  if (raw.issuerBaseURL !== undefined && sources.length > 0 && sources[0] !== 'jwksUri') {
    fail(name('issuerBaseURL'), `cannot be combined with ${name(sources[0])}: discovery finds the issuer's JWKS`);
  }
  const issuerBaseURL = raw.issuerBaseURL === undefined ? undefined : httpUrl(raw.issuerBaseURL, name('issuerBaseURL'));
  const issuer = raw.issuer === undefined ? undefined : nonEmptyString(raw.issuer, name('issuer'));
  if (issuer === undefined && issuerBaseURL === undefined)
    fail(name('issuer'), `is required (the exact "iss" your tokens carry), or give ${name('issuerBaseURL')}`);

  let keys: KeySource;
  if (raw.publicKey !== undefined) keys = { type: 'public-key', key: publicKeyObject(raw.publicKey, name('publicKey')) };
  else if (raw.jwks !== undefined) keys = { type: 'jwks', jwks: localJwks(raw.jwks, name('jwks')) };
  else if (raw.secret !== undefined) keys = { type: 'secret', key: secretBytes(raw.secret, name('secret')) };
  else keys = { type: 'remote', jwksUri: raw.jwksUri === undefined ? undefined : httpUrl(raw.jwksUri, name('jwksUri')) };

  const symmetric = keys.type === 'secret';
  const algorithmsOption = raw.algorithms !== undefined ? name('algorithms') : 'algorithms';
  const algorithmsValue = raw.algorithms ?? defaults.algorithms;
  const algorithms =
    algorithmsValue === undefined
      ? [...(symmetric ? SYMMETRIC_ALGORITHMS : ASYMMETRIC_ALGORITHMS)]
      : algorithmList(algorithmsValue, algorithmsOption, symmetric);

  const audience = raw.audience === undefined ? defaults.audience : oneOrMoreStrings(raw.audience, name('audience'));
  if (audience === undefined || audience.length === 0) {
    fail(name('audience'), 'is required: the audience (aud) your tokens carry for this API, or set resourceMetadata.resource (RFC 8707)');
  }
  const audienceClaim = raw.audienceClaim ?? 'aud';
  if (audienceClaim !== 'aud' && audienceClaim !== 'client_id')
    fail(name('audienceClaim'), `must be "aud" or "client_id", got ${describe(raw.audienceClaim)}`);
  return { label: prefix === '' ? 'issuer' : prefix.slice(0, -1), issuer, issuerBaseURL, keys, audience, algorithms, audienceClaim };
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
  if (typeof value !== 'object' || value === null)
    fail('logger', 'must be a pino-compatible logger with info, warn, error and debug methods');
  for (const level of ['error', 'warn', 'info', 'debug'] as const) {
    if (typeof (value as Record<string, unknown>)[level] !== 'function')
      fail('logger', `must have a ${level}(fields, message) method (pino-compatible)`);
  }
  return safeLogger(value as Logger);
}

// ---------------------------------------------------------------------------------------------------------------

/** Validates every option; throws `InvalidOptionError` naming the first bad one. */
export function resolveOptions(options: AuthorizerOptions): ResolvedOptions {
  if (!isPlainObject(options))
    throw new InvalidOptionError('options', 'must be an object, e.g. { issuer, audience, jwksUri, policy, entrypoint }');
  const raw = options;
  checkKnownKeys(raw, OPTION_NAMES, '');

  const fleet = raw.opaConfig === undefined ? undefined : parseOpaConfig(raw.opaConfig);
  if (fleet && raw.policy !== undefined) fail('policy', 'cannot be combined with `opaConfig`: the policy comes from its bundles');
  const policy = fleet ? undefined : policySpec(raw.policy);
  const entrypoint = raw.entrypoint === undefined ? undefined : nonEmptyString(raw.entrypoint, 'entrypoint');
  if (entrypoint === undefined && policy && (policy.kind === 'directory' || (policy.kind === 'file' && policy.format === 'rego'))) {
    fail('entrypoint', 'is required with .rego sources, e.g. "authz/allow" (package authz, rule allow)');
  }
  if (raw.data !== undefined && !isPlainObject(raw.data)) fail('data', 'must be a JSON object (the base document)');
  const watch = optionalBoolean(raw.watch, 'watch', false);
  if (watch && fleet) fail('watch', 'does not apply with `opaConfig`: bundles are polled from their server');
  if (watch && policy?.kind === 'bytes') fail('watch', 'needs `policy` to be a path to watch, not bytes');
  const v0Compatible = optionalBoolean(raw.v0Compatible, 'v0Compatible', false);

  // Issuers: either the top-level single-issuer options or `issuers`, never both.
  const topLevelIssuerKeys = (['issuerBaseURL', 'issuer', 'jwksUri', 'publicKey', 'jwks', 'secret'] as const).filter(
    (key) => raw[key] !== undefined,
  );
  let issuerEntries: Array<{ raw: Record<string, unknown>; prefix: string }>;
  if (raw.issuers !== undefined) {
    if (!Array.isArray(raw.issuers) || raw.issuers.length === 0) fail('issuers', 'must be a non-empty array of issuer options');
    if (topLevelIssuerKeys.length > 0)
      fail(topLevelIssuerKeys[0], 'cannot be combined with `issuers`: describe every trusted issuer inside `issuers`');
    issuerEntries = (raw.issuers as unknown[]).map((entry, index) => {
      const prefix = `issuers[${index}].`;
      if (!isPlainObject(entry)) fail(`issuers[${index}]`, 'must be an object');
      checkKnownKeys(entry, ISSUER_OPTION_NAMES, prefix);
      return { raw: entry, prefix };
    });
  } else {
    issuerEntries = [{ raw, prefix: '' }];
  }

  const configuredIssuers = issuerEntries
    .map(({ raw: entry }) => entry.issuer ?? entry.issuerBaseURL)
    .filter((v): v is string => typeof v === 'string');
  const protocols = resolveProtocolOptions(
    { resourceMetadata: withBearerMethods(raw.resourceMetadata, raw.bearerMethods), maxBodySize: raw.maxBodySize },
    configuredIssuers,
  );
  const topAudience = raw.audience === undefined ? undefined : oneOrMoreStrings(raw.audience, 'audience');
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
  // A getter decides where the token comes from: bearerMethods would silently mean nothing.
  if (raw.getToken !== undefined && raw.bearerMethods !== undefined)
    fail('bearerMethods', 'cannot be combined with `getToken`, which reads the token instead');
  return {
    policy,
    fleet,
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
    onDecisionLine: optionalFunction(raw.onDecisionLine, 'onDecisionLine'),
    input: optionalFunction<InputHook>(raw.input, 'input'),
    getToken: optionalFunction<TokenGetter>(raw.getToken, 'getToken'),
    isRevoked: optionalFunction<RevocationCheck>(raw.isRevoked, 'isRevoked'),
    onRefusal: onRefusal(raw.onRefusal),
    includeBody: optionalBoolean(raw.includeBody, 'includeBody', false),
    protocols,
  };
}

function onRefusal(value: unknown): 'respond' | 'error' {
  if (value === undefined) return 'respond';
  if (value !== 'respond' && value !== 'error') fail('onRefusal', `must be "respond" or "error", got ${describe(value)}`);
  return value;
}

function decisionIdHeader(value: unknown): string | undefined {
  if (value === undefined) return DEFAULTS.decisionIdHeader;
  if (value === false) return undefined;
  const name = nonEmptyString(value, 'decisionIdHeader');
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) fail('decisionIdHeader', `must be a valid header name, got ${JSON.stringify(name)}`);
  return name;
}

/** The RFC 9728 document advertises the bearer methods this middleware accepts, unless the user said otherwise. */
function withBearerMethods(resourceMetadata: unknown, methods: unknown): unknown {
  if (!isPlainObject(resourceMetadata) || resourceMetadata.bearerMethodsSupported !== undefined || methods === undefined)
    return resourceMetadata;
  return { ...resourceMetadata, bearerMethodsSupported: [...bearerMethods(methods)] };
}

// ---------------------------------------------------------------------------------------------------------------
// MCP and OAuth: resourceMetadata (RFC 9728) and maxBodySize

/**
 * Checks the protocol layer's options and prepares what its request path needs. `configuredIssuers` are the
 * middleware's own issuer settings, the default authorization servers of the RFC 9728 document.
 */
export function resolveProtocolOptions(
  options: { resourceMetadata?: unknown; maxBodySize?: unknown },
  configuredIssuers: readonly string[] = [],
): ResolvedProtocolOptions {
  const maxBodySize = optionalNumber(options.maxBodySize, 'maxBodySize', DEFAULTS.maxBodySize, { min: 1, integer: true })!;
  return { resourceMetadata: resolveResourceMetadata(options.resourceMetadata, configuredIssuers), maxBodySize };
}

/** Every member of `resourceMetadata`, checked against the interface like `OPTION_FLAGS`. */
const RESOURCE_METADATA_FLAGS = {
  resource: true,
  authorizationServers: true,
  scopesSupported: true,
  bearerMethodsSupported: true,
  resourceName: true,
  resourceDocumentation: true,
} as const satisfies Record<keyof ResourceMetadataOptions, true>;
const RESOURCE_METADATA_NAMES: ReadonlySet<string> = new Set(Object.keys(RESOURCE_METADATA_FLAGS));

const BEARER_METHODS: readonly BearerMethod[] = ['header', 'body', 'query'];

/** The `resourceMetadata` option, checked member by member (`resourceMetadata.resource`...), ready to serve. */
export function resolveResourceMetadata(option: unknown, configuredIssuers: readonly string[] = []): ResolvedResourceMetadata | undefined {
  if (option === undefined) return undefined;
  if (!isPlainObject(option))
    fail('resourceMetadata', `must be an object like { resource: "https://mcp.example.com/mcp" }, got ${describe(option)}`);
  const name = (member: string) => `resourceMetadata.${member}`;
  checkKnownKeys(option, RESOURCE_METADATA_NAMES, 'resourceMetadata.');

  const resourceUrl = secureUrl(option.resource, name('resource'));
  const resource = option.resource as string;

  const authorizationServers =
    option.authorizationServers === undefined
      ? [...configuredIssuers]
      : stringArray(option.authorizationServers, name('authorizationServers'));
  if (authorizationServers.length === 0)
    fail(name('authorizationServers'), 'is required when no issuer is configured (clients must learn where to get tokens)');
  authorizationServers.forEach((server, index) => secureUrl(server, `${name('authorizationServers')}[${index}]`));

  const bearerMethodsSupported = (
    option.bearerMethodsSupported === undefined ? ['header'] : stringArray(option.bearerMethodsSupported, name('bearerMethodsSupported'))
  ) as BearerMethod[];
  for (const method of bearerMethodsSupported) {
    if (!BEARER_METHODS.includes(method))
      fail(name('bearerMethodsSupported'), `contains ${JSON.stringify(method)}; allowed: ${BEARER_METHODS.join(', ')}`);
  }

  const document: ProtectedResourceMetadata = {
    resource,
    authorization_servers: authorizationServers,
    bearer_methods_supported: bearerMethodsSupported,
  };
  if (option.scopesSupported !== undefined) document.scopes_supported = stringArray(option.scopesSupported, name('scopesSupported'));
  if (option.resourceName !== undefined) {
    if (typeof option.resourceName !== 'string') fail(name('resourceName'), `must be a string, got ${describe(option.resourceName)}`);
    document.resource_name = option.resourceName;
  }
  if (option.resourceDocumentation !== undefined) {
    secureUrl(option.resourceDocumentation, name('resourceDocumentation'));
    document.resource_documentation = option.resourceDocumentation as string;
  }

  // RFC 9728 §3.1: the well-known segment goes between the host and the resource's path.
  const resourcePath = resourceUrl.pathname === '/' ? '' : resourceUrl.pathname.replace(/\/$/, '');
  const wellKnownPath = `${WELL_KNOWN_PATH}${resourcePath}`;
  return { document, metadataUrl: `${resourceUrl.origin}${wellKnownPath}`, paths: new Set([wellKnownPath, WELL_KNOWN_PATH]) };
}
