// json.filter, json.remove and json.patch over real Rego values. They run here rather than on the
// host because their paths address set members by value and object keys of any type, which the
// JSON the SDK hands to a host function cannot express (sets arrive as arrays, keys as strings).
//
// Paths are written as OPA's parsePath reads them: a string "a/b/0" (leading slashes dropped,
// JSON-pointer escapes ~1 and ~0 undone, "" is the root) or an array of segments of any type.
// Every function here returns null where OPA's builtin fails; the call is then undefined (OPA's
// default, non-strict builtin errors). Inputs are never modified: changed containers are copies.
import {
  Value, StrV, ArrV, CollV, NULL, K_NULL, K_NUM, K_STR, K_ARR, K_OBJ, K_SET,
  asStr, asArr, asColl, numOf, isInt, equal, collFind, objGet, objPut, setAdd, newObj, newSet, newStr, strFrom, indexOfAscii,
} from "./values";

// ---------------------------------------------------------------- paths

/** One path segment of a string path, with ~1 -> "/" and ~0 -> "~" undone (one left-to-right pass, as Go's two ReplaceAlls give). */
function segment(s: StrV, from: i32, to: i32): StrV {
  let escaped = false;
  for (let i = from; i < to - 1; i++) {
    if (load<u8>(s.ptr + <usize>i) == 0x7e) { escaped = true; break; }
  }
  if (!escaped) return new StrV(s.ptr + <usize>from, to - from);
  let out = newStr(to - from);
  let n = 0;
  let i = from;
  while (i < to) {
    let c = load<u8>(s.ptr + <usize>i);
    if (c == 0x7e && i + 1 < to) {
      let d = load<u8>(s.ptr + <usize>(i + 1));
      if (d == 0x31 || d == 0x30) {
        store<u8>(out.ptr + <usize>n, d == 0x31 ? 0x2f : 0x7e);
        n++;
        i += 2;
        continue;
      }
    }
    store<u8>(out.ptr + <usize>n, c);
    n++;
    i++;
  }
  out.len = n;
  return out;
}

/** A path as a list of segments, or null when `p` is neither a string nor an array. */
export function parsePath(p: Value): ArrV | null {
  if (p.kind == K_ARR) return asArr(p);
  if (p.kind != K_STR) return null;
  let s = asStr(p);
  let out = new ArrV(4);
  if (s.len == 0) return out;
  let start = 0;
  while (start < s.len && load<u8>(s.ptr + <usize>start) == 0x2f) start++;
  let i = start;
  for (; i < s.len; i++) {
    if (load<u8>(s.ptr + <usize>i) == 0x2f) {
      out.push(segment(s, start, i));
      start = i + 1;
    }
  }
  out.push(segment(s, start, s.len));
  return out;
}

/** The paths of a json.filter/json.remove argument (an array or a set of paths), or null. */
function parsePaths(v: Value): ArrV | null {
  let out = new ArrV(4);
  if (v.kind == K_ARR) {
    let a = asArr(v);
    for (let i = 0; i < a.len; i++) {
      let p = parsePath(a.get(i));
      if (p === null) return null;
      out.push(p);
    }
    return out;
  }
  if (v.kind == K_SET) {
    let c = asColl(v);
    for (let i = 0; i < c.len; i++) {
      let p = parsePath(c.key(i));
      if (p === null) return null;
      out.push(p);
    }
    return out;
  }
  return null;
}

/**
 * OPA's pathsToObject: the paths as a tree of objects whose leaves are null ("keep/remove all of
 * this"). A path ending where a shorter one already ended adds nothing; a shorter path replaces
 * the subtree a longer one built.
 */
function pathTree(paths: ArrV): CollV {
  let root = newObj();
  for (let i = 0; i < paths.len; i++) {
    let path = asArr(paths.get(i));
    if (path.len == 0) continue;
    let node = root;
    let done = false;
    for (let j = 0; j < path.len - 1; j++) {
      let k = path.get(j);
      let child = objGet(node, k);
      if (child === null) {
        let fresh = newObj();
        objPut(node, k, fresh);
        node = fresh;
      } else if (child.kind == K_OBJ) {
        node = asColl(child);
      } else {
        done = true; // a shorter path already takes the whole subtree
        break;
      }
    }
    if (!done) objPut(node, path.get(path.len - 1), NULL);
  }
  return root;
}

