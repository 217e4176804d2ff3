/** Aggregates, arrays and sets of sets. Sets arrive as sorted arrays without duplicates. */
import { Impl, clone, compareValues, isArray, isInteger, isNumber, isObject, isString, runes, setHas, toSet } from './values';

const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);

export const collectionBuiltins: Record<string, Impl> = {
  count: (x) => {
    if (isString(x)) return runes(x).length;
    if (isArray(x)) return x.length;
    if (isObject(x)) return Object.keys(x).length;
    return undefined;
  },
  sum: (xs) => (isArray(xs) && xs.every(isNumber) ? finite(xs.reduce((s, n) => s + n, 0)) : undefined),
  product: (xs) => (isArray(xs) && xs.every(isNumber) ? finite(xs.reduce((s, n) => s * n, 1)) : undefined),
  max: (xs) => (isArray(xs) && xs.length > 0 ? clone(xs.reduce((m, v) => (compareValues(v, m) > 0 ? v : m))) : undefined),
  min: (xs) => (isArray(xs) && xs.length > 0 ? clone(xs.reduce((m, v) => (compareValues(v, m) < 0 ? v : m))) : undefined),
  sort: (xs) => (isArray(xs) ? clone([...xs].sort(compareValues)) : undefined),

  'array.concat': (a, b) => (isArray(a) && isArray(b) ? clone([...a, ...b]) : undefined),
  // OPA clamps both bounds to the array and answers [] for an empty or inverted range.
  'array.slice': (arr, start, stop) => {
    if (!isArray(arr) || !isInteger(start) || !isInteger(stop)) return undefined;
    const from = Math.max(0, start);
    const to = Math.min(arr.length, stop);
    return from >= to ? [] : clone(arr.slice(from, to));
  },
  'array.reverse': (arr) => (isArray(arr) ? clone([...arr].reverse()) : undefined),

  intersection: (sets) => {
    if (!isArray(sets) || !sets.every(isArray)) return undefined;
    if (sets.length === 0) return [];
    const [first, ...rest] = sets;
    return clone(toSet(first.filter((x) => rest.every((s) => setHas(s, x)))));
  },
  union: (sets) => (isArray(sets) && sets.every(isArray) ? clone(toSet(sets.flat())) : undefined),
};
