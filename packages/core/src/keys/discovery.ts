/**
 * Issuer metadata discovery for `issuerBaseURL`: OpenID Connect Discovery 1.0 (`/.well-known/openid-configuration`
 * appended to the issuer URL), then OAuth 2.0 Authorization Server Metadata (RFC 8414: `/.well-known/oauth-authorization-server`
 * inserted between the host and the issuer's path). Both specifications require the document's `issuer` to be the
 * URL it was discovered from; a document that names another issuer is refused (it could be a mix-up attack).
 */
import { DiscoveryError } from '../errors';
import { fetchJson } from './fetch-json';

export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The URLs to try, in order. A base URL that already points at a metadata document is used as is. */
export function discoveryUrls(issuerBaseURL: string): string[] {
  if (issuerBaseURL.includes('/.well-known/')) return [issuerBaseURL];
  const url = new URL(issuerBaseURL);
  const path = withoutTrailingSlash(url.pathname);
  return [`${url.origin}${path}/.well-known/openid-configuration`, `${url.origin}/.well-known/oauth-authorization-server${path}`];
}

export async function discoverIssuer(issuerBaseURL: string, timeoutMs: number): Promise<IssuerMetadata> {
  const failures: string[] = [];
  for (const url of discoveryUrls(issuerBaseURL)) {
    let document: unknown;
    try {
      document = await fetchJson(url, timeoutMs);
    } catch (error) {
      failures.push((error as Error).message);
      continue;
    }
    if (typeof document !== 'object' || document === null || typeof (document as Record<string, unknown>).issuer !== 'string') {
      failures.push(`${url}: not an issuer metadata document (no "issuer")`);
      continue;
    }
    const metadata = document as Record<string, unknown>;
    const issuer = metadata.issuer as string;
    const expected = issuerBaseURL.includes('/.well-known/') ? undefined : withoutTrailingSlash(issuerBaseURL);
    if (expected !== undefined && withoutTrailingSlash(issuer) !== expected) {
      throw new DiscoveryError(`issuer metadata at ${url} names issuer ${JSON.stringify(issuer)}, not ${JSON.stringify(issuerBaseURL)}`);
    }
    const jwksUri = metadata.jwks_uri;
    if (jwksUri !== undefined && typeof jwksUri !== 'string')
      throw new DiscoveryError(`issuer metadata at ${url}: "jwks_uri" is not a string`);
    return { issuer, jwks_uri: jwksUri };
  }
  throw new DiscoveryError(`issuer discovery for ${issuerBaseURL} failed: ${failures.join('; ')}`);
}