/** A reusable string value holding the decimal text of an array index (filter trees key arrays by "0", "1", ...). */
@unmanaged class IndexKey {
  key: StrV;
  constructor() { this.key = newStr(12); }
  of(i: i32): StrV {
    let k = this.key;
    let n = 0;
    let t = i;
    do { n++; t /= 10; } while (t > 0);
    t = i;
    for (let j = n - 1; j >= 0; j--) { store<u8>(k.ptr + <usize>j, <u8>(0x30 + t % 10)); t /= 10; }
    k.len = n;
    k.hash = 0; // the text changed: forget the cached hash
    return k;
  }
}

// ---------------------------------------------------------------- json.filter

function filterValue(v: Value, filter: Value, idx: IndexKey): Value {
  if (filter.kind == K_NULL) return v;
  let f = asColl(filter);
  switch (v.kind) {
    case K_ARR: {
      let a = asArr(v);
      let out = new ArrV(4);
      for (let i = 0; i < a.len; i++) {
        let sub = objGet(f, idx.of(i));
        if (sub !== null) out.push(filterValue(a.get(i), sub, idx));
      }
      return out;
    }
    case K_SET: {
      let c = asColl(v);
      let out = newSet();
      for (let i = 0; i < c.len; i++) {
        let sub = objGet(f, c.key(i));
        if (sub !== null) setAdd(out, filterValue(c.key(i), sub, idx));
      }
      return out;
    }
    case K_OBJ: {
      let c = asColl(v);
      let out = newObj();
      for (let i = 0; i < c.len; i++) {
        let sub = objGet(f, c.key(i));
        if (sub !== null) objPut(out, c.key(i), filterValue(c.val(i), sub, idx));
      }
      return out;
    }
  }
  return v;
}

export function jsonFilter(obj: Value, paths: Value): Value | null {
  if (obj.kind != K_OBJ) return null;
  let ps = parsePaths(paths);
  if (ps === null) return null;
  return filterValue(obj, pathTree(ps), new IndexKey());
}

// ---------------------------------------------------------------- json.remove

/** What is left of v after removing `filter` (null: v itself is removed). */
function removeValue(v: Value, filter: Value | null, idx: IndexKey): Value | null {
  if (filter === null) return v;
  if (filter.kind == K_NULL) return null;
  let f = asColl(filter);
  switch (v.kind) {
    case K_ARR: {
      // removed elements close up, as JSON pointer removal does
      let a = asArr(v);
      let out = new ArrV(a.len);
      for (let i = 0; i < a.len; i++) {
        let left = removeValue(a.get(i), objGet(f, idx.of(i)), idx);
        if (left !== null) out.push(left);
      }
      return out;
    }
    case K_SET: {
      let c = asColl(v);
      let out = newSet(c.len);
      for (let i = 0; i < c.len; i++) {
        let left = removeValue(c.key(i), objGet(f, c.key(i)), idx);
        if (left !== null) setAdd(out, left);
      }
      return out;
    }
    case K_OBJ: {
      let c = asColl(v);
      let out = newObj(c.len);
      for (let i = 0; i < c.len; i++) {
        let left = removeValue(c.val(i), objGet(f, c.key(i)), idx);
        if (left !== null) objPut(out, c.key(i), left);
      }
      return out;
    }
  }
  return v;
}

export function jsonRemove(obj: Value, paths: Value): Value | null {
  if (obj.kind != K_OBJ) return null;
  let ps = parsePaths(paths);
  if (ps === null) return null;
  return removeValue(obj, pathTree(ps), new IndexKey());
}

// ---------------------------------------------------------------- json.patch

const IDX_BAD: i32 = -1;

/**
 * An array index segment as OPA's edit tree reads it: an integer number, or a string of decimal
 * digits without leading zeros (an optional sign, as Go's ParseInt), or "-" for one past the end.
 * IDX_BAD when the segment is none of these; negative indexes come back negative.
 */
