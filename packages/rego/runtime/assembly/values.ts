// Rego values: null, boolean, number (f64), string (UTF-8 bytes, often pointing straight into the
// JSON text they were parsed from), array, object, set. Objects and sets keep their entries in
// arrays, sorted (OPA's order) once looked at in order, with an open-addressing hash index once
// they grow past a few entries.
//
// Values reachable from data, input or plan constants are never sorted or indexed lazily during an
// evaluation (that would allocate above the heap pointer the SDK resets): they are finished when
// parsed. Only collections built by the current evaluation are still unsorted.

// The value classes are @unmanaged: plain memory from the bump allocator without AssemblyScript's
// object header. Nothing is ever collected (the SDK's heap reset frees a whole evaluation), so the
// header would only cost space and time on every value; every field is set by its constructor.

export const K_NULL: i32 = 0;
export const K_BOOL: i32 = 1;
export const K_NUM: i32 = 2;
export const K_STR: i32 = 3;
export const K_ARR: i32 = 4;
export const K_OBJ: i32 = 5;
export const K_SET: i32 = 6;

@unmanaged export class Value {
  kind: i32;
  constructor(kind: i32) { this.kind = kind; }
}

@unmanaged export class BoolV extends Value {
  b: bool;
  constructor(b: bool) { super(K_BOOL); this.b = b; }
}

/**
 * A number. `n` is the nearest double. `exact` says `i` holds the value exactly: every integral
 * value within the 64-bit range is exact (so integers compute, compare and print exactly).
 * `text`/`textLen` hold the spelling when the number came from policy text, JSON, to_number or
 * json.unmarshal (OPA keeps a number as written: `101.00` prints as written and formats as a
 * float), 0 for computed numbers.
 */
@unmanaged export class NumV extends Value {
  textLen: i32;
  // the i64 when exact, else the double's bits: one word, so a number takes 24 bytes
  bits: u64;
  text: usize;
  exact: bool;
  constructor(n: f64, i: i64, exact: bool) {
    super(K_NUM);
    this.textLen = 0;
    this.bits = exact ? <u64>i : reinterpret<u64>(n);
    this.text = 0;
    this.exact = exact;
  }
  // @ts-ignore: decorator
  @inline get n(): f64 { return this.exact ? <f64><i64>this.bits : reinterpret<f64>(this.bits); }
  // @ts-ignore: decorator
  @inline get i(): i64 { return <i64>this.bits; }
}

/** A number from a double: an exact integer when it is integral and within [-2^63, 2^63). */
export function mkNum(n: f64): NumV {
  let ok = Math.floor(n) == n && n >= -9223372036854775808.0 && n < 9223372036854775808.0;
  return new NumV(n, ok ? <i64>n : 0, ok);
}

/** An exact 64-bit integer. */
// @ts-ignore: decorator
@inline export function mkInt(i: i64): NumV {
  return new NumV(<f64>i, i, true);
}

@unmanaged export class StrV extends Value {
  ptr: usize;
  len: i32;
  hash: u32 = 0;
  constructor(ptr: usize, len: i32) { super(K_STR); this.ptr = ptr; this.len = len; }
}

@unmanaged export class ArrV extends Value {
  data: usize;
  len: i32 = 0;
  cap: i32;
  constructor(cap: i32) {
    super(K_ARR);
    if (cap < 4) cap = 4;
    this.cap = cap;
    this.data = __alloc(<usize>cap << 2);
  }
  @inline get(i: i32): Value { return load<Value>(this.data + (<usize>i << 2)); }
  @inline set(i: i32, v: Value): void { store<Value>(this.data + (<usize>i << 2), v); }
  push(v: Value): void {
    if (this.len == this.cap) {
      this.cap <<= 1;
      this.data = __realloc(this.data, <usize>this.cap << 2);
    }
    store<Value>(this.data + (<usize>this.len << 2), v);
    this.len++;
  }
}

