/**
 * The adapter, MCP and OAuth tests' view of the shared test issuer (test/support/issuer.ts): a fixed issuer name,
 * the JWKS at its well-known path, admin tokens by default, and two keys the JWKS does not vouch for. Plus the
 * forged tokens an attacker would try.
 */
import { createHmac, createPublicKey } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { AUDIENCE, makeKey, startIssuer, type SigningKey, type TestIssuer } from '../support/issuer';

export { AUDIENCE, type SigningKey } from '../support/issuer';
export const ISSUER = 'https://issuer.test';

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
  /** The issuer these fixtures stand on, for its token factory. */
  issuer: TestIssuer;
  close(): Promise<void>;
}

export async function startFixtures(): Promise<Fixtures> {
  const issuer = await startIssuer({ issuer: ISSUER, jwksPath: '/.well-known/jwks.json', claims: { sub: 'alice', roles: ['admin'] } });
  const stranger = await makeKey('stranger', 'RS256');
  const impostor = await makeKey('rsa-1', 'RS256');
  return {
    rsa: issuer.rsa,
    ec: issuer.ec,
    stranger,
    impostor,
    jwksUri: issuer.jwksUri,
    get published() {
      return issuer.published;
    },
    set published(keys: SigningKey[]) {
      issuer.published = keys;
    },
    jwksHits: () => issuer.hits(),
    issuer,
    close: () => issuer.close(),
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

export function token(fixtures: Fixtures, options: TokenOptions = {}): Promise<string> {
  return fixtures.issuer.sign(options);
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
  const secret = createPublicKey({ key: fixtures.rsa.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Swaps the signature for another token's: right shape, wrong bytes. */
export function withForeignSignature(good: string, other: string): string {
  const [h, p] = good.split('.');
  return `${h}.${p}.${other.split('.')[2]}`;
}
