/**
 * Bundle signatures as OPA writes and checks them (bundle/verify.go, bundle/hash.go): `/.signatures.json` holds
 * `{"signatures": [<one JWS compact token>]}` whose payload lists every other file of the bundle as
 * `{name, hash, algorithm}`. Verification picks the key by the configured `keyid`, else the token's `kid` header,
 * else the payload's deprecated `keyid`; checks the JWS with that key's algorithm; requires the payload `scope` to
 * equal the configured one (or the key's); then requires each file's digest to match and every listed file to exist.
 * Structured files (data.json, data.yaml, .manifest) are hashed over OPA's canonical JSON form (keys sorted
 * bytewise, numbers as written), others over their bytes, so whitespace changes in JSON do not break a signature.
 */
import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import type { KeyConfig, SigningConfig } from './config';

export const SIGNATURES_FILE = '.signatures.json';

export class BundleSignatureError extends Error {
  override readonly name = 'BundleSignatureError';
}

const HASHES: Record<string, string> = {
  MD5: 'md5', 'SHA-1': 'sha1', 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224', 'SHA-512-256': 'sha512-256',
};

export function isStructured(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === 'data.yml' || base === '.manifest' || base === SIGNATURES_FILE;
}

/** Go's json.Encoder (HTML escaping off) for a string: like JSON.stringify but U+2028/U+2029 escaped too. */
function goString(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Writes OPA's canonical form of a JSON text: parsed by a small reader that keeps number literals as written
 * (OPA reads with UseNumber), objects with keys in bytewise order and the last duplicate winning (Go's rule).
 */
export function canonicalJson(text: string): string {
  let at = 0;
  const space = (): void => {
    while (at < text.length && ' \t\r\n'.includes(text[at])) at++;
  };
  const bad = (): never => {
    throw new BundleSignatureError(`invalid JSON at offset ${at}`);
  };
  const stringToken = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) bad();
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (): string => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const members = new Map<string, string>();
      space();
      if (text[at] === '}') {
        at++;
        return '{}';
      }
      for (;;) {
        space();
        if (text[at] !== '"') bad();
        const key = stringToken();
        space();
        if (text[at++] !== ':') bad();
        members.set(key, value());
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at++] !== '}') bad();
        break;
      }
      const keys = [...members.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return `{${keys.map((key) => `${goString(key)}:${members.get(key)}`).join(',')}}`;
    }
    if (c === '[') {
      at++;
      const items: string[] = [];
      space();
      if (text[at] === ']') {
        at++;
        return '[]';
      }
      for (;;) {
        items.push(value());
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at++] !== ']') bad();
        break;
      }
      return `[${items.join(',')}]`;
    }
    if (c === '"') return goString(stringToken());
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at, at + 400));
    if (!literal) bad();
    at += literal![0].length;
    return literal![0];
  };
  const result = value();
  space();
  if (at !== text.length) bad();
  return result;
}

/** The digest OPA records for a bundle file, hex. */
export function fileDigest(name: string, content: Buffer, algorithm = 'SHA-256'): string {
  const hash = HASHES[algorithm];
  if (!hash) throw new BundleSignatureError(`unsupported hashing algorithm: ${algorithm}`);
  const input = isStructured(name) ? Buffer.from(canonicalJson(content.toString('utf8'))) : content;
  return createHash(hash).update(input).digest('hex');
}

function verificationKey(config: KeyConfig): KeyObject {
  if (/^HS/.test(config.algorithm)) return createSecretKey(Buffer.from(config.key));
  try {
    return createPublicKey(config.key); // SPKI/PKCS#1 public keys, certificates, or a private key's public half
  } catch (error) {
    throw new BundleSignatureError(`the verification key cannot be read: ${(error as Error).message}`);
  }
}

interface SignedFile {
  name: string;
  hash: string;
  algorithm: string;
}

/**
 * Checks a bundle's files (names without a leading `/`) against its `.signatures.json`; throws
 * BundleSignatureError saying what failed. Files listed in `excludeFiles` are not required to be signed.
 */
