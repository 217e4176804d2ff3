/**
 * Bundle signatures as OPA checks them (bundle/verify.go, bundle/hash.go): `/.signatures.json` holds
 * `{"signatures": [<one JWS compact token>]}` whose payload lists every other file of the bundle as
 * `{name, hash, algorithm}`. Verification picks the key by the configured `keyid`, else the token's `kid` header,
 * else the payload's deprecated `keyid`; checks the JWS with that key's algorithm; requires the payload `scope` to
 * equal the configured one (or the key's); then requires each file's digest to match and every listed file to exist.
 * Digests are computed as OPA does (see @opa-jwt/rego's bundle/signatures.ts).
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { fileDigest, SIGNATURES_FILE } from '@opa-jwt/rego';
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { KeyConfig, SigningConfig } from './config';

export class BundleSignatureError extends Error {
  override readonly name = 'BundleSignatureError';
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
  if (!Array.isArray(signatures) || signatures.length === 0)
    throw new BundleSignatureError('.signatures.json: missing JWT (expected exactly one)');
  if (signatures.length > 1) throw new BundleSignatureError('.signatures.json: multiple JWTs not supported (expected exactly one)');
  const token = signatures[0];
  if (typeof token !== 'string') throw new BundleSignatureError('.signatures.json: the signature must be a string');

  let header: Record<string, unknown>;
  let claimed: { files?: unknown; keyid?: unknown; scope?: unknown };
  try {
    header = decodeProtectedHeader(token);
    claimed = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch (error) {
    throw new BundleSignatureError(`.signatures.json: the JWT cannot be decoded: ${(error as Error).message}`);
  }
  const keyId =
    signing.keyid || (typeof header.kid === 'string' ? header.kid : '') || (typeof claimed.keyid === 'string' ? claimed.keyid : '');
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
  for (const file of Array.isArray(claimed.files) ? (claimed.files as SignedFile[]) : [])
    listed.set(String(file.name).replace(/^\/+/, ''), file);
  for (const [name, content] of files) {
    if (name === SIGNATURES_FILE || signing.excludeFiles.includes(name)) continue;
    const entry = listed.get(name);
    if (!entry) throw new BundleSignatureError(`file ${name} not included in bundle signature`);
    if (!entry.algorithm) throw new BundleSignatureError(`no hashing algorithm provided for file ${name}`);
    if (digestOrFail(name, content, entry.algorithm) !== String(entry.hash).toLowerCase())
      throw new BundleSignatureError(`${name}: digest mismatch`);
    listed.delete(name);
  }
  if (listed.size > 0)
    throw new BundleSignatureError(
      `file(s) ${[...listed.keys()].join(', ')} specified in bundle signatures but not found in the target bundle`,
    );
}

function digestOrFail(name: string, content: Buffer, algorithm: string): string {
  try {
    return fileDigest(name, content, algorithm);
  } catch (error) {
    throw new BundleSignatureError(`${name}: ${(error as Error).message}`);
  }
}
