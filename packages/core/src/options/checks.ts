/**
 * The small checkers `resolve.ts` validates options with. Each takes the option's full name (`issuers[1].jwksUri`,
 * `resourceMetadata.resource`) and throws an `InvalidOptionError` naming it when the value is wrong.
 */
import { InvalidOptionError } from '../errors';

export function fail(option: string, problem: string): never {
  throw new InvalidOptionError(option, problem);
}

/**
 * An object literal (or `Object.create(null)`): not an array, a `Date`, a `Map`, bytes or any other class instance,
 * whose own properties would not be what the option means. Its prototype is `Object.prototype` or null; the
 * `Object.prototype` of another realm (a `vm` context, a JWK exported by Node) counts too: it has no prototype.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null;
}

export function optionalBoolean(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, `must be true or false, got ${describe(value)}`);
  return value;
}

export function optionalNumber(
  value: unknown,
  option: string,
  fallback: number | undefined,
  { min = 0, integer = false } = {},
): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    fail(option, `must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${describe(value)}`);
  }
  return value;
}

export function nonEmptyString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(option, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

/** An absolute http(s) URL (issuers and their key sets). */
export function httpUrl(value: unknown, option: string): string {
  const text = nonEmptyString(value, option);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(option, `must be an absolute URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(option, `must be an http(s) URL, got ${JSON.stringify(text)}`);
  return text;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An absolute `https` URL (`http` only for loopback hosts) without a fragment, as RFC 9728 asks of identifiers. */
export function secureUrl(value: unknown, option: string): URL {
  if (typeof value !== 'string' || value === '') fail(option, `must be a non-empty URL string, got ${describe(value)}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(option, `must be an absolute URL, got ${JSON.stringify(value)}`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) fail(option, `must use https (http only for loopback hosts), got ${JSON.stringify(value)}`);
  if (url.hash !== '' || value.includes('#')) fail(option, 'must not contain a fragment');
  return url;
}

export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are answered here; the rest are primitives
  return typeof value === 'object' ? 'an object' : String(value);
}

/** One string or a non-empty array of them (`audience: 'api'` or `['api', 'admin']`); always an array back. */
export function oneOrMoreStrings(value: unknown, option: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    fail(option, 'must be a non-empty string or a non-empty array of non-empty strings');
  }
  return [...list];
}

/** An array of non-empty strings, possibly empty; a lone string is refused (these options are lists by nature). */
export function stringArray(value: unknown, option: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== ''))
    fail(option, 'must be an array of non-empty strings');
  return [...(value as string[])];
}

/** Refuses names that are not options: a typo must not silently change nothing. */
export function checkKnownKeys(raw: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) fail(`${prefix}${key}`, `is not a known option (known: ${[...known].join(', ')})`);
  }
}

export function optionalFunction<T>(value: unknown, option: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(option, `must be a function, got ${describe(value)}`);
  return value as T;
}
