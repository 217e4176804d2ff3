/**
 * Token verification: each cause of a 401, against real RS256 / ES256 keys published by a real JWKS endpoint on
 * 127.0.0.1; multiple issuers; local keys and secrets; the verified-token cache.
 */
import { createHmac, createPublicKey } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { InvalidTokenError } from '../src/errors';
import type { AuthorizerOptions } from '../src/options';
import { VerifiedTokenCache } from '../src/token-cache';
import type { TokenVerifier } from '../src/verify';
import { fakeDateOnly } from '../../../test/support/clock';
import { AUDIENCE, makeKey, startIssuer, type TestIssuer } from '../../../test/support/issuer';
import { startVerifier } from './helpers/verifier';

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});

function verifierFor(options: Partial<AuthorizerOptions> = {}): Promise<{ verifier: TokenVerifier }> {
  return startVerifier(issuer, { algorithms: ['RS256', 'ES256'], ...options });
}

async function refusal(verifier: TokenVerifier, token: string): Promise<InvalidTokenError> {
  try {
    await verifier.verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return error as InvalidTokenError;
  }
  throw new Error('the token was accepted');
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('accepted tokens', () => {
  test('RS256 and ES256 tokens from the JWKS verify; claims and header come back', async () => {
    const { verifier } = await verifierFor();
    const rs = await verifier.verify(await issuer.sign({ claims: { roles: ['admin'] } }));
    expect(rs.payload).toMatchObject({ sub: 'alice', roles: ['admin'], iss: issuer.issuer, aud: AUDIENCE });
    expect(rs.header).toMatchObject({ alg: 'RS256', kid: 'rsa-1' });
    const es = await verifier.verify(await issuer.sign({ key: issuer.ec, claims: { sub: 'erin' } }));
    expect(es.payload.sub).toBe('erin');
  });
});

describe('each cause of a 401 invalid_token', () => {
  let verifier: TokenVerifier;
  beforeAll(async () => {
    ({ verifier } = await verifierFor());
  });

  const cases: Array<[string, string, () => Promise<string>]> = [
    ['malformed', 'malformed', async () => 'not-a-jwt'],
    ['malformed header', 'malformed', async () => `${b64url('{nope')}.${b64url({})}.sig`],
    ['encrypted (JWE)', 'malformed', async () => 'a.b.c.d.e'],
    [
      'bad signature',
      'signature',
      async () => {
        const good = await issuer.sign();
        const other = await issuer.sign({ claims: { sub: 'mallory' } });
        return `${good.split('.').slice(0, 2).join('.')}.${other.split('.')[2]}`;
      },
    ],
    ['right kid, wrong private key', 'signature', async () => issuer.sign({ key: { ...(await makeKey('rsa-1', 'RS256')) } })],
    ['unknown kid', 'unknown_key', async () => issuer.sign({ key: await makeKey('stranger', 'RS256') })],
    ['expired', 'expired', async () => issuer.sign({ expiresIn: -3600 })],
    ['not yet valid', 'not_yet_valid', async () => issuer.sign({ notBefore: 3600 })],
    ['wrong issuer', 'issuer', async () => issuer.sign({ issuer: 'https://evil.test' })],
    ['wrong audience', 'audience', async () => issuer.sign({ audience: 'https://other.test' })],
    ['no exp', 'missing_exp', async () => issuer.sign({ noExpiry: true })],
    [
      'alg none',
      'alg_none',
      async () =>
        `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'mallory', iss: issuer.issuer, aud: AUDIENCE, exp: now() + 300 })}.`,
    ],
    [
      'HS256 signed with the RSA public key (key confusion)',
      'alg_not_allowed',
      async () => {
        const header = b64url({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' });
        const payload = b64url({ sub: 'mallory', iss: issuer.issuer, aud: AUDIENCE, exp: now() + 300 });
        const pem = createPublicKey({ key: issuer.rsa.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        return `${header}.${payload}.${createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url')}`;
      },
    ],
    ['oversized', 'oversized', async () => issuer.sign({ claims: { padding: 'x'.repeat(12_000) } })],
  ];

  test.each(cases)('%s', async (_name, reason, make) => {
    const token = await make();
    const error = await refusal(verifier, token);
    expect(error.reason).toBe(reason);
    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_token');
    expect(error.description).not.toContain(token);
  });

  test('a disallowed algorithm (PS256 when only RS256/ES256 are configured)', async () => {
    const ps = await makeKey('ps-1', 'RS256');
    const token = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'PS256', kid: 'ps-1' })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(ps.privateKey);
    expect((await refusal(verifier, token)).reason).toBe('alg_not_allowed');
  });
});

describe('claims options', () => {
  test('maxTokenAge refuses old tokens and requires iat', async () => {
    const { verifier } = await verifierFor({ maxTokenAge: 60 });
    await expect(verifier.verify(await issuer.sign({ issuedAt: -30 }))).resolves.toMatchObject({
      payload: { sub: 'alice', iat: expect.any(Number) },
    });
    expect((await refusal(verifier, await issuer.sign({ issuedAt: -600 }))).reason).toBe('too_old');
  });

  test('strict: RFC 9068 requires typ at+jwt and the profile claims', async () => {
    const { verifier } = await verifierFor({ strict: true });
    const claims: JWTPayload = { client_id: 'c1', jti: 'j1' };
    expect((await refusal(verifier, await issuer.sign({ claims }))).reason).toBe('type');
    expect((await refusal(verifier, await issuer.sign({ header: { typ: 'at+jwt' } }))).reason).toMatch(/^missing_/);
    await expect(verifier.verify(await issuer.sign({ claims, header: { typ: 'at+jwt' } }))).resolves.toMatchObject({
      header: { typ: 'at+jwt' },
      payload: claims,
    });
    await expect(verifier.verify(await issuer.sign({ claims, header: { typ: 'application/at+jwt' } }))).resolves.toMatchObject({
      header: { typ: 'application/at+jwt' },
      payload: claims,
    });
  });

  test('clockTolerance accepts a token that expired seconds ago', async () => {
    const { verifier } = await verifierFor({ clockTolerance: 30 });
    await expect(verifier.verify(await issuer.sign({ expiresIn: -10 }))).resolves.toMatchObject({ payload: { sub: 'alice' } });
  });
});

describe('issuers and key sources', () => {
  test("several issuers: tokens are routed by iss and verified with that issuer's keys only", async () => {
    const other = await startIssuer();
    try {
      const { verifier } = await verifierFor({
        issuer: undefined,
        jwksUri: undefined,
        issuers: [
          { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
          { issuer: other.issuer, jwksUri: other.jwksUri, audience: 'other-api' },
        ],
      });
      expect((await verifier.verify(await issuer.sign())).payload.iss).toBe(issuer.issuer);
      expect((await verifier.verify(await other.sign({ audience: 'other-api' }))).payload.iss).toBe(other.issuer);
      // Same kid in both sets, but signed by the other issuer's key while claiming to be the first: refused.
      expect((await refusal(verifier, await other.sign({ issuer: issuer.issuer }))).reason).toBe('signature');
      expect((await refusal(verifier, await other.sign({ audience: AUDIENCE }))).reason).toBe('audience');
      expect((await refusal(verifier, await issuer.sign({ issuer: 'https://unknown.test' }))).reason).toBe('issuer');
    } finally {
      await other.close();
    }
  });

  test('publicKey (PEM) and a local JWKS', async () => {
    const pem = createPublicKey({ key: issuer.ec.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const { verifier: byPem } = await verifierFor({ jwksUri: undefined, publicKey: pem });
    await expect(byPem.verify(await issuer.sign({ key: issuer.ec }))).resolves.toMatchObject({ header: { alg: 'ES256', kid: 'ec-1' } });
    expect((await refusal(byPem, await issuer.sign())).reason).toBe('unverifiable'); // an RS256 token against an EC key

    const { verifier: byJwks } = await verifierFor({ jwksUri: undefined, jwks: { keys: [issuer.rsa.publicJwk] } });
    await expect(byJwks.verify(await issuer.sign())).resolves.toMatchObject({ header: { alg: 'RS256', kid: 'rsa-1' } });
    expect((await refusal(byJwks, await issuer.sign({ key: issuer.ec }))).reason).toBe('unknown_key');
  });

  test('secret: HS256 only for the issuer configured with it', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!';
    const { verifier } = await verifierFor({ jwksUri: undefined, secret, algorithms: undefined });
    const token = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(secret));
    expect((await verifier.verify(token)).payload.sub).toBe('svc');
    expect((await refusal(verifier, await issuer.sign())).reason).toBe('alg_not_allowed');
  });
});

describe('verified-token cache', () => {
  test('a repeated token is served from the cache; an expired entry is not', async () => {
    const { verifier } = await verifierFor();
    const token = await issuer.sign();
    const first = await verifier.verify(token);
    expect(verifier.cache.size).toBe(1);
    // The very same result object: no second jose verification (which would build a new payload) took place.
    expect(await verifier.verify(token)).toBe(first);
    // (A different token is verified anew, so the identity above is the cache's doing.)
    expect(await verifier.verify(await issuer.sign({ claims: { n: 2 } }))).not.toBe(first);
    issuer.setDown(true); // the cache must not need the issuer
    try {
      const before = issuer.hits();
      await expect(verifier.verify(token)).resolves.toMatchObject({ payload: { sub: 'alice' } });
      expect(issuer.hits()).toBe(before);
    } finally {
      issuer.setDown(false);
    }
  });

  test('entries honour exp (with the clock tolerance) and nbf', async () => {
    const { verifier } = await verifierFor({ clockTolerance: 0 });
    // Only Date is moved: the key set was fetched above, and the cache and jose read the time from Date.now().
    fakeDateOnly();
    try {
      const start = Math.ceil(Date.now() / 1000) * 1000; // on a whole second: exp is start + 1 s exactly
      jest.setSystemTime(start);
      const token = await issuer.sign({ expiresIn: 1 });
      await verifier.verify(token);
      jest.setSystemTime(start + 999);
      await expect(verifier.verify(token)).resolves.toMatchObject({ payload: { sub: 'alice' } }); // served until exp
      expect(verifier.cache.size).toBe(1);
      jest.setSystemTime(start + 1000);
      expect((await refusal(verifier, token)).reason).toBe('expired');
      expect(verifier.cache.size).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  test('entries are only served between nbf and exp (with the tolerance), whatever the clock does', () => {
    const cache = new VerifiedTokenCache(10);
    const verified = { header: { alg: 'RS256', kid: 'k' }, payload: { sub: 'a' }, issuerLabel: 'issuer' };
    cache.set('t', verified, 1000, 2000);
    expect(cache.get('t', 999)).toBeUndefined(); // before nbf - tolerance (a clock stepped back): not served, forgotten
    expect(cache.size).toBe(0);
    cache.set('t', verified, 1000, 2000);
    expect(cache.get('t', 1000)).toBe(verified);
    expect(cache.get('t', 1999)).toBe(verified);
    expect(cache.get('t', 2000)).toBeUndefined(); // at exp + tolerance
    expect(cache.size).toBe(0);
  });

  test('an entry answers for its whole token only: a token that ends like a remembered one is not served', () => {
    const cache = new VerifiedTokenCache(10);
    const tail = 'S'.repeat(40); // longer than the characters that find an entry
    const alice = { header: { alg: 'RS256' }, payload: { sub: 'alice' }, issuerLabel: 'issuer' };
    const mallory = { header: { alg: 'RS256' }, payload: { sub: 'mallory' }, issuerLabel: 'issuer' };
    cache.set(`alice.${tail}`, alice, 0, 2000);
    expect(cache.get(`mallory.${tail}`, 1000)).toBeUndefined();
    expect(cache.get(`${'x'.repeat(9)}.${tail}`, 1000)).toBeUndefined();
    expect(cache.get(tail, 1000)).toBeUndefined();
    expect(cache.get(`alice.${tail}`.slice(0), 1000)).toBe(alice); // another string of the same text
    // Two verified tokens of one length that share their end take turns: the newer one is served, the older one
    // verified again.
    cache.set(`malic.${tail}`, mallory, 0, 2000);
    expect(cache.get(`malic.${tail}`, 1000)).toBe(mallory);
    expect(cache.get(`alice.${tail}`, 1000)).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.set(`mallory.${tail}`, mallory, 0, 2000); // another length: an entry of its own
    expect(cache.size).toBe(2);
    // Short tokens: all their characters make the key.
    cache.set('short', alice, 0, 2000);
    expect(cache.get('short', 1000)).toBe(alice);
    expect(cache.get('shor', 1000)).toBeUndefined();
  });

  test('a remembered token is recognised in exactly `Bearer <token>`, and handed out as the remembered string', () => {
    const cache = new VerifiedTokenCache(10);
    const verified = { header: { alg: 'RS256' }, payload: { sub: 'a' }, issuerLabel: 'issuer' };
    const token = `eyJ.${'p'.repeat(300)}.${'s'.repeat(20)}`;
    cache.set(token, verified, 0, 2000);
    const header = `Bearer ${token}`;
    const found = cache.bearerToken(header.slice(0)); // a request's own string
    expect(found).toBe(token);
    expect(cache.bearerToken(`${header}`)).toBe(token); // again, through the header it was last seen in
    for (const other of [`bearer ${token}`, `Bearer  ${token}`, `Bearer x${token}`, `Bearer ${token.slice(1)}`, token, `Basic ${token}`]) {
      expect(cache.bearerToken(other)).toBeUndefined();
    }
    // A token that is not a b64token is never recognised in the header (the header's syntax would refuse it).
    cache.set(`a b${'s'.repeat(20)}`, verified, 0, 2000);
    expect(cache.bearerToken(`Bearer a b${'s'.repeat(20)}`)).toBeUndefined();
  });

  test('what a syntax check found is not served once the entries changed', () => {
    const cache = new VerifiedTokenCache(10);
    const verified = { header: { alg: 'RS256', kid: 'k1' }, payload: { sub: 'a' }, issuerLabel: 'issuer' };
    const other = { header: { alg: 'RS256', kid: 'k2' }, payload: { sub: 'b' }, issuerLabel: 'issuer' };
    cache.set('token-a', verified, 0, 2000);
    expect(cache.bearerToken('Bearer token-a')).toBe('token-a');
    expect(cache.forgetKey('issuer', 'k1')).toBe(1); // its key left the key set in between
    expect(cache.get('token-a', 1000)).toBeUndefined();
    expect(cache.bearerToken('Bearer token-b')).toBeUndefined();
    cache.set('token-b', other, 0, 2000); // remembered in between
    expect(cache.get('token-b', 1000)).toBe(other);
    cache.set('token-a', verified, 0, 2000);
    expect(cache.bearerToken('Bearer token-a')).toBe('token-a');
    expect(cache.get('token-a', 3000)).toBeUndefined(); // expired: forgotten
    expect(cache.get('token-a', 1000)).toBeUndefined();
  });

  test('a flood of distinct tokens never grows the cache past its bound', async () => {
    const { verifier } = await verifierFor({ tokenCacheSize: 5 });
    for (let i = 0; i < 40; i++) await verifier.verify(await issuer.sign({ claims: { n: i } }));
    expect(verifier.cache.size).toBe(5);
  });

  test('bounded: the least recently used token goes first', async () => {
    const { verifier } = await verifierFor({ tokenCacheSize: 2 });
    const [a, b, c] = await Promise.all([
      issuer.sign({ claims: { n: 1 } }),
      issuer.sign({ claims: { n: 2 } }),
      issuer.sign({ claims: { n: 3 } }),
    ]);
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a is now the most recent
    await verifier.verify(c); // evicts b
    expect(verifier.cache.size).toBe(2);
    expect(verifier.cache.get(a, now())).toBeDefined();
    expect(verifier.cache.get(b, now())).toBeUndefined();
  });

  test('tokenCacheSize 0 disables the cache', async () => {
    const { verifier } = await verifierFor({ tokenCacheSize: 0 });
    await verifier.verify(await issuer.sign());
    expect(verifier.cache.size).toBe(0);
  });
});
