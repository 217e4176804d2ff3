// OPA's string builtins that policies call on every request (trim, substring, indexof, replace,
// lower, ...), run inside the module with the results of the host implementations
// (src/builtins/host/strings.ts, Go's semantics): offsets and lengths count runes (code points),
// cutsets are sets of runes, whitespace is Go's unicode.IsSpace.
//
// Strings are valid UTF-8 (the JSON reader turns lone surrogates into U+FFFD), so a byte match of
// one valid UTF-8 string inside another always starts and ends on rune boundaries: searches run
// on bytes, and only offsets are counted in runes.
//
// Calls the host answers with a builtin error (an empty search string, a negative or fractional
// substring offset), calls with numbers the host would not see as finite, case mapping beyond
// ASCII (Unicode tables) and replacement patterns with non-string keys (JSON turns the keys into
// strings on the way to the host) return HOST_FALLBACK: the host implementation runs them, so the
// error, its text, and how the caller treats it are the host's own.
import {
  Value, StrV, ArrV, CollV, K_STR, K_NUM, K_ARR, K_SET, K_OBJ, asStr, asNum, asArr, asColl, mkInt, mkBool, newStr, runeCount,
} from "./values";
import { outStart, outBytes, outFinishStr } from "./json";
import { HOST_FALLBACK } from "./sprintf";

@inline function byteAt(s: StrV, i: i32): u32 { return <u32>load<u8>(s.ptr + <usize>i); }

/** Byte length of the UTF-8 sequence starting with lead byte `b` (1 for a stray continuation byte). */
@inline function seqLen(b: u32): i32 {
  return b < 0xc0 ? 1 : (b < 0xe0 ? 2 : (b < 0xf0 ? 3 : 4));
}

/** Start of the rune that ends just before byte `end` (never before `from`). */
function runeStartBefore(s: StrV, from: i32, end: i32): i32 {
  let j = end - 1;
  while (j > from && (byteAt(s, j) & 0xc0) == 0x80) j--;
  return j;
}

/** The code point of the rune at bytes [i, i + n). */
function codePoint(s: StrV, i: i32, n: i32): u32 {
  let b = byteAt(s, i);
  if (n == 1) return b;
  let cp = b & (n == 2 ? 0x1f : (n == 3 ? 0x0f : 0x07));
  for (let k = 1; k < n; k++) cp = (cp << 6) | (byteAt(s, i + k) & 0x3f);
  return cp;
}

function slice(s: StrV, from: i32, to: i32): StrV {
  return new StrV(s.ptr + <usize>from, to - from);
}

/** First byte index at or after `from` where `n` occurs in `h`, or -1. */
function find(h: StrV, from: i32, n: StrV): i32 {
  let last = h.len - n.len;
  if (n.len == 0) return from <= h.len ? from : -1;
  let first = <u8>byteAt(n, 0);
  for (let i = from; i <= last; i++) {
    if (load<u8>(h.ptr + <usize>i) == first && memory.compare(h.ptr + <usize>i, n.ptr, <usize>n.len) == 0) return i;
  }
  return -1;
}

/** Rune index of byte offset `b` (the number of rune starts before it). */
@inline function runesBefore(s: StrV, b: i32): i32 {
  return runeCount(slice(s, 0, b));
}

/** Byte offset of rune `r` (r <= rune count), searching from byte `from`, which is rune `fromRune`. */
function byteOfRune(s: StrV, from: i32, fromRune: i32, r: i32): i32 {
  let i = from;
  let k = fromRune;
  while (k < r && i < s.len) {
    i += seqLen(byteAt(s, i));
    k++;
  }
  return i < s.len ? i : s.len;
}

// ---------------------------------------------------------------- trimming

/** Whether `cutset` holds the rune at bytes [i, i + n) of `s` (a byte match is a whole-rune match). */
function inCutset(cutset: StrV, s: StrV, i: i32, n: i32): bool {
  let p = s.ptr + <usize>i;
  if (n == 1) {
    let b = load<u8>(p);
    for (let k = 0; k < cutset.len; k++) if (load<u8>(cutset.ptr + <usize>k) == b) return true;
    return false;
  }
  let last = cutset.len - n;
  for (let k = 0; k <= last; k++) if (memory.compare(cutset.ptr + <usize>k, p, <usize>n) == 0) return true;
  return false;
}