export async function verifyBundle(files: Map<string, Buffer>, signing: SigningConfig, keys: Map<string, KeyConfig>): Promise<void> {
  const signaturesFile = files.get(SIGNATURES_FILE);
  if (!signaturesFile) throw new BundleSignatureError('bundle missing .signatures.json file');
  let signatures: unknown;
  try {
    signatures = (JSON.parse(signaturesFile.toString('utf8')) as { signatures?: unknown }).signatures;
  } catch (error) {
    throw new BundleSignatureError(`.signatures.json: ${(error as Error).message}`);
  }
  if (!Array.isArray(signatures) || signatures.length === 0) throw new BundleSignatureError('.signatures.json: missing JWT (expected exactly one)');
  if (signatures.length > 1) throw new BundleSignatureError('.signatures.json: multiple JWTs not supported (expected exactly one)');
  const token = signatures[0];
  if (typeof token !== 'string') throw new BundleSignatureError('.signatures.json: the signature must be a string');

  let header: Record<string, unknown>;
  let claimed: { files?: unknown; keyid?: unknown; scope?: unknown };
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
    claimed = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch (error) {
    throw new BundleSignatureError(`.signatures.json: the JWT cannot be decoded: ${(error as Error).message}`);
  }
  const keyId = signing.keyid || (typeof header.kid === 'string' ? header.kid : '') || (typeof claimed.keyid === 'string' ? claimed.keyid : '');
  if (keyId === '') throw new BundleSignatureError('verification key ID is empty');
  const keyConfig = keys.get(keyId);
  if (!keyConfig) throw new BundleSignatureError(`verification key corresponding to ID ${keyId} not found`);
  try {
    await compactVerify(token, verificationKey(keyConfig), { algorithms: [keyConfig.algorithm] });
  } catch (error) {
    if (error instanceof BundleSignatureError) throw error;
    throw new BundleSignatureError(`the bundle signature does not verify with key ${keyId}: ${(error as Error).message}`);
  }
  const scope = signing.scope || keyConfig.scope;
  if ((typeof claimed.scope === 'string' ? claimed.scope : '') !== scope) throw new BundleSignatureError('scope mismatch');

  const listed = new Map<string, SignedFile>();
  for (const file of Array.isArray(claimed.files) ? (claimed.files as SignedFile[]) : []) listed.set(String(file.name).replace(/^\/+/, ''), file);
  for (const [name, content] of files) {
    if (name === SIGNATURES_FILE || signing.excludeFiles.includes(name)) continue;
    const entry = listed.get(name);
    if (!entry) throw new BundleSignatureError(`file ${name} not included in bundle signature`);
    if (!entry.algorithm) throw new BundleSignatureError(`no hashing algorithm provided for file ${name}`);
    if (fileDigest(name, content, entry.algorithm) !== String(entry.hash).toLowerCase()) throw new BundleSignatureError(`${name}: digest mismatch`);
    listed.delete(name);
  }
  if (listed.size > 0) throw new BundleSignatureError(`file(s) ${[...listed.keys()].join(', ')} specified in bundle signatures but not found in the target bundle`);
}

/** The `.signatures.json` content OPA's `opa sign` would write for these files. */
export async function signFiles(
  files: Map<string, Buffer>,
  options: { key: KeyObject | Uint8Array; algorithm: string; keyId?: string; scope?: string; claims?: Record<string, unknown> },
): Promise<string> {
  const list = [...files]
    .filter(([name]) => name !== SIGNATURES_FILE)
    .map(([name, content]) => ({ name, hash: fileDigest(name, content), algorithm: 'SHA-256' }));
  const payload: Record<string, unknown> = { ...(options.claims ?? {}), files: list };
  if (options.scope) payload.scope = options.scope;
  const header: { alg: string; kid?: string } = { alg: options.algorithm };
  if (options.keyId) header.kid = options.keyId;
  const token = await new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader(header).sign(options.key);
  return JSON.stringify({ signatures: [token] });
}
