/**
 * Bundle signatures as OPA writes them (bundle/sign.go, bundle/hash.go): `/.signatures.json` holds
 * `{"signatures": [<one JWS compact token>]}` whose payload lists every other file of the bundle as
 * `{name, hash, algorithm}`. Structured files (data.json, data.yaml, .manifest) are hashed over OPA's canonical
 * JSON form (keys sorted bytewise, numbers as written, Go's string escaping), others over their bytes, so that
 * whitespace in JSON does not change a signature. Verification lives with the bundle client (@opa-jwt/core).
 */
import { createHash, createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CompactSign } from 'jose';
import { normalizePath } from './bundle';
import { readTar, writeTar } from './tar';

export const SIGNATURES_FILE = '.signatures.json';

export class SignatureFormatError extends Error {
  override readonly name = 'SignatureFormatError';
}

export function isStructured(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === 'data.yml' || base === '.manifest' || base === SIGNATURES_FILE;
}

/** Go's json.Encoder (HTML escaping off) for a string: like JSON.stringify but U+2028/U+2029 escaped too. */
function goString(value: string): string {
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

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
    throw new SignatureFormatError(`invalid JSON at offset ${at}`);
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
  if (!hash) throw new SignatureFormatError(`unsupported hashing algorithm: ${algorithm}`);
  const input = isStructured(name) ? Buffer.from(canonicalJson(content.toString('utf8'))) : content;
  return createHash(hash).update(input).digest('hex');
}

export interface SigningOptions {
  key: KeyObject | Uint8Array;
  /** RS256, PS384, ES512, HS256, ... */
  algorithm: string;
  /** The JWS `kid` header. */
  keyId?: string;
  scope?: string;
  /** Extra payload claims (`opa build --claims-file`), e.g. `keyid`, `iss`. */
  claims?: Record<string, unknown>;
}

/** The `.signatures.json` content OPA's `opa sign` would write for these files. */
export async function signFiles(files: Map<string, Buffer>, options: SigningOptions): Promise<string> {
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

/** A signing key from its file content: a PEM private key, or (HS algorithms) the secret itself. */
export function signingKey(content: string | Buffer, algorithm: string): KeyObject {
  if (/^HS/.test(algorithm)) return createSecretKey(Buffer.from(content));
  return createPrivateKey(content);
}

/** The bundle archive with a `/.signatures.json` over all its other files (an existing one is replaced). */
export async function signBundle(archive: Uint8Array, options: SigningOptions): Promise<Buffer> {
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const tar = buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer) : buffer;
  const files = new Map<string, Buffer>();
  for (const entry of readTar(tar)) {
    if (entry.type !== 'file') continue;
    const name = normalizePath(entry.path);
    if (name !== '' && name !== SIGNATURES_FILE) files.set(name, entry.content);
  }
  const signatures = await signFiles(files, options);
  return gzipSync(
    writeTar([
      { path: `/${SIGNATURES_FILE}`, content: signatures },
      ...[...files].map(([name, content]) => ({ path: `/${name}`, content })),
    ]),
  );
}
