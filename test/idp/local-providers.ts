/**
 * Local stand-ins for real identity providers on 127.0.0.1: each serves its provider's discovery document and key set
 * at that provider's paths (Keycloak's `/realms/<realm>/...`, Okta's `/oauth2/default/...`, Entra ID's
 * `/<tenant>/v2.0/...`, Cognito's `/<poolId>/.well-known/jwks.json`, ...) and mints tokens with a real RSA key,
 * shaped as that provider's are (header `typ` and `kid`, claims). The recipes' tests configure opa-jwt against them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type * as JoseModule from 'jose';
import type { JWK, JWTHeaderParameters, JWTPayload } from 'jose';

// jose v5 (CommonJS) from @opa-jwt/core: the root node_modules holds the ESM-only jose 6.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jose = require(require.resolve('jose', { paths: [path.join(__dirname, '..', '..', 'packages', 'core')] })) as typeof JoseModule;

type PrivateKey = Awaited<ReturnType<typeof JoseModule.generateKeyPair>>['privateKey'];

/** A document served at a path; functions receive the server's origin (`http://127.0.0.1:<port>`). */
export type Routes = Record<string, (origin: string) => unknown>;

export interface LocalServer {
  origin: string;
  /** How many times each path was requested. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 answering GET `path` with its JSON document, and 404 otherwise. */
export async function serveJson(routes: () => Routes): Promise<LocalServer> {
  const hits = new Map<string, number>();
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const route = routes()[url.pathname];
    if (req.method !== 'GET' || route === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route(origin)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface SigningKey {
  kid: string;
  alg: 'RS256';
  privateKey: PrivateKey;
  publicJwk: JWK;
}

export async function rsaKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { kid, alg: 'RS256', privateKey, publicJwk: { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** A key set document as providers publish it. */
export function jwks(...keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) };
}

/**
 * A signed token: `header` is the provider's protected header without `alg`/`kid` (e.g. `{ typ: 'JWT' }`, or `{}`
 * for providers that send no `typ`); `iat` and `exp` (one hour) are added unless given.
 */
export async function mint(key: SigningKey, header: Partial<JWTHeaderParameters>, claims: JWTPayload): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new jose.SignJWT({ iat: now, exp: now + 3600, ...claims })
    .setProtectedHeader({ ...header, alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

/** An OpenID Connect discovery document with the fields every provider publishes. */
export function discoveryDocument(issuer: string, jwksUri: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = issuer.replace(/\/$/, '');
  return {
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: jwksUri,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    ...extra,
  };
}
