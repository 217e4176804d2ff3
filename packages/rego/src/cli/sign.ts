/**
 * Bundle signing on the command line, as OPA's: `opa-jwt build ... --signing-key <file> [--signing-alg RS256]
 * [--claims-file <file>]` signs the bundle it writes, and `opa-jwt sign` signs an existing bundle. The bundle gets a
 * `/.signatures.json` that OPA (and opa-jwt's bundle client) verify with the matching public key (or HMAC secret).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { signBundle, signingKey, type SigningOptions } from '../bundle/signatures';
import { UsageError } from './args';
import type { CliIO } from './main';

export interface SigningFlags {
  /** Path of a PEM private key; for HS algorithms, a file holding the secret, or the secret itself. */
  key?: string;
  algorithm: string;
  claimsFile?: string;
}

export interface SignCommand {
  kind: 'sign';
  signing: SigningFlags & { key: string };
  output?: string;
  bundle: string;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'];
const SIGNING_FLAGS: Record<string, keyof SigningFlags> = {
  '--signing-key': 'key',
  '--signing-alg': 'algorithm',
  '--claims-file': 'claimsFile',
};

/** Takes `--signing-key`, `--signing-alg` or `--claims-file` with its value into `flags`; false for other flags. */
export function takeSigningFlag(flag: string, value: string | undefined, flags: SigningFlags): boolean {
  const key = SIGNING_FLAGS[flag];
  if (!key) return false;
  if (value === undefined || value === '') throw new UsageError(`flag ${flag} needs a value`);
  if (key === 'algorithm' && !ALGORITHMS.includes(value))
    throw new UsageError(`--signing-alg: unsupported algorithm "${value}" (one of ${ALGORITHMS.join(', ')})`);
  flags[key] = value;
  return true;
}

export function isSigningFlag(flag: string): boolean {
  return flag in SIGNING_FLAGS;
}

/** `opa-jwt sign --signing-key <file> [--signing-alg <alg>] [--claims-file <file>] [-o <file>] <bundle.tar.gz>` */
export function parseSignArgs(rest: string[]): SignCommand | { kind: 'help' } {
  const signing: SigningFlags = { algorithm: 'RS256' };
  let output: string | undefined;
  const bundles: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (isSigningFlag(flag) || flag === '-o' || flag === '--output') {
      const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (flag === '-o' || flag === '--output') {
        if (!value) throw new UsageError(`flag ${flag} needs a value`);
        output = value;
      } else takeSigningFlag(flag, value, signing);
    } else if (arg.startsWith('-')) throw new UsageError(`unknown flag ${flag}`);
    else bundles.push(arg);
  }
  if (!signing.key) throw new UsageError('sign: --signing-key is required');
  if (bundles.length !== 1) throw new UsageError('sign: give exactly one bundle (.tar.gz)');
  return { kind: 'sign', signing: signing as SigningFlags & { key: string }, output, bundle: bundles[0] };
}

export async function signingOptions(flags: SigningFlags, cwd: string): Promise<SigningOptions> {
  if (!flags.key) throw new UsageError('--signing-alg and --claims-file need --signing-key');
  let keyContent: Buffer;
  try {
    keyContent = await fs.readFile(path.resolve(cwd, flags.key));
  } catch (error) {
    // OPA takes an HMAC secret on the command line as well as in a file.
    if (/^HS/.test(flags.algorithm)) keyContent = Buffer.from(flags.key);
    else throw new UsageError(`--signing-key: cannot read ${flags.key}: ${(error as Error).message}`);
  }
  let key;
  try {
    key = signingKey(keyContent, flags.algorithm);
  } catch (error) {
    throw new UsageError(`--signing-key: ${flags.key} is not a PEM private key for ${flags.algorithm}: ${(error as Error).message}`);
  }
  let claims: Record<string, unknown> | undefined;
  if (flags.claimsFile) {
    try {
      claims = JSON.parse(await fs.readFile(path.resolve(cwd, flags.claimsFile), 'utf8'));
    } catch (error) {
      throw new UsageError(`--claims-file: ${(error as Error).message}`);
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
      throw new UsageError('--claims-file must hold a JSON object');
  }
  return { key, algorithm: flags.algorithm, claims, scope: typeof claims?.scope === 'string' ? claims.scope : undefined };
}

/** Signs a bundle in place (or into `-o`). */
export async function runSign(command: SignCommand, io: CliIO): Promise<number> {
  const input = path.resolve(io.cwd, command.bundle);
  const options = await signingOptions(command.signing, io.cwd);
  const signed = await signBundle(await fs.readFile(input), options);
  await fs.writeFile(path.resolve(io.cwd, command.output ?? command.bundle), signed);
  return 0;
}
