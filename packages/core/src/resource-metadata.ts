/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), which the MCP authorization spec requires of MCP servers:
 * the option that describes this resource, the document served at `/.well-known/oauth-protected-resource`,
 * and the `resource_metadata` parameter of `WWW-Authenticate` challenges that points clients to it.
 */
import type { BearerMethod } from './options';

/** The `resourceMetadata` option. */
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
  /** How the bearer token may be sent; default `['header']`. */
  bearerMethodsSupported?: BearerMethod[];
  /** Human-readable name shown by clients (`resource_name`). */
  resourceName?: string;
  /** URL of documentation for developers (`resource_documentation`). */
  resourceDocumentation?: string;
}

/** The RFC 9728 §2 document, with the members we can fill from configuration. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: BearerMethod[];
  scopes_supported?: string[];
  resource_name?: string;
  resource_documentation?: string;
}

export interface ResolvedResourceMetadata {
  document: ProtectedResourceMetadata;
  /** Where clients fetch the document (RFC 9728 §3.1), advertised in `WWW-Authenticate`. */
  metadataUrl: string;
  /** Request paths answered with the document: the path-aware well-known URI and the root one. */
  paths: ReadonlySet<string>;
}

export const WELL_KNOWN_PATH = '/.well-known/oauth-protected-resource';

const BEARER_METHODS: readonly BearerMethod[] = ['header', 'body', 'query'];
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A bad `resourceMetadata` option, reported at start-up with the option's name. */
export class ResourceMetadataOptionError extends TypeError {
  constructor(option: string, problem: string) {
    super(`opa-jwt: option "resourceMetadata.${option}" ${problem}`);
    this.name = 'ResourceMetadataOptionError';
  }
}

function parseUrl(value: unknown, option: string): URL {
  if (typeof value !== 'string' || value === '') throw new ResourceMetadataOptionError(option, 'must be a non-empty URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ResourceMetadataOptionError(option, `must be an absolute URL, got ${JSON.stringify(value)}`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) throw new ResourceMetadataOptionError(option, `must use https (http only for loopback hosts), got ${JSON.stringify(value)}`);
  if (url.hash !== '' || value.includes('#')) throw new ResourceMetadataOptionError(option, 'must not contain a fragment');
  return url;
}

function stringList(value: unknown, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw new ResourceMetadataOptionError(option, 'must be an array of non-empty strings');
  }
  return [...value];
}

/**
 * Validates the option (throws `ResourceMetadataOptionError` naming the bad member) and prepares what the
 * request path needs. `configuredIssuers` are the middleware's own issuer settings, the default authorization servers.
 */
export function resolveResourceMetadata(option: unknown, configuredIssuers: readonly string[] = []): ResolvedResourceMetadata | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new TypeError('opa-jwt: option "resourceMetadata" must be an object like { resource: "https://mcp.example.com/mcp" }');
  }
  const raw = option as Record<string, unknown>;
  const known = new Set(['resource', 'authorizationServers', 'scopesSupported', 'bearerMethodsSupported', 'resourceName', 'resourceDocumentation']);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new ResourceMetadataOptionError(key, `is not a known option (expected one of ${[...known].join(', ')})`);

  const resourceUrl = parseUrl(raw.resource, 'resource');
  const resource = raw.resource as string;

  const authorizationServers = stringList(raw.authorizationServers, 'authorizationServers') ?? [...configuredIssuers];
  if (authorizationServers.length === 0) {
    throw new ResourceMetadataOptionError('authorizationServers', 'is required when no issuer is configured (clients must learn where to get tokens)');
  }
  authorizationServers.forEach((server, index) => parseUrl(server, `authorizationServers[${index}]`));

  const bearerMethods = (stringList(raw.bearerMethodsSupported, 'bearerMethodsSupported') ?? ['header']) as BearerMethod[];
  for (const method of bearerMethods) {
    if (!BEARER_METHODS.includes(method)) throw new ResourceMetadataOptionError('bearerMethodsSupported', `contains ${JSON.stringify(method)}; allowed: ${BEARER_METHODS.join(', ')}`);
  }

  const document: ProtectedResourceMetadata = { resource, authorization_servers: authorizationServers, bearer_methods_supported: bearerMethods };
  const scopes = stringList(raw.scopesSupported, 'scopesSupported');
  if (scopes) document.scopes_supported = scopes;
  if (raw.resourceName !== undefined) {
    if (typeof raw.resourceName !== 'string') throw new ResourceMetadataOptionError('resourceName', 'must be a string');
    document.resource_name = raw.resourceName;
  }
  if (raw.resourceDocumentation !== undefined) {
    parseUrl(raw.resourceDocumentation, 'resourceDocumentation');
    document.resource_documentation = raw.resourceDocumentation as string;
  }

  // RFC 9728 §3.1: the well-known segment goes between the host and the resource's path.
  const resourcePath = resourceUrl.pathname === '/' ? '' : resourceUrl.pathname.replace(/\/$/, '');
  const wellKnownPath = `${WELL_KNOWN_PATH}${resourcePath}`;
  return {
    document,
    metadataUrl: `${resourceUrl.origin}${wellKnownPath}`,
    paths: new Set([wellKnownPath, WELL_KNOWN_PATH]),
  };
}

/**
 * The audiences a token may carry (RFC 8707): the configured ones plus this resource's identifier, so a token minted
 * for another server is refused. Undefined when neither is configured (no audience check).
 */
export function acceptedAudiences(configured: string | readonly string[] | undefined, metadata: ResolvedResourceMetadata | undefined): string[] | undefined {
  const list = configured === undefined ? [] : typeof configured === 'string' ? [configured] : [...configured];
  if (metadata && !list.includes(metadata.document.resource)) list.push(metadata.document.resource);
  return list.length > 0 ? list : undefined;
}

/** Adds `resource_metadata="…"` to a Bearer challenge (RFC 9728 §5.1), or creates the challenge when there is none. */
export function withResourceMetadata(challenge: string | undefined, metadataUrl: string): string {
  const parameter = `resource_metadata="${metadataUrl}"`;
  if (challenge === undefined || challenge.trim() === '') return `Bearer ${parameter}`;
  if (challenge.includes('resource_metadata=')) return challenge;
  const match = /^\s*Bearer\b\s*(.*)$/is.exec(challenge);
  if (!match) return `${challenge}, Bearer ${parameter}`;
  return match[1] === '' ? `Bearer ${parameter}` : `Bearer ${parameter}, ${match[1]}`;
}
