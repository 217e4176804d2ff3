/** io.jwt.* against tokens signed here with real keys (node:crypto), in every key form OPA accepts. */
import { KeyObject, X509Certificate, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { call, callError } from './helpers';
import { selfSignedCertificate } from './x509';

const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

type Signer = (input: Buffer) => Buffer;

function token(header: object, payload: unknown, signer: Signer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signer(Buffer.from(input)).toString('base64url')}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed = generateKeyPairSync('ed25519');

const pemOf = (k: KeyObject): string => k.export({ type: 'spki', format: 'pem' }) as string;
const jwkOf = (k: KeyObject, extra: object = {}): object => ({ ...k.export({ format: 'jwk' }), ...extra });

const signers = {
  RS:
    (hash: string, key: KeyObject): Signer =>
    (input) =>
      sign(hash, input, key),
  PS:
    (hash: string, key: KeyObject): Signer =>
    (input) =>
      sign(hash, input, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(hash.slice(3)) / 8 }),
  ES:
    (hash: string, key: KeyObject): Signer =>
    (input) =>
      sign(hash, input, { key, dsaEncoding: 'ieee-p1363' }),
  EdDSA:
    (key: KeyObject): Signer =>
    (input) =>
      sign(null, input, key),
  HS:
    (hash: string, secret: string): Signer =>
    (input) =>
      createHmac(hash, secret).update(input).digest(),
};

const CLAIMS = { sub: 'alice', iss: 'https://issuer.example', aud: 'api', roles: ['admin'] };

describe('io.jwt.decode', () => {
  it('returns [header, payload, signature as hex]', () => {
    const jwt = token({ alg: 'HS256', typ: 'JWT' }, CLAIMS, signers.HS('sha256', 'secret'));
    const sigHex = Buffer.from(jwt.split('.')[2], 'base64url').toString('hex');
    expect(call('io.jwt.decode', jwt)).toEqual([{ alg: 'HS256', typ: 'JWT' }, CLAIMS, sigHex]);
  });

  it("decodes OPA's documented example token", () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const [header, payload] = call('io.jwt.decode', jwt) as unknown[];
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ sub: '1234567890', name: 'John Doe', iat: 1516239022 });
  });

  it('decodes a nested token (cty JWT) in its place', () => {
    const inner = token({ alg: 'HS256' }, { sub: 'inner' }, signers.HS('sha256', 's'));
    const outer = token({ alg: 'HS256', cty: 'JWT' }, `"${inner}"`, signers.HS('sha256', 's'));
    expect((call('io.jwt.decode', outer) as unknown[])[1]).toEqual({ sub: 'inner' });
  });

  it('raises errors for malformed tokens', () => {
    expect(callError('io.jwt.decode', 'abc').message).toMatch(/no period separators/);
    expect(callError('io.jwt.decode', 'a.b').message).toMatch(/must have 3 sections, found 2/);
    expect(callError('io.jwt.decode', `${b64url([1])}.${b64url({})}.`).message).toMatch(/not an Object/);
    expect(callError('io.jwt.decode', `${b64url({ alg: 'x' })}.%%%.`).message).toMatch(/payload had invalid encoding/);
    expect(callError('io.jwt.decode', `${b64url({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.${b64url({})}.`).message).toMatch(/JWE/);
    expect(call('io.jwt.decode', 42)).toBeUndefined();
  });
});

