/**
 * Helpers on Rego values as the SDK hands them to host builtins: plain JSON, with sets already
 * turned into sorted arrays (so a host builtin cannot tell a set from an array).
 */

export type JsonObject = { [key: string]: unknown };

/** An implementation: returns the result, or undefined when OPA's result is undefined. */
export type Impl = (...args: unknown[]) => unknown;

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isInteger = (v: unknown): v is number => isNumber(v) && Number.isInteger(v);
export const isStringArray = (v: unknown): v is string[] => isArray(v) && v.every(isString);

/** OPA's type order: null < boolean < number < string < array (and set, which arrives as an array) < object. */
function typeRank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
  }
  return Array.isArray(v) ? 4 : 5;
}

/** Compares strings by Unicode code point, which is the UTF-8 byte order Go uses (JS `<` uses UTF-16 units). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** OPA's total order on values (ast.Compare), restricted to what JSON can carry. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return (a as number) === (b as number) ? 0 : (a as number) < (b as number) ? -1 : 1;
    case 3:
      return compareStrings(a as string, b as string);
    case 4: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      const x = a as JsonObject;
      const y = b as JsonObject;
      const kx = Object.keys(x).sort(compareStrings);
      const ky = Object.keys(y).sort(compareStrings);
      for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
        const c = compareStrings(kx[i], ky[i]) || compareValues(x[kx[i]], y[ky[i]]);
        if (c !== 0) return c;
      }
      return kx.length === ky.length ? 0 : kx.length < ky.length ? -1 : 1;
    }
  }
}

export const valuesEqual = (a: unknown, b: unknown): boolean => compareValues(a, b) === 0;

/** A set as the SDK carries it: a sorted array without duplicates. */
export function toSet(values: readonly unknown[]): unknown[] {
  const sorted = [...values].sort(compareValues);
  return sorted.filter((v, i) => i === 0 || compareValues(sorted[i - 1], v) !== 0);
}

export function setHas(set: readonly unknown[], value: unknown): boolean {
  return set.some((v) => valuesEqual(v, value));
}

/** Number of Unicode code points (Go runes), the unit OPA uses for string lengths and offsets. */
export function runes(s: string): string[] {
  return Array.from(s);
}

/**
 * The value in OPA's own text syntax (ast.Value.String()), used by sprintf's %v and by error-free
 * formatting: strings quoted, objects `{"a": 1}`, arrays `[1, 2]`. Sets arrive as arrays and print as arrays.
 */
export function regoString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(regoString).join(', ')}]`;
  const o = v as JsonObject;
  const keys = Object.keys(o).sort(compareStrings);
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${regoString(o[k])}`).join(', ')}}`;
}

/** JSON text of a number as OPA prints it (integers without exponent up to 1e21, as JS does). */
export function formatNumber(n: number): string {
  return JSON.stringify(n);
}

/** Deep copy through JSON semantics (host results must never alias their arguments). */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * An integer number as a BigInt, exactly as its shortest decimal text reads: JSON numbers beyond 2^53
 * (nanosecond timestamps) are doubles, and their shortest text is the value the policy wrote.
 */
export function toBigInt(n: number): bigint | undefined {
  if (!Number.isInteger(n)) return undefined;
  if (Math.abs(n) < 1e21) return BigInt(String(n));
  return BigInt(n);
}

/**
 * An integer result kept exact: a JS number while it is exactly one, else the bigint, which
 * hostBuiltins hands to the module as its JSON text (all its digits).
 */
export function exactInt(b: bigint): number | bigint {
  return b >= -MAX_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A BigInt result as a JSON number; undefined when it is beyond float64 range (no JSON form). */
export function fromBigInt(b: bigint): number | undefined {
  const n = Number(b);
  return Number.isFinite(n) ? n : undefined;
}

/** Sets an own property even for keys like `__proto__` (plain assignment would change the prototype). */
export function setProp(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
