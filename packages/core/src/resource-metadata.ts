/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), which the MCP authorization spec requires of MCP servers:
 * the document served at `/.well-known/oauth-protected-resource` (built from the `resourceMetadata` option by
 * `options/resolve.ts`), the audiences it implies and the `resource_metadata` parameter of `WWW-Authenticate`
 * challenges that points clients to it.
 */
import type { BearerMethod } from './token';

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

/**
 * The audiences a token may carry (RFC 8707): the configured ones plus this resource's identifier, so a token minted
 * for another server is refused. Undefined when neither is configured (no audience check).
 */
export function acceptedAudiences(
  configured: string | readonly string[] | undefined,
  metadata: ResolvedResourceMetadata | undefined,
): string[] | undefined {
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