/** Object (keys + vals) or set (keys only). */
@unmanaged export class CollV extends Value {
  keys: usize;
  vals: usize; // 0 for sets
  len: i32 = 0;
  cap: i32;
  sorted: bool = true;
  idx: usize = 0;
  idxMask: i32 = 0;
  constructor(kind: i32, cap: i32) {
    super(kind);
    if (cap < 4) cap = 4;
    this.cap = cap;
    this.keys = __alloc(<usize>cap << 2);
    this.vals = kind == K_OBJ ? __alloc(<usize>cap << 2) : 0;
  }
  @inline key(i: i32): Value { return load<Value>(this.keys + (<usize>i << 2)); }
  @inline val(i: i32): Value { return load<Value>(this.vals + (<usize>i << 2)); }
  @inline setVal(i: i32, v: Value): void { store<Value>(this.vals + (<usize>i << 2), v); }
}

export const NULL = new Value(K_NULL);
export const TRUE = new BoolV(true);
export const FALSE = new BoolV(false);

@inline export function mkBool(b: bool): Value { return b ? TRUE : FALSE; }
@inline export function numOf(v: Value): f64 { return changetype<NumV>(v).n; }
@inline export function asNum(v: Value): NumV { return changetype<NumV>(v); }
@inline export function asStr(v: Value): StrV { return changetype<StrV>(v); }
@inline export function asArr(v: Value): ArrV { return changetype<ArrV>(v); }
@inline export function asColl(v: Value): CollV { return changetype<CollV>(v); }

/** A string value over a copy of an AssemblyScript string (ASCII/BMP, encoded as UTF-8). */
export function strFrom(s: string): StrV {
  let buf = String.UTF8.encode(s, false);
  return new StrV(changetype<usize>(buf), buf.byteLength);
}

export function newStr(len: i32): StrV {
  return new StrV(__alloc(len > 0 ? <usize>len : 1), len);
}

/** Whether a number's text (if it keeps one) spells an integer: no fraction, no exponent. */
export function isIntText(v: NumV): bool {
  for (let i = 0; i < v.textLen; i++) {
    let c = load<u8>(v.text + <usize>i);
    if (c == 0x2e || c == 0x65 || c == 0x45) return false;
  }
  return true;
}

/** The array position `key` names, or -1: OPA indexes arrays by integers as written (arr[1.0] is undefined). */
export function arrayIndex(key: Value, len: i32): i32 {
  if (key.kind != K_NUM) return -1;
  let v = asNum(key);
  if (!v.exact || v.i < 0 || v.i >= <i64>len || !isIntText(v)) return -1;
  return <i32>v.i;
}

/** Integer-valued (and exactly representable as such). */
export function isInt(n: f64): bool {
  return Math.floor(n) == n && Math.abs(n) <= 9007199254740992.0;
}

// ---------- equality, order, hashing ----------

/**
 * Numbers by value (OPA compares json.Number values exactly, whatever their spelling): exact
 * integers as integers, others as doubles. A double that is not an exact integer is either
 * fractional (below 2^52) or at least 2^63 in size, so where an exact integer rounds to the same
 * double, the integer is the smaller in size.
 */
export function numCompare(a: NumV, b: NumV): i32 {
  if (a.exact && b.exact) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  let x = a.n, y = b.n;
  if (x < y) return -1;
  if (x > y) return 1;
  if (a.exact == b.exact) return 0;
  let big = a.exact ? y : x; // the non-integer side, as large as 2^63 or more
  let c = big > 0 ? -1 : 1;
  return a.exact ? c : -c;
}

function bytesCompare(a: usize, al: i32, b: usize, bl: i32): i32 {
  let n = al < bl ? al : bl;
  let c = memory.compare(a, b, <usize>n);
  if (c != 0) return c < 0 ? -1 : 1;
  return al < bl ? -1 : (al > bl ? 1 : 0);
}

