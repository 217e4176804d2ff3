/**
 * object.* and json.filter/remove/patch. On the host, objects have string keys only and sets are
 * arrays, so these are exact only for such values (the catalog marks them needsNativeValues).
 */
import { Impl, JsonObject, clone, isArray, isInteger, isObject, isString, setProp, toSet, valuesEqual } from './values';

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** A key collection argument (array, set or object: an object's keys) as a list of keys. */
function keyList(keys: unknown): unknown[] | undefined {
  if (isArray(keys)) return keys;
  if (isObject(keys)) return Object.keys(keys);
  return undefined;
}

/** object.union: right wins, except that two objects under the same key are merged recursively. */
function unionObjects(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(a)) setProp(out, k, v);
  for (const [k, v] of Object.entries(b)) {
    const left = hasOwn(out, k) ? out[k] : undefined;
    setProp(out, k, isObject(left) && isObject(v) ? unionObjects(left, v) : v);
  }
  return out;
}

/** object.subset semantics; arrays stand for both arrays and sets here. */
function isSubset(sup: unknown, sub: unknown): boolean {
  if (isObject(sup) && isObject(sub)) {
    return Object.entries(sub).every(([k, v]) => {
      if (!hasOwn(sup, k)) return false;
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

// ---- json.filter / json.remove: paths as "a/b/0" (JSON-pointer escapes ~0 ~1) or ["a", "b", "0"] ----

/** A path as OPA's parsePath reads it: leading slashes dropped, then split on "/" (a trailing "/" names the key ""). */
function parseFilterPath(p: unknown): unknown[] | undefined {
  if (isString(p)) {
    if (p === '') return [];
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  if (isArray(p)) return p;
  return undefined;
}

interface PathTrie {
  leaf: boolean;
  children: Map<string, PathTrie>;
}

/**
 * Segment key in the trie. Array elements are addressed by their index as a *string* ("0"), as OPA
 * does (a number segment such as ["a", 1] matches no array element).
 */
const segmentKey = (seg: unknown): string => JSON.stringify(seg);

function buildTrie(paths: unknown): PathTrie | undefined {
  if (!isArray(paths)) return undefined;
  const root: PathTrie = { leaf: false, children: new Map() };
  for (const p of paths) {
    const segs = parseFilterPath(p);
    if (segs === undefined) return undefined;
    // OPA ignores an empty path rather than selecting the whole document.
    if (segs.length === 0) continue;
    let node = root;
    for (const seg of segs) {
      const key = segmentKey(seg);
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

function filterByTrie(value: unknown, node: PathTrie): unknown {
  if (node.leaf) return clone(value);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const child = node.children.get(segmentKey(k));
      if (child) setProp(out, k, filterByTrie(v, child));
    }
    return out;
  }
  if (isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const child = node.children.get(segmentKey(String(i)));
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
      const child = node.children.get(segmentKey(k));
      if (!child) setProp(out, k, clone(v));
      else if (!child.leaf) setProp(out, k, removeByTrie(v, child));
    }
    return out;
  }
  if (isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const child = node.children.get(segmentKey(String(i)));
      if (!child) out.push(clone(v));
      else if (!child.leaf) out.push(removeByTrie(v, child));
    });
    return out;
  }
  return clone(value);
}

// ---- json.patch (RFC 6902) ----

/** Thrown inside applyPatch when an operation cannot be applied; the builtin's result is then undefined. */
class PatchFailure extends Error {}
const patchFail = (why: string): never => {
  throw new PatchFailure(why);
};

/** A patch path: "" (the root), "/a/0" (read as json.filter reads it) or an array of segments. */
function patchPath(p: unknown): string[] {
  if (isArray(p)) {
    return p.map((seg) => {
      if (isString(seg)) return seg;
      if (isInteger(seg)) return seg < 0 ? patchFail('negative array index') : String(seg);
      return patchFail('path segments must be strings or integers');
    });
  }
  if (!isString(p)) return patchFail('path must be a string or an array');
  return parseFilterPath(p) as string[];
}

/** An array index segment: decimal, no leading zeros; "-" (one past the end) only where allowed. */
function arrayIndex(seg: string, length: number, allowEnd: boolean): number {
  if (seg === '-') return allowEnd ? length : patchFail('"-" is only valid for add');
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) return patchFail(`invalid array index ${seg}`);
  const i = Number(seg);
  if (i > (allowEnd ? length : length - 1)) patchFail(`array index ${seg} out of range`);
  return i;
}

/** The document is held in a box so that operations on the root ("") can replace or remove it. */
interface Doc {
  value: unknown;
  present: boolean;
}

function getAt(doc: Doc, path: string[]): unknown {
  if (!doc.present) return patchFail('document is empty');
  let cur = doc.value;
  for (const seg of path) {
    if (isObject(cur)) cur = hasOwn(cur, seg) ? cur[seg] : patchFail(`missing key ${seg}`);
    else if (isArray(cur)) cur = cur[arrayIndex(seg, cur.length, false)];
    else patchFail('path goes through a scalar');
  }
  return cur;
}

function parentOf(doc: Doc, path: string[]): unknown {
  return getAt(doc, path.slice(0, -1));
}

function addAt(doc: Doc, path: string[], value: unknown): void {
  if (path.length === 0) {
    doc.value = value;
    doc.present = true;
    return;
  }
  const parent = parentOf(doc, path);
  const last = path[path.length - 1];
  if (isObject(parent)) setProp(parent, last, value);
  else if (isArray(parent)) parent.splice(arrayIndex(last, parent.length, true), 0, value);
  else patchFail('parent is not a container');
}

function removeAt(doc: Doc, path: string[]): unknown {
  if (path.length === 0) {
    const old = getAt(doc, path);
    doc.value = undefined;
    doc.present = false;
    return old;
  }
  const parent = parentOf(doc, path);
  const last = path[path.length - 1];
  if (isObject(parent)) {
    if (!hasOwn(parent, last)) patchFail(`missing key ${last}`);
    const old = parent[last];
    delete parent[last];
    return old;
  }
  if (isArray(parent)) return parent.splice(arrayIndex(last, parent.length, false), 1)[0];
  return patchFail('parent is not a container');
}

function applyOperation(doc: Doc, op: unknown): void {
  if (!isObject(op) || !isString(op.op) || !hasOwn(op, 'path')) patchFail('malformed operation');
  const o = op as JsonObject;
  const path = patchPath(o.path);
  const needValue = (): unknown => (hasOwn(o, 'value') ? clone(o.value) : patchFail('missing value'));
  const from = (): string[] => (hasOwn(o, 'from') ? patchPath(o.from) : patchFail('missing from'));
  switch (o.op) {
    case 'add':
      addAt(doc, path, needValue());
      return;
    case 'remove':
      removeAt(doc, path);
      return;
    case 'replace': {
      const value = needValue();
      removeAt(doc, path);
      addAt(doc, path, value);
      return;
    }
    case 'move': {
      const src = from();
      const isProperPrefix = src.length < path.length && src.every((s, i) => s === path[i]);
      if (isProperPrefix) patchFail('cannot move a value into one of its children');
      addAt(doc, path, removeAt(doc, src));
      return;
    }
    case 'copy':
      addAt(doc, path, clone(getAt(doc, from())));
      return;
    case 'test':
      if (!valuesEqual(getAt(doc, path), needValue())) patchFail('test failed');
      return;
    default:
      patchFail(`unknown operation ${String(o.op)}`);
  }
}

function jsonPatch(target: unknown, patches: unknown): unknown {
  if (!isArray(patches)) return undefined;
  const doc: Doc = { value: clone(target), present: true };
  try {
    for (const op of patches) applyOperation(doc, op);
  } catch (e) {
    if (e instanceof PatchFailure) return undefined;
    throw e;
  }
  return doc.present ? doc.value : undefined;
}

export const objectBuiltins: Record<string, Impl> = {
  'object.get': (obj, key, dflt) => {
    if (!isObject(obj)) return undefined;
    if (isString(key)) return clone(hasOwn(obj, key) ? obj[key] : dflt);
    if (!isArray(key)) return clone(dflt);
    // An array key is a path; [] is the object itself.
    let cur: unknown = obj;
    for (const seg of key) {
      if (isObject(cur) && isString(seg) && hasOwn(cur, seg)) cur = cur[seg];
      else if (isArray(cur) && isInteger(seg) && seg >= 0 && seg < cur.length) cur = cur[seg];
      else return clone(dflt);
    }
    return clone(cur);
  },
  'object.keys': (obj) => (isObject(obj) ? toSet(Object.keys(obj)) : undefined),
  'object.union': (a, b) => (isObject(a) && isObject(b) ? clone(unionObjects(a, b)) : undefined),
  'object.union_n': (objs) => (isArray(objs) && objs.every(isObject) ? clone(objs.reduce(unionObjects, {})) : undefined),
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
    const shape = (v: unknown): boolean => isObject(v) || isArray(v);
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
  'json.patch': jsonPatch,
};
