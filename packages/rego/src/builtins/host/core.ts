/**
 * Operators, numbers, aggregates, arrays, sets, objects and type builtins.
 * Sets arrive as sorted arrays: set operations accept arrays and return sorted, de-duplicated arrays.
 */
import { perEvaluation } from './evaluation-cache';
import {
  Impl,
  JsonObject,
  clone,
  compareValues,
  isArray,
  isBoolean,
  isInteger,
  isNumber,
  isObject,
  isString,
  runes,
  setHas,
  setProp,
  toSet,
  valuesEqual,
} from './values';

const bothNumbers = (a: unknown, b: unknown): boolean => isNumber(a) && isNumber(b);
const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);

/** Go's big.Float rounding used by OPA's round(): half away from zero. */
const roundHalfAway = (n: number): number => Math.sign(n) * Math.round(Math.abs(n));

function range(a: number, b: number, step: number): number[] {
  const out: number[] = [];
  if (a <= b) for (let i = a; i <= b; i += step) out.push(i);
  else for (let i = a; i >= b; i -= step) out.push(i);
  return out;
}

/** A key collection argument (array, set or object: an object's keys) as a list of keys. */
function keyList(keys: unknown): unknown[] | undefined {
  if (isArray(keys)) return keys;
  if (isObject(keys)) return Object.keys(keys);
  return undefined;
}

function unionObjects(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const left = Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined;
    setProp(out, k, isObject(left) && isObject(v) ? unionObjects(left, v) : v);
  }
  return out;
}

/** object.subset semantics; arrays stand for both arrays and sets here (see catalog: needsNativeValues). */
function isSubset(sup: unknown, sub: unknown): boolean {
  if (isObject(sup) && isObject(sub)) {
    return Object.entries(sub).every(([k, v]) => {
      if (!Object.prototype.hasOwnProperty.call(sup, k)) return false;
      const s = sup[k];
      if (isObject(s) && isObject(v)) return isSubset(s, v);
      return valuesEqual(s, v);
    });
  }
  if (isArray(sup) && isArray(sub)) {
    if (sub.length === 0) return true;
    for (let i = 0; i + sub.length <= sup.length; i++) {
      if (sub.every((v, j) => valuesEqual(sup[i + j], v))) return true;
    }
    return false;
  }
  return false;
}

/** A json.filter/json.remove path: "a/b/0" (JSON-pointer escapes ~0 ~1) or ["a", "b", 0]. */
function parsePath(p: unknown): unknown[] | undefined {
  if (isString(p)) {
    const trimmed = p.replace(/^\/+|\/+$/g, '');
    if (trimmed === '') return [];
    return trimmed.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  if (isArray(p)) return p;
  return undefined;
}

interface PathTrie {
  leaf: boolean;
  children: Map<string, PathTrie>;
}

function buildTrie(paths: unknown): PathTrie | undefined {
  if (!isArray(paths)) return undefined;
  const root: PathTrie = { leaf: false, children: new Map() };
  for (const p of paths) {
    const segs = parsePath(p);
    if (segs === undefined) return undefined;
    let node = root;
    for (const seg of segs) {
      const key = JSON.stringify(isNumber(seg) ? String(seg) : seg);
      let next = node.children.get(key);
      if (!next) {
        next = { leaf: false, children: new Map() };
        node.children.set(key, next);
      }
      node = next;
    }
    node.leaf = true;
  }
  return root;
}

/** The trie child for an array index (segments may be numbers or numeric strings). */
const indexChild = (node: PathTrie, i: number): PathTrie | undefined => node.children.get(JSON.stringify(String(i)));
const keyChild = (node: PathTrie, k: string): PathTrie | undefined => node.children.get(JSON.stringify(k));

function filterByTrie(value: unknown, node: PathTrie): unknown {
  if (node.leaf) return clone(value);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const child = keyChild(node, k);
      if (child) setProp(out, k, filterByTrie(v, child));
    }
    return out;
  }
  if (isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const child = indexChild(node, i);
      if (child) out.push(filterByTrie(v, child));
    });
    return out;
  }
  return clone(value);
}

