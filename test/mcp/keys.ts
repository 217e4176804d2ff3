/**
 * A real signing key, its JWKS served on 127.0.0.1, and a token factory for the MCP/OAuth tests.
 *
 * jose is taken from @opa-jwt/core's own dependency (v5, CommonJS): the root node_modules holds jose 6, which is
 * ESM-only and cannot be loaded by jest's CommonJS runtime.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type * as JoseModule from 'jose';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jose = require(require.resolve('jose', { paths: [path.join(__dirname, '..', '..', 'packages', 'core')] })) as typeof JoseModule;

export interface Issuer {
  issuer: string;
  jwksUri: string;
  /** Signs an ES256 access token published in the JWKS. */
  token(claims: { sub?: string; scope?: string; aud?: string; client_id?: string }, options?: { expiresIn?: number }): Promise<string>;
  /** Signs with a key the JWKS does not publish (same kid): verification must fail. */
  forgedToken(claims: { sub?: string; scope?: string; aud?: string }): Promise<string>;
  close(): Promise<void>;
}

type PrivateKey = Parameters<JoseModule.SignJWT['sign']>[0];

export async function startIssuer(): Promise<Issuer> {
  const kid = 'mcp-test-1';
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const { privateKey: strangerKey } = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const server = createServer((req, res) => {
    if (req.url === '/jwks.json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = (claims: Record<string, unknown>, key: PrivateKey, expiresIn = 300): Promise<string> =>
    new jose.SignJWT({ client_id: 'agent-1', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(origin)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(key);

  return {
    issuer: origin,
    jwksUri: `${origin}/jwks.json`,
    token: (claims, options) => sign(claims, privateKey, options?.expiresIn),
    forgedToken: (claims) => sign(claims, strangerKey),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