function arrayIndex(seg: Value, length: i32): i32 {
  if (seg.kind == K_NUM) {
    let n = numOf(seg);
    if (!isInt(n) || Math.abs(n) > 2147483647.0) return IDX_BAD;
    return n < 0 ? -2 : <i32>n;
  }
  if (seg.kind != K_STR) return IDX_BAD;
  let s = asStr(seg);
  if (s.len == 1 && load<u8>(s.ptr) == 0x2d) return length;
  if (s.len == 0) return IDX_BAD;
  let i = 0;
  let neg = false;
  let c = load<u8>(s.ptr);
  if (c == 0x2b || c == 0x2d) { neg = c == 0x2d; i = 1; }
  if (i == s.len) return IDX_BAD;
  if (load<u8>(s.ptr) == 0x30 && s.len > 1) return IDX_BAD; // leading zeros are not allowed
  let v: i64 = 0;
  for (; i < s.len; i++) {
    let d = <i32>load<u8>(s.ptr + <usize>i) - 0x30;
    if (d < 0 || d > 9) return IDX_BAD;
    v = v * 10 + d;
    if (v > 2147483647) return IDX_BAD;
  }
  return neg && v != 0 ? -2 : <i32>v;
}

/** The child of container v at key k (object key, set member, array index), or null. */
function childAt(v: Value, k: Value): Value | null {
  switch (v.kind) {
    case K_OBJ: return objGet(asColl(v), k);
    case K_SET: {
      let j = collFind(asColl(v), k);
      return j < 0 ? null : asColl(v).key(j);
    }
    case K_ARR: {
      let a = asArr(v);
      let j = arrayIndex(k, a.len);
      return j < 0 || j >= a.len ? null : a.get(j);
    }
  }
  return null;
}

/** The value at path[from..] below v, or null. */
function valueAt(v: Value, path: ArrV, from: i32): Value | null {
  let cur: Value | null = v;
  for (let i = from; i < path.len && cur !== null; i++) cur = childAt(cur, path.get(i));
  return cur;
}

function arrCopy(a: ArrV): ArrV {
  let out = new ArrV(a.len + 1);
  for (let i = 0; i < a.len; i++) out.push(a.get(i));
  return out;
}

function collCopy(c: CollV): CollV {
  let out = c.kind == K_OBJ ? newObj(c.len + 1) : newSet(c.len + 1);
  for (let i = 0; i < c.len; i++) {
    if (c.kind == K_OBJ) objPut(out, c.key(i), c.val(i)); else setAdd(out, c.key(i));
  }
  return out;
}

/** A copy of set c without member i. */
function setWithout(c: CollV, i: i32): CollV {
  let out = newSet(c.len);
  for (let j = 0; j < c.len; j++) if (j != i) setAdd(out, c.key(j));
  return out;
}

/**
 * A copy of container v whose child at key k is `child` (the child changed below). A set member
 * that changed is a different member: the old one goes, the new one comes in.
 */
function withChild(v: Value, k: Value, child: Value): Value {
  switch (v.kind) {
    case K_OBJ: {
      let out = collCopy(asColl(v));
      objPut(out, k, child);
      return out;
    }
    case K_SET: {
      let c = asColl(v);
      let out = setWithout(c, collFind(c, k));
      setAdd(out, child);
      return out;
    }
    default: {
      let a = arrCopy(asArr(v));
      a.set(arrayIndex(k, a.len), child);
      return a;
    }
  }
}

/** v with `value` added at path[from..] (RFC 6902 "add"), or null. */
function addAt(v: Value, path: ArrV, from: i32, value: Value): Value | null {
  let k = path.get(from);
  if (from < path.len - 1) {
    let c = childAt(v, k);
    if (c === null) return null;
    let changed = addAt(c, path, from + 1, value);
    return changed === null ? null : withChild(v, k, changed);
  }
  switch (v.kind) {
    case K_OBJ: {
      let out = collCopy(asColl(v));
      objPut(out, k, value);
      return out;
    }
    case K_SET: {
      // a set member is addressed by itself: the key must be the value
      if (!equal(k, value)) return null;
      let out = collCopy(asColl(v));
      setAdd(out, value);
      return out;
    }
    case K_ARR: {
      let a = asArr(v);
      let at = arrayIndex(k, a.len);
      if (at < 0 || at > a.len) return null;
      let out = new ArrV(a.len + 1);
      for (let i = 0; i < a.len; i++) {
        if (i == at) out.push(value);
        out.push(a.get(i));
      }
      if (at == a.len) out.push(value);
      return out;
    }
  }
  return null;
}