describe('io.jwt.verify_*', () => {
  const rsaCert = selfSignedCertificate(rsa.publicKey, rsa.privateKey);
  const ecCert = selfSignedCertificate(p256.publicKey, p256.privateKey);
  const edCert = selfSignedCertificate(ed.publicKey, ed.privateKey);

  it('test certificates are genuine', () => {
    expect(new X509Certificate(rsaCert).verify(rsa.publicKey)).toBe(true);
    expect(new X509Certificate(ecCert).verify(p256.publicKey)).toBe(true);
    expect(new X509Certificate(edCert).verify(ed.publicKey)).toBe(true);
  });

  it.each([
    ['rs256', 'RS256', signers.RS('sha256', rsa.privateKey)],
    ['rs384', 'RS384', signers.RS('sha384', rsa.privateKey)],
    ['rs512', 'RS512', signers.RS('sha512', rsa.privateKey)],
    ['ps256', 'PS256', signers.PS('sha256', rsa.privateKey)],
    ['ps384', 'PS384', signers.PS('sha384', rsa.privateKey)],
    ['ps512', 'PS512', signers.PS('sha512', rsa.privateKey)],
  ])("verify_%s accepts the signer's certificate, public key and JWK(S), and nothing else", (suffix, alg, signer) => {
    const name = `io.jwt.verify_${suffix}`;
    const jwt = token({ alg, typ: 'JWT' }, CLAIMS, signer);
    expect(call(name, jwt, rsaCert)).toBe(true);
    expect(call(name, jwt, pemOf(rsa.publicKey))).toBe(true);
    expect(call(name, jwt, JSON.stringify(jwkOf(rsa.publicKey)))).toBe(true);
    expect(call(name, jwt, JSON.stringify({ keys: [jwkOf(otherRsa.publicKey), jwkOf(rsa.publicKey)] }))).toBe(true);
    expect(call(name, jwt, pemOf(otherRsa.publicKey))).toBe(false);
    expect(call(name, jwt, pemOf(p256.publicKey))).toBe(false);
    const [h, , s] = jwt.split('.');
    expect(call(name, `${h}.${b64url({ ...CLAIMS, roles: ['root'] })}.${s}`, rsaCert)).toBe(false);
  });

  it.each([
    ['es256', 'ES256', p256, signers.ES('sha256', p256.privateKey)],
    ['es384', 'ES384', p384, signers.ES('sha384', p384.privateKey)],
    ['es512', 'ES512', p521, signers.ES('sha512', p521.privateKey)],
  ])('verify_%s with JOSE (r‖s) signatures', (suffix, alg, pair, signer) => {
    const name = `io.jwt.verify_${suffix}`;
    const jwt = token({ alg }, CLAIMS, signer);
    expect(call(name, jwt, pemOf(pair.publicKey))).toBe(true);
    expect(call(name, jwt, JSON.stringify({ keys: [jwkOf(pair.publicKey)] }))).toBe(true);
    expect(call(name, jwt, pemOf(rsa.publicKey))).toBe(false);
    const [h, p] = jwt.split('.');
    expect(call(name, `${h}.${p}.${Buffer.alloc(8).toString('base64url')}`, pemOf(pair.publicKey))).toBe(false);
  });

  it('verify_es256 with a certificate', () => {
    expect(call('io.jwt.verify_es256', token({ alg: 'ES256' }, CLAIMS, signers.ES('sha256', p256.privateKey)), ecCert)).toBe(true);
  });

  it('verify_eddsa', () => {
    const jwt = token({ alg: 'EdDSA' }, CLAIMS, signers.EdDSA(ed.privateKey));
    expect(call('io.jwt.verify_eddsa', jwt, edCert)).toBe(true);
    expect(call('io.jwt.verify_eddsa', jwt, JSON.stringify(jwkOf(ed.publicKey)))).toBe(true);
    expect(call('io.jwt.verify_eddsa', jwt, pemOf(generateKeyPairSync('ed25519').publicKey))).toBe(false);
  });

  it('picks the JWKS key by kid, and skips keys whose alg differs from the header', () => {
    const jwt = token({ alg: 'RS256', kid: 'k2' }, CLAIMS, signers.RS('sha256', rsa.privateKey));
    const jwks = (keys: object[]): string => JSON.stringify({ keys });
    expect(call('io.jwt.verify_rs256', jwt, jwks([jwkOf(otherRsa.publicKey, { kid: 'k1' }), jwkOf(rsa.publicKey, { kid: 'k2' })]))).toBe(
      true,
    );
    // The kid names the wrong key: only that key is tried.
    expect(call('io.jwt.verify_rs256', jwt, jwks([jwkOf(otherRsa.publicKey, { kid: 'k2' }), jwkOf(rsa.publicKey, { kid: 'k3' })]))).toBe(
      false,
    );
    const noKid = token({ alg: 'RS256' }, CLAIMS, signers.RS('sha256', rsa.privateKey));
    expect(call('io.jwt.verify_rs256', noKid, jwks([jwkOf(rsa.publicKey, { alg: 'RS512' })]))).toBe(false);
    expect(call('io.jwt.verify_rs256', noKid, jwks([jwkOf(rsa.publicKey, { alg: 'RS256' })]))).toBe(true);
  });

  it('verify_hs* with a shared secret', () => {
    for (const [suffix, hash] of [
      ['256', 'sha256'],
      ['384', 'sha384'],
      ['512', 'sha512'],
    ]) {
      const jwt = token({ alg: `HS${suffix}` }, CLAIMS, signers.HS(hash, 'secret'));
      expect(call(`io.jwt.verify_hs${suffix}`, jwt, 'secret')).toBe(true);
      expect(call(`io.jwt.verify_hs${suffix}`, jwt, 'Secret')).toBe(false);
    }
  });

  it('raises errors for unusable keys and malformed signatures', () => {
    const jwt = token({ alg: 'RS256' }, CLAIMS, signers.RS('sha256', rsa.privateKey));
    expect(callError('io.jwt.verify_rs256', jwt, 'not a key').message).toMatch(/failed to parse a JWK/);
    expect(callError('io.jwt.verify_rs256', jwt, '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----').message).toMatch(
      /failed to extract a Key/,
    );
    expect(callError('io.jwt.verify_rs256', `${jwt}x!`, rsaCert).message).toMatch(/signature had invalid encoding/);
    expect(callError('io.jwt.verify_hs256', 'nodots', 'secret').message).toMatch(/no period separators/);
  });
});