/** Whether n bytes at a and b are equal, a word at a time (keys are short; this is the hot path of lookups). */
function bytesEqual(a: usize, b: usize, n: i32): bool {
  if (a == b) return true;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (load<u32>(a + <usize>i) != load<u32>(b + <usize>i)) return false;
  for (; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

// @ts-ignore: decorator
@inline export function strEqual(a: StrV, b: StrV): bool {
  return a.len == b.len && bytesEqual(a.ptr, b.ptr, a.len);
}

export function strEqualsAscii(a: StrV, s: string): bool {
  if (a.len != s.length) return false;
  for (let i = 0; i < a.len; i++) if (<i32>load<u8>(a.ptr + <usize>i) != s.charCodeAt(i)) return false;
  return true;
}

/** Position of a in a table of ASCII names, or -1. */
export function indexOfAscii(a: StrV, names: StaticArray<string>): i32 {
  for (let i = 0; i < names.length; i++) if (strEqualsAscii(a, names[i])) return i;
  return -1;
}

export function equal(a: Value, b: Value): bool {
  if (a === b) return true;
  let k = a.kind;
  if (k != b.kind) return false;
  switch (k) {
    case K_NULL: return true;
    case K_BOOL: return changetype<BoolV>(a).b == changetype<BoolV>(b).b;
    case K_NUM: return numCompare(asNum(a), asNum(b)) == 0;
    case K_STR: return strEqual(asStr(a), asStr(b));
    case K_ARR: {
      let x = asArr(a), y = asArr(b);
      if (x.len != y.len) return false;
      for (let i = 0; i < x.len; i++) if (!equal(x.get(i), y.get(i))) return false;
      return true;
    }
    default: {
      // objects and sets: the same keys (and, for objects, equal values under each)
      let x = asColl(a), y = asColl(b);
      if (x.len != y.len) return false;
      for (let i = 0; i < x.len; i++) {
        let j = collFind(y, x.key(i));
        if (j < 0 || (k == K_OBJ && !equal(x.val(i), y.val(j)))) return false;
      }
      return true;
    }
  }
}

/** OPA's total order: null < boolean < number < string < array < object < set. */
export function compare(a: Value, b: Value): i32 {
  if (a === b) return 0;
  let ka = a.kind, kb = b.kind;
  if (ka != kb) return ka < kb ? -1 : 1;
  switch (ka) {
    case K_NULL: return 0;
    case K_BOOL: {
      let x = changetype<BoolV>(a).b, y = changetype<BoolV>(b).b;
      return x == y ? 0 : (x ? 1 : -1);
    }
    case K_NUM: return numCompare(asNum(a), asNum(b));
    case K_STR: {
      let x = asStr(a), y = asStr(b);
      return bytesCompare(x.ptr, x.len, y.ptr, y.len);
    }
    case K_ARR: {
      let x = asArr(a), y = asArr(b);
      let n = min(x.len, y.len);
      for (let i = 0; i < n; i++) {
        let c = compare(x.get(i), y.get(i));
        if (c != 0) return c;
      }
      return x.len < y.len ? -1 : (x.len > y.len ? 1 : 0);
    }
    default: {
      // objects compare by their sorted keys, then their values, then size; sets by elements, then size
      let x = asColl(a), y = asColl(b);
      ensureSorted(x); ensureSorted(y);
      let n = min(x.len, y.len);
      for (let i = 0; i < n; i++) {
        let c = compare(x.key(i), y.key(i));
        if (c != 0) return c;
      }
      if (a.kind == K_OBJ) {
        for (let i = 0; i < n; i++) {
          let c = compare(x.val(i), y.val(i));
          if (c != 0) return c;
        }
      }
      return x.len < y.len ? -1 : (x.len > y.len ? 1 : 0);
    }
  }
}

@inline function mix(h: u32): u32 {
  h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35; h ^= h >>> 16;
  return h;
}

export function hashValue(v: Value): u32 {
  switch (v.kind) {
    case K_NULL: return 0x9e3779b9;
    case K_BOOL: return changetype<BoolV>(v).b ? 0x1234567 : 0x7654321;
    case K_NUM: {
      // by value: 1, 1.0 and 1e0 hash alike (they are equal)
      let x = asNum(v);
      if (x.exact) { let i = x.i; return mix(<u32>i ^ <u32>(i >>> 32) ^ 0x2545f491); }
      let bits = reinterpret<u64>(x.n);
      return mix(<u32>bits ^ <u32>(bits >>> 32));
    }
    case K_STR: {
      let s = asStr(v);
      if (s.hash != 0) return s.hash;
      let h: u32 = 2166136261;
      for (let i = 0; i < s.len; i++) h = (h ^ load<u8>(s.ptr + <usize>i)) * 16777619;
      if (h == 0) h = 1;
      s.hash = h;
      return h;
    }
    case K_ARR: {
      let a = asArr(v);
      let h: u32 = 0x3c6ef372 + <u32>a.len;
      for (let i = 0; i < a.len; i++) h = mix(h * 31 + hashValue(a.get(i)));
      return h;
    }
    case K_OBJ: {
      let c = asColl(v);
      let h: u32 = 0xa54ff53a + <u32>c.len;
      for (let i = 0; i < c.len; i++) h += mix(hashValue(c.key(i)) * 31 + hashValue(c.val(i)));
      return h;
    }
    default: {
      let c = asColl(v);
      let h: u32 = 0x510e527f + <u32>c.len;
      for (let i = 0; i < c.len; i++) h += mix(hashValue(c.key(i)));
      return h;
    }
  }
}

// ---------- objects and sets ----------

const INDEX_FROM: i32 = 9;

function indexPut(c: CollV, i: i32): void {
  let mask = c.idxMask;
  let slot = <i32>hashValue(c.key(i)) & mask;
  while (load<i32>(c.idx + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
  store<i32>(c.idx + (<usize>slot << 2), i + 1);
}

function rebuildIndex(c: CollV): void {
  let size = 32;
  while (size < c.len * 3) size <<= 1;
  if (c.idxMask + 1 != size) {
    c.idx = __alloc(<usize>size << 2);
    c.idxMask = size - 1;
  }
  memory.fill(c.idx, 0, <usize>size << 2);
  for (let i = 0; i < c.len; i++) indexPut(c, i);
}

/** Position of key in c, or -1. */
export function collFind(c: CollV, key: Value): i32 {
  let n = c.len;
  let isStr = key.kind == K_STR;
  if (c.idxMask != 0) {
    let mask = c.idxMask;
    let slot = <i32>hashValue(key) & mask;
    while (true) {
      let e = load<i32>(c.idx + (<usize>slot << 2));
      if (e == 0) return -1;
      let k = c.key(e - 1);
      if (isStr ? k.kind == K_STR && strEqual(asStr(k), asStr(key)) : equal(k, key)) return e - 1;
      slot = (slot + 1) & mask;
    }
  }
  if (isStr) {
    // Most lookups: a short string key in a small object.
    let ks = asStr(key);
    let len = ks.len;
    let p = ks.ptr;
    for (let i = 0; i < n; i++) {
      let k = c.key(i);
      if (k.kind != K_STR) continue;
      let s = asStr(k);
      if (s.len == len && (s.ptr == p || bytesEqual(s.ptr, p, len))) return i;
    }
    return -1;
  }
  for (let i = 0; i < n; i++) if (equal(c.key(i), key)) return i;
  return -1;
}

/** Appends a key known to be absent. */
function collAppend(c: CollV, key: Value, val: Value | null): void {
  if (c.len == c.cap) {
    c.cap <<= 1;
    c.keys = __realloc(c.keys, <usize>c.cap << 2);
    if (c.vals != 0) c.vals = __realloc(c.vals, <usize>c.cap << 2);
  }
  let i = c.len;
  if (c.sorted && i > 0 && compare(c.key(i - 1), key) > 0) c.sorted = false;
  store<Value>(c.keys + (<usize>i << 2), key);
  if (c.vals != 0) store<Value | null>(c.vals + (<usize>i << 2), val);
  c.len = i + 1;
  if (c.idxMask != 0) {
    if (c.len * 2 > c.idxMask + 1) rebuildIndex(c); else indexPut(c, i);
  } else if (c.len >= INDEX_FROM) rebuildIndex(c);
}

/** object[key] = val (overwriting). */
export function objPut(c: CollV, key: Value, val: Value): void {
  let i = collFind(c, key);
  if (i >= 0) c.setVal(i, val); else collAppend(c, key, val);
}

export function setAdd(c: CollV, v: Value): void {
  if (collFind(c, v) < 0) collAppend(c, v, null);
}

export function objGet(c: CollV, key: Value): Value | null {
  let i = collFind(c, key);
  return i < 0 ? null : c.val(i);
}

/** In-place heapsort of keys (and vals alongside): no allocation. */
function sortPairs(keys: usize, vals: usize, n: i32): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) siftDown(keys, vals, start, n);
  for (let end = n - 1; end > 0; end--) {
    swap(keys, vals, 0, end);
    siftDown(keys, vals, 0, end);
  }
}

@inline function kAt(keys: usize, i: i32): Value { return load<Value>(keys + (<usize>i << 2)); }

function swap(keys: usize, vals: usize, i: i32, j: i32): void {
  let a = keys + (<usize>i << 2), b = keys + (<usize>j << 2);
  let t = load<usize>(a); store<usize>(a, load<usize>(b)); store<usize>(b, t);
  if (vals != 0) {
    a = vals + (<usize>i << 2); b = vals + (<usize>j << 2);
    t = load<usize>(a); store<usize>(a, load<usize>(b)); store<usize>(b, t);
  }
}

function siftDown(keys: usize, vals: usize, root: i32, n: i32): void {
  while (true) {
    let child = root * 2 + 1;
    if (child >= n) return;
    if (child + 1 < n && compare(kAt(keys, child), kAt(keys, child + 1)) < 0) child++;
    if (compare(kAt(keys, root), kAt(keys, child)) >= 0) return;
    swap(keys, vals, root, child);
    root = child;
  }
}

function insertionSort(keys: usize, vals: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    let j = i;
    while (j > 0 && compare(kAt(keys, j - 1), kAt(keys, j)) > 0) { swap(keys, vals, j - 1, j); j--; }
  }
}

export function sortValues(keys: usize, vals: usize, n: i32): void {
  if (n <= 16) insertionSort(keys, vals, n); else sortPairs(keys, vals, n);
}

export function ensureSorted(c: CollV): void {
  if (c.sorted) return;
  sortValues(c.keys, c.vals, c.len);
  c.sorted = true;
  if (c.idxMask != 0) rebuildIndex(c);
}

/** Sorts a whole value tree (for values that must stay untouched afterwards: data, input, constants). */
export function finish(v: Value): void {
  let k = v.kind;
  if (k == K_ARR) {
    let a = asArr(v);
    for (let i = 0; i < a.len; i++) finish(a.get(i));
  } else if (k == K_OBJ || k == K_SET) {
    let c = asColl(v);
    ensureSorted(c);
    for (let i = 0; i < c.len; i++) {
      finish(c.key(i));
      if (k == K_OBJ) finish(c.val(i));
    }
  }
}

export function newObj(cap: i32 = 4): CollV { return new CollV(K_OBJ, cap); }
export function newSet(cap: i32 = 4): CollV { return new CollV(K_SET, cap); }

/** A fresh object with the same entries (for copy-on-write patches of shared documents). */
export function objCopy(c: CollV): CollV {
  let out = new CollV(K_OBJ, c.len + 1);
  for (let i = 0; i < c.len; i++) collAppend(out, c.key(i), c.val(i));
  return out;
}

/** The set of an array's elements (host builtins return sets as arrays). */
export function arrToSet(a: ArrV): CollV {
  let out = newSet(a.len);
  for (let i = 0; i < a.len; i++) setAdd(out, a.get(i));
  return out;
}

/** Number of Unicode code points in a UTF-8 string. */
export function runeCount(s: StrV): i32 {
  let n = 0;
  for (let i = 0; i < s.len; i++) if ((load<u8>(s.ptr + <usize>i) & 0xc0) != 0x80) n++;
  return n;
}