/** v without the value at path[from..] (RFC 6902 "remove"), or null when there is none. */
function removeAt(v: Value, path: ArrV, from: i32): Value | null {
  let k = path.get(from);
  if (from < path.len - 1) {
    let c = childAt(v, k);
    if (c === null) return null;
    let changed = removeAt(c, path, from + 1);
    return changed === null ? null : withChild(v, k, changed);
  }
  switch (v.kind) {
    case K_OBJ: {
      let c = asColl(v);
      let at = collFind(c, k);
      if (at < 0) return null;
      let out = newObj(c.len);
      for (let i = 0; i < c.len; i++) if (i != at) objPut(out, c.key(i), c.val(i));
      return out;
    }
    case K_SET: {
      let c = asColl(v);
      let at = collFind(c, k);
      return at < 0 ? null : setWithout(c, at);
    }
    case K_ARR: {
      let a = asArr(v);
      let at = arrayIndex(k, a.len);
      if (at < 0 || at >= a.len) return null;
      let out = new ArrV(a.len);
      for (let i = 0; i < a.len; i++) if (i != at) out.push(a.get(i));
      return out;
    }
  }
  return null;
}

let K_OP: StrV = strFrom("op");
let K_PATH: StrV = strFrom("path");
let K_FROM: StrV = strFrom("from");
let K_VALUE: StrV = strFrom("value");
const OPS: StaticArray<string> = ["add", "remove", "replace", "move", "copy", "test"];

function opCode(op: Value): i32 {
  return op.kind == K_STR ? indexOfAscii(asStr(op), OPS) : -1;
}

/**
 * json.patch: the operations applied in order to a copy of the document, or null when one fails
 * (or a "test" does not hold). The document may be removed ("remove" at "") and added back; a
 * removed document at the end is undefined, not null.
 */
export function jsonPatch(target: Value, ops: Value): Value | null {
  if (ops.kind != K_ARR) return null;
  let list = asArr(ops);
  let doc: Value | null = target;
  for (let i = 0; i < list.len; i++) {
    let o = list.get(i);
    if (o.kind != K_OBJ) return null;
    let oc = asColl(o);
    let opv = objGet(oc, K_OP);
    if (opv === null) return null;
    let op = opCode(opv);
    if (op < 0) return null;
    let pv = objGet(oc, K_PATH);
    if (pv === null) return null;
    let path = parsePath(pv);
    if (path === null) return null;
    let from: ArrV | null = null;
    if (op == 3 || op == 4) {
      let fv = objGet(oc, K_FROM);
      if (fv === null) return null;
      from = parsePath(fv);
      if (from === null) return null;
    }
    let value: Value | null = null;
    if (op == 0 || op == 2 || op == 5) {
      value = objGet(oc, K_VALUE);
      if (value === null) return null;
    }
    // Every operation except an add at the root needs the document to be there.
    if (doc === null && !(path.len == 0 && op == 0)) return null;
    switch (op) {
      case 0: doc = put(doc, path, changetype<Value>(value)); break;
      case 1: doc = take(changetype<Value>(doc), path); break;
      case 2: {
        let d = take(changetype<Value>(doc), path);
        if (d === DELETED_FAILED) return null;
        doc = put(d, path, changetype<Value>(value));
        break;
      }
      case 3: {
        let moved = valueAt(changetype<Value>(doc), changetype<ArrV>(from), 0);
        if (moved === null) return null;
        let d = take(changetype<Value>(doc), changetype<ArrV>(from));
        if (d === DELETED_FAILED) return null;
        doc = put(d, path, moved);
        break;
      }
      case 4: {
        let copied = valueAt(changetype<Value>(doc), changetype<ArrV>(from), 0);
        if (copied === null) return null;
        doc = put(doc, path, copied);
        break;
      }
      default: {
        let have = valueAt(changetype<Value>(doc), path, 0);
        if (have === null || !equal(have, changetype<Value>(value))) return null;
      }
    }
    if (doc === DELETED_FAILED) return null;
  }
  return doc;
}

/** Marks a failed operation (null already means "the document was removed"). */
const DELETED_FAILED: Value = new Value(K_NULL);

/** doc with value added at path; the root path replaces the document. */
function put(doc: Value | null, path: ArrV, value: Value): Value | null {
  if (path.len == 0) return value;
  if (doc === null) return DELETED_FAILED;
  let r = addAt(doc, path, 0, value);
  return r === null ? DELETED_FAILED : r;
}

/** doc without the value at path: null when the root itself was removed. */
function take(doc: Value, path: ArrV): Value | null {
  if (path.len == 0) return null;
  let r = removeAt(doc, path, 0);
  return r === null ? DELETED_FAILED : r;
}