function removeByTrie(value: unknown, node: PathTrie): unknown {
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const child = keyChild(node, k);
      if (!child) setProp(out, k, clone(v));
      else if (!child.leaf) setProp(out, k, removeByTrie(v, child));
    }
    return out;
  }
  if (isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const child = indexChild(node, i);
      if (!child) out.push(clone(v));
      else if (!child.leaf) out.push(removeByTrie(v, child));
    });
    return out;
  }
  return clone(value);
}

/** A deterministic-per-evaluation random integer in [0, n). */
function randomInt(seed: string, n: number): number {
  return perEvaluation(`rand.intn\u0000${seed}\u0000${n}`, () => Math.floor(Math.random() * n));
}

export const coreBuiltins: Record<string, Impl> = {
  // comparison
  equal: (a, b) => valuesEqual(a, b),
  neq: (a, b) => !valuesEqual(a, b),
  lt: (a, b) => compareValues(a, b) < 0,
  lte: (a, b) => compareValues(a, b) <= 0,
  gt: (a, b) => compareValues(a, b) > 0,
  gte: (a, b) => compareValues(a, b) >= 0,

  // arithmetic
  plus: (a, b) => (bothNumbers(a, b) ? finite((a as number) + (b as number)) : undefined),
  minus: (a, b) => {
    if (bothNumbers(a, b)) return finite((a as number) - (b as number));
    if (isArray(a) && isArray(b)) return toSet(a.filter((x) => !setHas(b, x)));
    return undefined;
  },
  mul: (a, b) => (bothNumbers(a, b) ? finite((a as number) * (b as number)) : undefined),
  div: (a, b) => (bothNumbers(a, b) && b !== 0 ? finite((a as number) / (b as number)) : undefined),
  // OPA: both operands must be integers; Go's remainder takes the dividend's sign, like JS.
  rem: (a, b) => (isInteger(a) && isInteger(b) && b !== 0 ? a % b || 0 : undefined),
  and: (a, b) => (isArray(a) && isArray(b) ? toSet(a.filter((x) => setHas(b, x))) : undefined),
  or: (a, b) => (isArray(a) && isArray(b) ? toSet([...a, ...b]) : undefined),
  'internal.member_2': (x, coll) => {
    if (isArray(coll)) return coll.some((v) => valuesEqual(v, x));
    if (isObject(coll)) return Object.values(coll).some((v) => valuesEqual(v, x));
    return false;
  },
  'internal.member_3': (k, v, coll) => {
    if (isArray(coll)) return isInteger(k) && k >= 0 && k < coll.length && valuesEqual(coll[k], v);
    if (isObject(coll)) return isString(k) && Object.prototype.hasOwnProperty.call(coll, k) && valuesEqual(coll[k], v);
    return false;
  },

  // numbers
  abs: (x) => (isNumber(x) ? Math.abs(x) : undefined),
  ceil: (x) => (isNumber(x) ? Math.ceil(x) || 0 : undefined),
  floor: (x) => (isNumber(x) ? Math.floor(x) : undefined),
  round: (x) => (isNumber(x) ? roundHalfAway(x) || 0 : undefined),
  'numbers.range': (a, b) => (isInteger(a) && isInteger(b) ? range(a, b, 1) : undefined),
  'numbers.range_step': (a, b, step) =>
    isInteger(a) && isInteger(b) && isInteger(step) && step >= 1 ? range(a, b, step) : undefined,
  'rand.intn': (seed, n) => {
    if (!isString(seed) || !isInteger(n)) return undefined;
    return n === 0 ? 0 : randomInt(seed, Math.abs(n));
  },

  // aggregates
  count: (x) => {
    if (isString(x)) return runes(x).length;
    if (isArray(x)) return x.length;
    if (isObject(x)) return Object.keys(x).length;
    return undefined;
  },
  sum: (xs) => (isArray(xs) && xs.every(isNumber) ? finite((xs as number[]).reduce((s, n) => s + n, 0)) : undefined),
  product: (xs) => (isArray(xs) && xs.every(isNumber) ? finite((xs as number[]).reduce((s, n) => s * n, 1)) : undefined),
  max: (xs) => (isArray(xs) && xs.length > 0 ? clone(xs.reduce((m, v) => (compareValues(v, m) > 0 ? v : m))) : undefined),
  min: (xs) => (isArray(xs) && xs.length > 0 ? clone(xs.reduce((m, v) => (compareValues(v, m) < 0 ? v : m))) : undefined),
  sort: (xs) => (isArray(xs) ? clone([...xs].sort(compareValues)) : undefined),

  // arrays
  'array.concat': (a, b) => (isArray(a) && isArray(b) ? clone([...a, ...b]) : undefined),
  'array.slice': (arr, start, stop) => {
    if (!isArray(arr) || !isInteger(start) || !isInteger(stop)) return undefined;
    const from = Math.max(0, start);
    const to = Math.min(arr.length, stop);
    return from >= to ? [] : clone(arr.slice(from, to));
  },
  'array.reverse': (arr) => (isArray(arr) ? clone([...arr].reverse()) : undefined),

  // sets of sets
  intersection: (sets) => {
    if (!isArray(sets) || !sets.every(isArray)) return undefined;
    if (sets.length === 0) return [];
    const [first, ...rest] = sets as unknown[][];
    return clone(toSet(first.filter((x) => rest.every((s) => setHas(s, x)))));
  },
  union: (sets) => (isArray(sets) && sets.every(isArray) ? clone(toSet((sets as unknown[][]).flat())) : undefined),

  // objects
  'object.get': (obj, key, dflt) => {
    if (!isObject(obj)) return undefined;
    if (isString(key)) return clone(Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : dflt);
    if (!isArray(key)) return clone(dflt);
    let cur: unknown = obj;
    for (const seg of key) {
      if (isObject(cur) && isString(seg) && Object.prototype.hasOwnProperty.call(cur, seg)) cur = cur[seg];
      else if (isArray(cur) && isInteger(seg) && seg >= 0 && seg < cur.length) cur = cur[seg];
      else return clone(dflt);
    }
    return clone(cur);
  },
  'object.keys': (obj) => (isObject(obj) ? toSet(Object.keys(obj)) : undefined),
  'object.union': (a, b) => (isObject(a) && isObject(b) ? clone(unionObjects(a, b)) : undefined),
  'object.union_n': (objs) =>
    isArray(objs) && objs.every(isObject) ? clone((objs as JsonObject[]).reduce(unionObjects, {})) : undefined,
  'object.remove': (obj, keys) => {
    const list = keyList(keys);
    if (!isObject(obj) || list === undefined) return undefined;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(obj)) if (!list.some((x) => x === k)) setProp(out, k, clone(v));
    return out;
  },
  'object.filter': (obj, keys) => {
    const list = keyList(keys);
    if (!isObject(obj) || list === undefined) return undefined;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(obj)) if (list.some((x) => x === k)) setProp(out, k, clone(v));
    return out;
  },
  'object.subset': (sup, sub) => {
    const shape = (v: unknown) => isObject(v) || isArray(v);
    return shape(sup) && shape(sub) ? isSubset(sup, sub) : undefined;
  },
  'json.filter': (obj, paths) => {
    const trie = buildTrie(paths);
    return isObject(obj) && trie ? filterByTrie(obj, trie) : undefined;
  },
  'json.remove': (obj, paths) => {
    const trie = buildTrie(paths);
    return isObject(obj) && trie ? removeByTrie(obj, trie) : undefined;
  },

  // types
  is_number: (x) => isNumber(x),
  is_string: (x) => isString(x),
  is_boolean: (x) => isBoolean(x),
  is_array: (x) => isArray(x),
  is_set: () => false,
  is_object: (x) => isObject(x),
  is_null: (x) => x === null,
  type_name: (x) => {
    if (x === null) return 'null';
    if (isBoolean(x)) return 'boolean';
    if (isNumber(x)) return 'number';
    if (isString(x)) return 'string';
    return isArray(x) ? 'array' : 'object';
  },
  to_number: (x) => {
    if (x === null) return 0;
    if (isBoolean(x)) return x ? 1 : 0;
    if (isNumber(x)) return x;
    // strconv.ParseFloat's decimal syntax (OPA rejects Inf/NaN as numbers).
    if (isString(x) && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(x)) return finite(Number(x));
    return undefined;
  },
};