/** Go's unicode.IsSpace. */
function isGoSpace(cp: u32): bool {
  if (cp < 0x80) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/** Drops leading (`left`) and trailing (`right`) runes in `cutset`, or Go spaces when `cutset` is null. */
function trimRunes(s: StrV, cutset: StrV | null, left: bool, right: bool): StrV {
  let start = 0, end = s.len;
  if (left) {
    while (start < end) {
      let n = seqLen(byteAt(s, start));
      if (start + n > end) n = end - start;
      let drop = cutset !== null ? inCutset(cutset, s, start, n) : isGoSpace(codePoint(s, start, n));
      if (!drop) break;
      start += n;
    }
  }
  if (right) {
    while (end > start) {
      let j = runeStartBefore(s, start, end);
      let drop = cutset !== null ? inCutset(cutset, s, j, end - j) : isGoSpace(codePoint(s, j, end - j));
      if (!drop) break;
      end = j;
    }
  }
  return start == 0 && end == s.len ? s : slice(s, start, end);
}

/** trim (left and right), trim_left, trim_right: null (undefined) unless both are strings. */
export function trimCutset(s: Value, cutset: Value, left: bool, right: bool): Value | null {
  if (s.kind != K_STR || cutset.kind != K_STR) return null;
  let c = asStr(cutset);
  return c.len == 0 ? s : trimRunes(asStr(s), c, left, right);
}

export function trimSpace(s: Value): Value | null {
  return s.kind == K_STR ? trimRunes(asStr(s), null, true, true) : null;
}

// ---------------------------------------------------------------- case mapping

/** lower/upper of ASCII text; any other byte goes to the host (Unicode's simple case mapping). */
export function mapCase(v: Value, upper: bool): Value | null {
  if (v.kind != K_STR) return null;
  let s = asStr(v);
  let lo: u32 = upper ? 0x61 : 0x41; // the range that changes: a-z or A-Z
  let changes = false;
  for (let i = 0; i < s.len; i++) {
    let b = byteAt(s, i);
    if (b >= 0x80) return HOST_FALLBACK;
    if (b - lo < 26) changes = true;
  }
  if (!changes) return s;
  let out = newStr(s.len);
  for (let i = 0; i < s.len; i++) {
    let b = byteAt(s, i);
    store<u8>(out.ptr + <usize>i, <u8>(b - lo < 26 ? b ^ 0x20 : b));
  }
  return out;
}

// ---------------------------------------------------------------- searching

/** indexof: rune index of the first occurrence, or -1. */
export function indexOf(s: Value, sub: Value): Value | null {
  if (s.kind != K_STR || sub.kind != K_STR) return null;
  let h = asStr(s), n = asStr(sub);
  if (n.len == 0) return HOST_FALLBACK;
  let at = find(h, 0, n);
  return mkInt(at < 0 ? -1 : runesBefore(h, at));
}

/** indexof_n: rune indexes of every occurrence, overlapping ones included. */
export function indexOfN(s: Value, sub: Value): Value | null {
  if (s.kind != K_STR || sub.kind != K_STR) return null;
  let h = asStr(s), n = asStr(sub);
  if (n.len == 0) return HOST_FALLBACK;
  let out = new ArrV(4);
  let from = 0, runeAt = 0, counted = 0;
  while (true) {
    let at = find(h, from, n);
    if (at < 0) break;
    runeAt += runeCount(slice(h, counted, at));
    counted = at;
    out.push(mkInt(runeAt));
    from = at + seqLen(byteAt(h, at));
  }
  return out;
}

/** strings.count: non-overlapping occurrences; an empty substring counts the gaps around runes. */
export function countOf(s: Value, sub: Value): Value | null {
  if (s.kind != K_STR || sub.kind != K_STR) return null;
  let h = asStr(s), n = asStr(sub);
  if (n.len == 0) return mkInt(runeCount(h) + 1);
  let count = 0, from = 0;
  while (true) {
    let at = find(h, from, n);
    if (at < 0) break;
    count++;
    from = at + n.len;
  }
  return mkInt(count);
}

// ---------------------------------------------------------------- substring

/**
 * A number argument as the host sees it, or NaN when the host would not see a finite number
 * (such calls go to the host).
 */
function finiteOf(v: Value): f64 {
  let n = asNum(v).n;
  return isFinite(n) ? n : NaN;
}

/**
 * substring(s, offset, length), offsets in runes: an offset at or past the end gives "", a
 * negative length means to the end. Fractional numbers and negative offsets are the host's errors.
 */
export function substring(sv: Value, offv: Value, lenv: Value): Value | null {
  if (sv.kind != K_STR || offv.kind != K_NUM || lenv.kind != K_NUM) return null;
  let off = finiteOf(offv), length = finiteOf(lenv);
  if (isNaN(off) || isNaN(length)) return HOST_FALLBACK;
  if (Math.floor(off) != off) return HOST_FALLBACK;
  let s = asStr(sv);
  let runes = runeCount(s);
  if (off >= <f64>runes) return slice(s, 0, 0);
  if (off < 0 || Math.floor(length) != length) return HOST_FALLBACK;
  let r = <i32>off;
  let start = byteOfRune(s, 0, 0, r);
  if (length < 0 || off + length >= <f64>runes) return slice(s, start, s.len);
  return slice(s, start, byteOfRune(s, start, r, r + <i32>length));
}

// ---------------------------------------------------------------- replacing

/** replace(s, old, new): every non-overlapping `old`, left to right; an empty `old` matches around every rune. */
export function replace(sv: Value, oldv: Value, newv: Value): Value | null {
  if (sv.kind != K_STR || oldv.kind != K_STR || newv.kind != K_STR) return null;
  let s = asStr(sv), old = asStr(oldv), repl = asStr(newv);
  if (old.len == 0) {
    let i = 0;
    outStart();
    outBytes(repl.ptr, repl.len);
    while (i < s.len) {
      let n = seqLen(byteAt(s, i));
      if (i + n > s.len) n = s.len - i;
      outBytes(s.ptr + <usize>i, n);
      outBytes(repl.ptr, repl.len);
      i += n;
    }
    return outFinishStr();
  }
  let at = find(s, 0, old);
  if (at < 0) return s;
  outStart();
  let from = 0;
  while (at >= 0) {
    outBytes(s.ptr + <usize>from, at - from);
    outBytes(repl.ptr, repl.len);
    from = at + old.len;
    at = find(s, from, old);
  }
  outBytes(s.ptr + <usize>from, s.len - from);
  return outFinishStr();
}

/**
 * strings.replace_n(patterns, s): Go's strings.NewReplacer over the patterns in key order: at each
 * position the first matching key wins. Keys matching at one position are prefixes of each other,
 * so the first in (byte) order is the shortest one.
 */
export function replaceN(patterns: Value, sv: Value): Value | null {
  if (patterns.kind != K_OBJ || sv.kind != K_STR) return null;
  let p = asColl(patterns);
  for (let k = 0; k < p.len; k++) if (p.key(k).kind != K_STR) return HOST_FALLBACK;
  for (let k = 0; k < p.len; k++) if (p.val(k).kind != K_STR) return null;
  let s = asStr(sv);
  if (p.len == 0) return s;
  outStart();
  let i = 0;
  while (i <= s.len) {
    let hit = shortestKeyAt(p, s, i);
    if (hit >= 0) {
      let repl = asStr(p.val(hit));
      outBytes(repl.ptr, repl.len);
      let n = asStr(p.key(hit)).len;
      if (n > 0) { i += n; continue; }
    }
    if (i == s.len) break;
    let n = seqLen(byteAt(s, i));
    if (i + n > s.len) n = s.len - i;
    outBytes(s.ptr + <usize>i, n);
    i += n;
  }
  return outFinishStr();
}

/** Index in `p` of the shortest key that occurs in `s` at byte `i`, or -1. */
function shortestKeyAt(p: CollV, s: StrV, i: i32): i32 {
  let best = -1, bestLen = i32.MAX_VALUE;
  let left = s.len - i;
  for (let k = 0; k < p.len; k++) {
    let key = asStr(p.key(k));
    if (key.len < bestLen && key.len <= left && memory.compare(s.ptr + <usize>i, key.ptr, <usize>key.len) == 0) {
      best = k;
      bestLen = key.len;
    }
  }
  return best;
}

// ---------------------------------------------------------------- prefix and suffix lists

/** The strings of a string, or of an array or set of strings; null for anything else. */
function stringList(v: Value): ArrV | null {
  if (v.kind == K_STR) {
    let one = new ArrV(1);
    one.push(v);
    return one;
  }
  let out: ArrV;
  if (v.kind == K_ARR) out = asArr(v);
  else if (v.kind == K_SET) {
    let c = asColl(v);
    out = new ArrV(c.len);
    for (let i = 0; i < c.len; i++) out.push(c.key(i));
  } else return null;
  for (let i = 0; i < out.len; i++) if (out.get(i).kind != K_STR) return null;
  return out;
}

/** strings.any_prefix_match (suffix = false) and strings.any_suffix_match: whether some search string has some base as affix. */
export function anyAffixMatch(search: Value, base: Value, suffix: bool): Value | null {
  let ss = stringList(search);
  let bs = stringList(base);
  if (ss === null || bs === null) return null;
  for (let i = 0; i < ss.len; i++) {
    let s = asStr(ss.get(i));
    for (let j = 0; j < bs.len; j++) {
      let b = asStr(bs.get(j));
      let at: i32 = suffix ? s.len - b.len : 0;
      if (b.len <= s.len && memory.compare(s.ptr + <usize>at, b.ptr, <usize>b.len) == 0) return mkBool(true);
    }
  }
  return mkBool(false);
}
