/**
 * Real keys, a real JWKS endpoint on 127.0.0.1 and a token factory, shared by the adapter and MCP/OAuth tests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, createPublicKey } from 'node:crypto';
import * as path from 'node:path';
import type * as JoseModule from 'jose';
import type { JWK, JWTPayload } from 'jose';

// jose is taken from @opa-jwt/core's own dependency (v5, CommonJS): the root node_modules holds jose 6 (pulled in by
// the MCP SDK), which is ESM-only and cannot be loaded by jest's CommonJS runtime.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jose = require(require.resolve('jose', { paths: [path.join(__dirname, '..', '..', 'packages', 'core')] })) as typeof JoseModule;
const { exportJWK, generateKeyPair, SignJWT } = jose;

type PrivateKey = Awaited<ReturnType<typeof JoseModule.generateKeyPair>>['privateKey'];

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'https://api.test';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: PrivateKey;
  publicJwk: JWK;
}

async function makeKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface Fixtures {
  rsa: SigningKey;
  ec: SigningKey;
  /** A key the JWKS does not publish (its kid is unknown to the server). */
  stranger: SigningKey;
  /** Same kid as `rsa` but a different private key: signatures do not verify. */
  impostor: SigningKey;
  jwksUri: string;
  /** The keys the JWKS publishes (rsa and ec); a test may replace the list, and must put it back. */
  published: SigningKey[];
  /** How many times the JWKS was fetched. */
  jwksHits(): number;
  close(): Promise<void>;
}

export async function startFixtures(): Promise<Fixtures> {
  const rsa = await makeKey('rsa-1', 'RS256');
  const ec = await makeKey('ec-1', 'ES256');
  const stranger = await makeKey('stranger', 'RS256');
  const impostor = { ...(await makeKey('rsa-1', 'RS256')) };
  let hits = 0;
  const state = { published: [rsa, ec] };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: state.published.map((key) => key.publicJwk) }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    rsa,
    ec,
    stranger,
    impostor,
    jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get published() {
      return state.published;
    },
    set published(keys: SigningKey[]) {
      state.published = keys;
    },
    jwksHits: () => hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface TokenOptions {
  key?: SigningKey;
  claims?: JWTPayload;
  issuer?: string;
  audience?: string;
  /** Seconds relative to now. */
  expiresIn?: number;
  notBefore?: number;
}

const now = (): number => Math.floor(Date.now() / 1000);

export async function token(fixtures: Fixtures, options: TokenOptions = {}): Promise<string> {
  const key = options.key ?? fixtures.rsa;
  const jwt = new SignJWT({ sub: 'alice', roles: ['admin'], ...options.claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(now() + (options.expiresIn ?? 300));
  if (options.notBefore !== undefined) jwt.setNotBefore(now() + options.notBefore);
  return jwt.sign(key.privateKey);
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** `alg: none`: a well-formed token with an empty signature. */
export function unsignedToken(claims: JWTPayload = {}): string {
  const header = b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: 'mallory', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: now() + 300, ...claims }));
  return `${header}.${payload}.`;
}

/** The classic key-confusion attack: HS256 with the RSA public key (its PEM text) as the HMAC secret. */
export function hs256WithPublicKey(fixtures: Fixtures): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: fixtures.rsa.kid, typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: 'mallory', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }));
  const secret = createPublicKey({ key: fixtures.rsa.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Swaps the signature for another token's: right shape, wrong bytes. */
export function withForeignSignature(good: string, other: string): string {
  const [h, p] = good.split('.');
  return `${h}.${p}.${other.split('.')[2]}`;
}

