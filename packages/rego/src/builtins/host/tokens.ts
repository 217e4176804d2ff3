/**
 * io.jwt.decode, io.jwt.verify_* and io.jwt.decode_verify with OPA's rules (topdown/tokens.go):
 * malformed tokens and keys are builtin errors; a signature or claim that does not check out is
 * `false` / `[false, {}, {}]`.
 */
import { KeyObject, constants, createHmac, timingSafeEqual, verify } from 'node:crypto';
import { decodeBase64Url } from './encoding';
import { fail } from './errors';
import { VerificationKey, verificationKeys } from './jwt-keys';
import { currentTimeNs } from './time';
import { Impl, JsonObject, isArray, isNumber, isObject, isString } from './values';

/** The three base64url sections of a compact JWS. */
interface EncodedToken {
  header: string;
  payload: string;
  signature: string;
}

function splitToken(builtin: string, jwt: string): EncodedToken {
  if (!jwt.includes('.')) fail(builtin, 'encoded JWT had no period separators');
  const parts = jwt.split('.');
  if (parts.length !== 3) fail(builtin, `encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0], payload: parts[1], signature: parts[2] };
}

function decodeSection(builtin: string, section: string, what: string): Buffer {
  return decodeBase64Url(section) ?? fail(builtin, `JWT ${what} had invalid encoding: illegal base64url string`);
}

function jsonObject(builtin: string, text: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(builtin, `${what}invalid JSON: ${(e as Error).message}`);
  }
  return isObject(value) ? value : fail(builtin, `${what}decoded JSON type was not an Object`);
}

function decodeHeader(builtin: string, token: EncodedToken): JsonObject {
  const header = jsonObject(builtin, decodeSection(builtin, token.header, 'header').toString('utf8'), 'bad JWT header: ');
  if (Object.prototype.hasOwnProperty.call(header, 'enc')) fail(builtin, 'JWT is a JWE object, which is not supported');
  return header;
}

/** The JOSE header fields OPA interprets; others are "unknown" (relevant for `crit`). */
interface Header {
  alg: string;
  kid: string;
  cty: string;
  crit: Set<string>;
  unknown: string[];
}

const KNOWN_HEADER_FIELDS = new Set(['alg', 'kid', 'typ', 'cty', 'crit']);

function parseHeader(builtin: string, h: JsonObject): Header {
  const str = (name: string): string => {
    const v = h[name];
    if (v === undefined) return '';
    return isString(v) ? v : fail(builtin, `${name}: must be a string`);
  };
  str('typ');
  let crit = new Set<string>();
  if (h.crit !== undefined) {
    if (!isArray(h.crit)) fail(builtin, 'crit: must be a list');
    if (!h.crit.every(isString)) fail(builtin, 'crit: must be a list of strings');
    crit = new Set(h.crit);
    if (crit.size === 0) fail(builtin, 'crit: must be a nonempty list');
  }
  return { alg: str('alg'), kid: str('kid'), cty: str('cty'), crit, unknown: Object.keys(h).filter((k) => !KNOWN_HEADER_FIELDS.has(k)) };
}

/** RFC 7515: `alg` is required, and a critical parameter we do not understand invalidates the token. */
const headerValid = (h: Header): boolean => h.alg !== '' && !h.unknown.some((u) => h.crit.has(u));

// ---- signature algorithms ----

type Scheme = 'pkcs1' | 'pss' | 'ecdsa' | 'hmac' | 'eddsa';

interface Algorithm {
  scheme: Scheme;
  /** digest name for node:crypto; unused for EdDSA */
  hash: string;
}

const ALGORITHMS: Record<string, Algorithm> = {
  RS256: { scheme: 'pkcs1', hash: 'sha256' },
  RS384: { scheme: 'pkcs1', hash: 'sha384' },
  RS512: { scheme: 'pkcs1', hash: 'sha512' },
  PS256: { scheme: 'pss', hash: 'sha256' },
  PS384: { scheme: 'pss', hash: 'sha384' },
  PS512: { scheme: 'pss', hash: 'sha512' },
  ES256: { scheme: 'ecdsa', hash: 'sha256' },
  ES384: { scheme: 'ecdsa', hash: 'sha384' },
  ES512: { scheme: 'ecdsa', hash: 'sha512' },
  HS256: { scheme: 'hmac', hash: 'sha256' },
  HS384: { scheme: 'hmac', hash: 'sha384' },
  HS512: { scheme: 'hmac', hash: 'sha512' },
  EdDSA: { scheme: 'eddsa', hash: '' },
};

/** DER INTEGER of unsigned big-endian bytes. */
function derInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let body = bytes.subarray(i);
  if (body.length === 0) body = Buffer.from([0]);
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A JOSE ECDSA signature (r ‖ s, split in half as Go's verifier does) as the DER node:crypto verifies. */
function ecdsaDer(sig: Buffer): Buffer {
  const half = Math.floor(sig.length / 2);
  const body = Buffer.concat([derInteger(sig.subarray(0, half)), derInteger(sig.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

/** Whether `sig` is a valid `alg` signature of `data` under `key`; a key of the wrong kind never verifies. */
function verifySignature(alg: Algorithm, key: KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    switch (alg.scheme) {
      case 'hmac': {
        if (key.type !== 'secret') return false;
        const mac = createHmac(alg.hash, key).update(data).digest();
        return mac.length === sig.length && timingSafeEqual(mac, sig);
      }
      case 'pkcs1':
        return key.asymmetricKeyType === 'rsa' && verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
      case 'pss':
        return (
          (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
          verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig)
        );
      case 'ecdsa':
        return key.asymmetricKeyType === 'ec' && sig.length >= 2 && verify(alg.hash, data, { key, dsaEncoding: 'der' }, ecdsaDer(sig));
      case 'eddsa':
        return (key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448') && verify(null, data, key, sig);
    }
  } catch {
    // Malformed signatures (e.g. an ECDSA integer out of range) simply do not verify.
    return false;
  }
}

const signingInput = (t: EncodedToken): Buffer => Buffer.from(`${t.header}.${t.payload}`, 'utf8');

/**
 * OPA's key selection: with a `kid` in the header that some key carries, only that key is tried;
 * otherwise every key is, except JWKs whose own `alg` differs from the header's.
 */
function verifyWithKeys(
  alg: Algorithm,
  headerAlg: string,
  kid: string,
  keys: VerificationKey[],
  token: EncodedToken,
  sig: Buffer,
): boolean {
  const data = signingInput(token);
  if (kid !== '') {
    const byKid = keys.find((k) => k.kid === kid);
    if (byKid) return verifySignature(alg, byKid.key, data, sig);
  }
  return keys.some((k) => (k.alg === '' || k.alg === headerAlg) && verifySignature(alg, k.key, data, sig));
}

/** io.jwt.verify_{rs,ps,es}*, verify_eddsa: the algorithm is the builtin's, whatever the header says. */
function verifyAsymmetric(name: string, algName: string): Impl {
  const alg = ALGORITHMS[algName];
  return (jwt, keyText) => {
    if (!isString(jwt) || !isString(keyText)) return undefined;
    const token = splitToken(name, jwt);
    const keys = verificationKeys(name, keyText);
    const sig = decodeSection(name, token.signature, 'signature');
    const header = parseHeader(name, decodeHeader(name, token));
    return verifyWithKeys(alg, header.alg, header.kid, keys, token, sig);
  };
}

/** io.jwt.verify_hs*: the secret is the key's raw UTF-8 bytes; the header is not even decoded (as in OPA). */
function verifyHmac(name: string, hash: string): Impl {
  return (jwt, secret) => {
    if (!isString(jwt) || !isString(secret)) return undefined;
    const token = splitToken(name, jwt);
    const mac = createHmac(hash, Buffer.from(secret, 'utf8')).update(signingInput(token)).digest();
    const sig = decodeSection(name, token.signature, 'signature');
    return mac.length === sig.length && timingSafeEqual(mac, sig);
  };
}

function decodeToken(jwt: string): unknown[] {
  const name = 'io.jwt.decode';
  const token = splitToken(name, jwt);
  const header = decodeHeader(name, token);
  const payloadText = decodeSection(name, token.payload, 'payload').toString('utf8');
  // A nested token (cty "JWT") is decoded in its place; jwt.io quotes it, hence the trim.
  if (header.cty === 'JWT') return decodeToken(payloadText.replace(/^["']+|["']+$/g, ''));
  const payload = jsonObject(name, payloadText, '');
  const sig = decodeSection(name, token.signature, 'signature');
  return [header, payload, sig.toString('hex')];
}

// ---- io.jwt.decode_verify ----

interface Constraints {
  keys?: VerificationKey[];
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  /** ns since the epoch */
  time: number;
}

function parseConstraints(c: JsonObject): Constraints {
  const name = 'io.jwt.decode_verify';
  const out: Constraints = { secret: '', alg: '', iss: '', aud: '', time: -1 };
  const str = (k: string, v: unknown): string => (isString(v) ? v : fail(name, `${k} constraint: must be a string`));
  for (const [k, v] of Object.entries(c)) {
    switch (k) {
      case 'cert':
        out.keys = verificationKeys(name, isString(v) ? v : fail(name, 'cert constraint: must be a string'));
        break;
      case 'secret':
      case 'alg':
      case 'iss':
      case 'aud':
        out[k] = str(k, v);
        break;
      case 'time':
        if (!isNumber(v)) fail(name, 'token time constraint: must be a number');
        if (v < 0) fail(name, 'token time constraint: must not be negative');
        out.time = v;
        break;
      default:
        fail(name, `unknown token validation constraint: ${k}`);
    }
  }
  if (out.time === -1) out.time = currentTimeNs();
  const keySources = (out.keys !== undefined ? 1 : 0) + (out.secret !== '' ? 1 : 0);
  if (keySources > 1) fail(name, 'duplicate key constraints');
  if (keySources < 1) fail(name, 'no key constraint');
  return out;
}

function validAudience(aud: unknown, wanted: string): boolean {
  if (isString(aud)) return aud === wanted;
  return isArray(aud) && aud.some((a) => isString(a) && a === wanted);
}

const UNVERIFIED = (): unknown[] => [false, {}, {}];

function decodeVerify(jwt: unknown, constraintsArg: unknown): unknown[] | undefined {
  const name = 'io.jwt.decode_verify';
  if (!isString(jwt) || !isObject(constraintsArg)) return undefined;
  const c = parseConstraints(constraintsArg);
  let text = jwt;
  let header: JsonObject;
  let payloadText: string;
  for (;;) {
    const token = splitToken(name, text);
    header = decodeHeader(name, token);
    const h = parseHeader(name, header);
    if (!headerValid(h)) return UNVERIFIED();
    if (c.alg !== '' && c.alg !== h.alg) return UNVERIFIED();
    const sig = decodeSection(name, token.signature, 'signature');
    const alg = ALGORITHMS[h.alg];
    if (!Object.prototype.hasOwnProperty.call(ALGORITHMS, h.alg)) fail(name, `unknown JWS algorithm: ${h.alg}`);
    let verified: boolean;
    if (c.keys !== undefined) verified = verifyWithKeys(alg, h.alg, h.kid, c.keys, token, sig);
    else {
      // OPA hands the secret to the header's algorithm; an asymmetric one cannot use it.
      if (alg.scheme !== 'hmac') fail(name, 'incorrect public key type');
      const mac = createHmac(alg.hash, Buffer.from(c.secret, 'utf8')).update(signingInput(token)).digest();
      verified = mac.length === sig.length && timingSafeEqual(mac, sig);
    }
    if (!verified) return UNVERIFIED();
    payloadText = decodeSection(name, token.payload, 'payload').toString('utf8');
    if (h.cty.toUpperCase() !== 'JWT') break;
    text = payloadText;
  }
  const payload = jsonObject(name, payloadText, '');
  if (c.iss !== '' && !(isString(payload.iss) && payload.iss === c.iss)) return UNVERIFIED();
  if (payload.aud !== undefined ? !validAudience(payload.aud, c.aud) : c.aud !== '') return UNVERIFIED();
  const nowSeconds = c.time / 1e9;
  if (payload.exp !== undefined) {
    if (!isNumber(payload.exp)) fail(name, 'exp value must be a number');
    if (nowSeconds >= payload.exp) return UNVERIFIED();
  }
  if (payload.nbf !== undefined) {
    if (!isNumber(payload.nbf)) fail(name, 'nbf value must be a number');
    if (nowSeconds < payload.nbf) return UNVERIFIED();
  }
  return [true, header, payload];
}

export const tokenBuiltins: Record<string, Impl> = {
  'io.jwt.decode': (jwt) => (isString(jwt) ? decodeToken(jwt) : undefined),
  'io.jwt.verify_rs256': verifyAsymmetric('io.jwt.verify_rs256', 'RS256'),
  'io.jwt.verify_rs384': verifyAsymmetric('io.jwt.verify_rs384', 'RS384'),
  'io.jwt.verify_rs512': verifyAsymmetric('io.jwt.verify_rs512', 'RS512'),
  'io.jwt.verify_ps256': verifyAsymmetric('io.jwt.verify_ps256', 'PS256'),
  'io.jwt.verify_ps384': verifyAsymmetric('io.jwt.verify_ps384', 'PS384'),
  'io.jwt.verify_ps512': verifyAsymmetric('io.jwt.verify_ps512', 'PS512'),
  'io.jwt.verify_es256': verifyAsymmetric('io.jwt.verify_es256', 'ES256'),
  'io.jwt.verify_es384': verifyAsymmetric('io.jwt.verify_es384', 'ES384'),
  'io.jwt.verify_es512': verifyAsymmetric('io.jwt.verify_es512', 'ES512'),
  'io.jwt.verify_eddsa': verifyAsymmetric('io.jwt.verify_eddsa', 'EdDSA'),
  'io.jwt.verify_hs256': verifyHmac('io.jwt.verify_hs256', 'sha256'),
  'io.jwt.verify_hs384': verifyHmac('io.jwt.verify_hs384', 'sha384'),
  'io.jwt.verify_hs512': verifyHmac('io.jwt.verify_hs512', 'sha512'),
  'io.jwt.decode_verify': decodeVerify,
};
