/** semver.is_valid / semver.compare with the rules of OPA's internal semver package (a leading "v" is accepted). */
import { fail } from './errors';
import { Impl, compareStrings, isString } from './values';

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  prerelease: string;
}

const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const INT64_MAX = (1n << 63n) - 1n;

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** strconv.ParseInt(s, 10, 64) for what can reach it here (signs were already cut away as separators). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n <= INT64_MAX ? n : undefined;
}

export function parseSemver(input: string): Version | undefined {
  const [withPrerelease, metadata] = cut(input.startsWith('v') ? input.slice(1) : input, '+');
  if (metadata !== '' && !IDENTIFIERS.test(metadata)) return undefined;
  const [version, prerelease] = cut(withPrerelease, '-');
  if (prerelease !== '' && !IDENTIFIERS.test(prerelease)) return undefined;
  const parts = version.split('.');
  if (parts.length !== 3) return undefined;
  const [major, minor, patch] = parts.map(parseInt64);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, prerelease };
}

const sign = (a: bigint, b: bigint): number => (a > b ? 1 : a < b ? -1 : 0);
const isNumeric = (s: string): boolean => /^[0-9]+$/.test(s);

/** SemVer 2.0.0 precedence (build metadata ignored). */
export function compareSemver(a: Version, b: Version): number {
  const core = sign(a.major, b.major) || sign(a.minor, b.minor) || sign(a.patch, b.patch);
  if (core !== 0 || a.prerelease === b.prerelease) return core;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  const xs = a.prerelease.split('.');
  const ys = b.prerelease.split('.');
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const [x, y] = [xs[i], ys[i]];
    const [nx, ny] = [isNumeric(x), isNumeric(y)];
    // Numeric identifiers sort before alphanumeric ones.
    if (nx !== ny) return nx ? -1 : 1;
    const c = nx ? sign(BigInt(x), BigInt(y)) : Math.sign(compareStrings(x, y));
    if (c !== 0) return c;
  }
  return Math.sign(xs.length - ys.length);
}

export const semverBuiltins: Record<string, Impl> = {
  'semver.is_valid': (v) => isString(v) && parseSemver(v) !== undefined,
  'semver.compare': (a, b) => {
    if (!isString(a) || !isString(b)) return undefined;
    const x = parseSemver(a);
    if (!x) fail('semver.compare', `operand 1: string ${a} is not a valid SemVer`);
    const y = parseSemver(b);
    if (!y) fail('semver.compare', `operand 2: string ${b} is not a valid SemVer`);
    return compareSemver(x, y);
  },
};
