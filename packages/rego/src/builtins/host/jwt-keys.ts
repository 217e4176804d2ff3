/**
 * Verification keys for io.jwt.*, from the forms OPA accepts: a PEM certificate, a PEM public key,
 * a single JWK or a JWK Set (JSON). A PEM block is never valid JSON and vice versa, so the text
 * itself says which form it is.
 */
import { JsonWebKey, KeyObject, X509Certificate, createPublicKey, createSecretKey } from 'node:crypto';
import { BoundedCache } from './bounded-cache';
import { fail } from './errors';
import { isArray, isObject, isString } from './values';

export interface VerificationKey {
  key: KeyObject;
  /** `alg` of a JWK, '' for PEM input (then any algorithm may try the key) */
  alg: string;
  /** `kid` of a JWK, '' when absent */
  kid: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/;

function keysFromPem(builtin: string, text: string, block: RegExpExecArray): VerificationKey[] {
  // Whitespace after the block is harmless; anything else means the caller passed something unexpected.
  if (text.slice(block.index + block[0].length).trim() !== '') fail(builtin, 'extra data after a PEM certificate block');
  const type = block[1];
  try {
    if (type === 'CERTIFICATE') return [{ key: new X509Certificate(block[0]).publicKey, alg: '', kid: '' }];
    if (type === 'PUBLIC KEY') return [{ key: createPublicKey(block[0]), alg: '', kid: '' }];
  } catch (e) {
    return fail(builtin, `failed to parse a PEM ${type === 'CERTIFICATE' ? 'certificate' : 'public key'}: ${(e as Error).message}`);
  }
  return fail(builtin, 'failed to extract a Key from the PEM certificate');
}

function keyFromJwk(builtin: string, jwk: unknown): VerificationKey {
  if (!isObject(jwk) || !isString(jwk.kty)) return fail(builtin, 'failed to parse a JWK key (set): missing "kty"');
  const alg = isString(jwk.alg) ? jwk.alg : '';
  const kid = isString(jwk.kid) ? jwk.kid : '';
  try {
    if (jwk.kty === 'oct') {
      if (!isString(jwk.k)) return fail(builtin, 'failed to parse a JWK key (set): missing "k"');
      return { key: createSecretKey(Buffer.from(jwk.k, 'base64url')), alg, kid };
    }
    // Only the public members: a private JWK must still verify, like OPA's materialised public key.
    const { kty, n, e, crv, x, y } = jwk;
    const pub = Object.fromEntries(Object.entries({ kty, n, e, crv, x, y }).filter(([, v]) => v !== undefined));
    return { key: createPublicKey({ key: pub as JsonWebKey, format: 'jwk' }), alg, kid };
  } catch (e) {
    return fail(builtin, `failed to parse a JWK key (set): ${(e as Error).message}`);
  }
}

function keysFromJson(builtin: string, text: string): VerificationKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(builtin, `failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  if (isObject(parsed) && isArray(parsed.keys)) return parsed.keys.map((k) => keyFromJwk(builtin, k));
  return [keyFromJwk(builtin, parsed)];
}

/** Parsed keys by their text: policies verify many tokens against the same few keys. */
const cache = new BoundedCache<VerificationKey[]>(100);

/** The keys in `text`; a malformed key is a builtin error (as in OPA), reported under `builtin`. */
export function verificationKeys(builtin: string, text: string): VerificationKey[] {
  return cache.get(text, () => {
    const block = PEM_BLOCK.exec(text);
    return block ? keysFromPem(builtin, text, block) : keysFromJson(builtin, text);
  });
}