describe('io.jwt.decode_verify', () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { ...CLAIMS, nbf: now - 60, exp: now + 600 };
  const rs = (payload: unknown, header: object = { alg: 'RS256', typ: 'JWT' }): string =>
    token(header, payload, signers.RS('sha256', rsa.privateKey));
  const cert = pemOf(rsa.publicKey);

  it('verifies the signature and the claims, returning [true, header, payload]', () => {
    const jwt = rs(claims);
    expect(call('io.jwt.decode_verify', jwt, { cert, iss: CLAIMS.iss, aud: 'api' })).toEqual([true, { alg: 'RS256', typ: 'JWT' }, claims]);
    expect((call('io.jwt.decode_verify', jwt, { cert, alg: 'RS256', aud: 'api' }) as unknown[])[0]).toBe(true);
  });

  it('answers [false, {}, {}] when a check fails', () => {
    const jwt = rs(claims);
    const unverified = [false, {}, {}];
    expect(call('io.jwt.decode_verify', jwt, { cert: pemOf(otherRsa.publicKey), aud: 'api' })).toEqual(unverified);
    expect(call('io.jwt.decode_verify', jwt, { cert, aud: 'api', alg: 'RS512' })).toEqual(unverified);
    expect(call('io.jwt.decode_verify', jwt, { cert, aud: 'api', iss: 'someone else' })).toEqual(unverified);
    expect(call('io.jwt.decode_verify', jwt, { cert, aud: 'other' })).toEqual(unverified);
    // A token with an audience needs an aud constraint naming it.
    expect(call('io.jwt.decode_verify', jwt, { cert })).toEqual(unverified);
    // ...and an aud constraint needs a token audience.
    const { aud: _aud, ...noAud } = claims;
    expect(call('io.jwt.decode_verify', rs(noAud), { cert, aud: 'api' })).toEqual(unverified);
    expect((call('io.jwt.decode_verify', rs(noAud), { cert }) as unknown[])[0]).toBe(true);
    expect((call('io.jwt.decode_verify', rs({ ...claims, aud: ['x', 'api'] }), { cert, aud: 'api' }) as unknown[])[0]).toBe(true);
  });

  it("checks exp and nbf against the time constraint (ns) or the evaluation's time.now_ns", () => {
    const jwt = rs({ sub: 'a', nbf: 1000, exp: 2000 });
    const at = (seconds: number): unknown => (call('io.jwt.decode_verify', jwt, { cert, time: seconds * 1e9 }) as unknown[])[0];
    expect([at(999), at(1000), at(1999), at(2000)]).toEqual([false, true, true, false]);
    expect((call('io.jwt.decode_verify', jwt, { cert }) as unknown[])[0]).toBe(false); // expired long ago
    expect((call('io.jwt.decode_verify', rs({ exp: now + 60 }), { cert }) as unknown[])[0]).toBe(true);
    expect(callError('io.jwt.decode_verify', rs({ exp: 'soon' }), { cert }).message).toMatch(/exp value must be a number/);
  });

  it('verifies HMAC tokens with a secret, JWKS keys by kid, certificates and EdDSA', () => {
    const hs = token({ alg: 'HS256' }, { sub: 'a' }, signers.HS('sha256', 'k3y'));
    expect((call('io.jwt.decode_verify', hs, { secret: 'k3y' }) as unknown[])[0]).toBe(true);
    expect((call('io.jwt.decode_verify', hs, { secret: 'nope' }) as unknown[])[0]).toBe(false);
    const es = token({ alg: 'ES256', kid: 'ec-1' }, { sub: 'a' }, signers.ES('sha256', p256.privateKey));
    const jwks = JSON.stringify({ keys: [jwkOf(rsa.publicKey, { kid: 'rsa-1' }), jwkOf(p256.publicKey, { kid: 'ec-1' })] });
    expect((call('io.jwt.decode_verify', es, { cert: jwks }) as unknown[])[0]).toBe(true);
    expect(
      (call('io.jwt.decode_verify', rs({ sub: 'a' }), { cert: selfSignedCertificate(rsa.publicKey, rsa.privateKey) }) as unknown[])[0],
    ).toBe(true);
    const eddsa = token({ alg: 'EdDSA' }, { sub: 'a' }, signers.EdDSA(ed.privateKey));
    expect((call('io.jwt.decode_verify', eddsa, { cert: pemOf(ed.publicKey) }) as unknown[])[0]).toBe(true);
  });

  it('verifies nested tokens layer by layer', () => {
    const inner = rs({ sub: 'inner' });
    const outer = token({ alg: 'RS256', cty: 'JWT' }, inner, signers.RS('sha256', rsa.privateKey));
    expect(call('io.jwt.decode_verify', outer, { cert })).toEqual([true, { alg: 'RS256', typ: 'JWT' }, { sub: 'inner' }]);
  });

  it('rejects unknown critical headers and a missing alg', () => {
    expect(call('io.jwt.decode_verify', rs({}, { alg: 'RS256', crit: ['b64x'], b64x: true }), { cert })).toEqual([false, {}, {}]);
    expect((call('io.jwt.decode_verify', rs({}, { alg: 'RS256', crit: ['kid'], kid: 'x' }), { cert }) as unknown[])[0]).toBe(true);
    expect(
      call(
        'io.jwt.decode_verify',
        token({ typ: 'JWT' }, {}, () => Buffer.alloc(0)),
        { cert },
      ),
    ).toEqual([false, {}, {}]);
  });

  it('raises errors for bad constraints and unusable tokens, as OPA does', () => {
    const jwt = rs(claims);
    expect(callError('io.jwt.decode_verify', jwt, { cert, foo: 1 }).message).toMatch(/unknown token validation constraint: foo/);
    expect(callError('io.jwt.decode_verify', jwt, { cert, secret: 's' }).message).toMatch(/duplicate key constraints/);
    expect(callError('io.jwt.decode_verify', jwt, { aud: 'api' }).message).toMatch(/no key constraint/);
    expect(callError('io.jwt.decode_verify', jwt, { cert, time: 'now' }).message).toMatch(/must be a number/);
    expect(
      callError(
        'io.jwt.decode_verify',
        token({ alg: 'none' }, {}, () => Buffer.alloc(0)),
        { cert },
      ).message,
    ).toMatch(/unknown JWS algorithm: none/);
    expect(callError('io.jwt.decode_verify', 'garbage', { cert }).message).toMatch(/no period separators/);
    expect(call('io.jwt.decode_verify', jwt, 'constraints')).toBeUndefined();
  });
});
