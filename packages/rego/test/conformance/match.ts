/**
 * Comparing an expected Rego value (decoded from a case) with the JSON the SDK returns.
 * The SDK's JSON has no sets (they come back as arrays, in no particular order) and no
 * non-string keys (they come back as their JSON text), so the expected value guides the
 * comparison: where it has a set, the actual array is compared as an unordered collection.
 */
import { Many, RegoObject, RegoSet } from './cases';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unorderedMatch(want: unknown[], have: unknown[]): boolean {
  if (want.length !== have.length) return false;
  const used = new Array<boolean>(have.length).fill(false);
  // Greedy pairing is enough: `matches` is an equality, so any match is as good as another.
  for (const w of want) {
    const i = have.findIndex((h, j) => !used[j] && matches(w, h));
    if (i < 0) return false;
    used[i] = true;
  }
  return true;
}

/** A non-string key appears in the SDK's JSON as the JSON text of the key. */
function keyMatches(want: unknown, have: string): boolean {
  if (typeof want === 'string') return want === have;
  try {
    return matches(want, JSON.parse(have));
  } catch {
    return false;
  }
}

export function matches(want: unknown, have: unknown): boolean {
  if (want instanceof RegoSet) return Array.isArray(have) && unorderedMatch(want.items, have);
  if (want instanceof Many) return Array.isArray(have) && unorderedMatch(want.items, have);
  if (want instanceof RegoObject) {
    if (!isPlainObject(have)) return false;
    const keys = Object.keys(have);
    if (keys.length !== want.entries.length) return false;
    const used = new Set<string>();
    for (const [k, v] of want.entries) {
      const key = keys.find((s) => !used.has(s) && keyMatches(k, s) && matches(v, have[s]));
      if (key === undefined) return false;
      used.add(key);
    }
    return true;
  }
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((w, i) => matches(w, have[i]));
  if (isPlainObject(want)) {
    if (!isPlainObject(have)) return false;
    const keys = Object.keys(want);
    if (keys.length !== Object.keys(have).length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(have, k) && matches(want[k], have[k]));
  }
  // Numbers compare by value (1 and 1.0 are the same Rego number); everything else strictly.
  return want === have;
}

/** Short text of a decoded value for failure reasons (sets written `{..}` as in Rego). */
export function show(v: unknown, max = 400): string {
  const text = (x: unknown): string => {
    if (x instanceof RegoSet) return x.items.length ? `{${x.items.map(text).join(', ')}}` : 'set()';
    if (x instanceof Many) return `many(${x.items.map(text).join(', ')})`;
    if (x instanceof RegoObject) return `{${x.entries.map(([k, val]) => `${text(k)}: ${text(val)}`).join(', ')}}`;
    if (Array.isArray(x)) return `[${x.map(text).join(', ')}]`;
    if (isPlainObject(x))
      return `{${Object.entries(x)
        .map(([k, val]) => `${JSON.stringify(k)}: ${text(val)}`)
        .join(', ')}}`;
    return x === undefined ? 'undefined' : JSON.stringify(x);
  };
  const s = text(v);
  return s.length > max ? `${s.slice(0, max)}...` : s;
}
