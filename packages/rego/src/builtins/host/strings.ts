/**
 * String builtins with Go's semantics: offsets and lengths count Unicode code points (runes),
 * whitespace is Go's unicode.IsSpace, case mapping is per rune.
 */
import { fail } from './errors';
import { sprintf } from './sprintf';
import { Impl, compareStrings, isInteger, isNumber, isObject, isString, isStringArray, runes, toBigInt } from './values';

/** Go's unicode.IsSpace (the White_Space property minus U+FEFF, which JS's trim() also strips). */
const GO_SPACE = new Set(
  [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000].concat(
    Array.from({ length: 11 }, (_, i) => 0x2000 + i),
  ),
);
const isGoSpace = (ch: string): boolean => GO_SPACE.has(ch.codePointAt(0) as number);

function trimRunes(s: string, drop: (ch: string) => boolean, left: boolean, right: boolean): string {
  const rs = runes(s);
  let start = 0;
  let end = rs.length;
  if (left) while (start < end && drop(rs[start])) start++;
  if (right) while (end > start && drop(rs[end - 1])) end--;
  return rs.slice(start, end).join('');
}

function cutsetTrim(left: boolean, right: boolean): Impl {
  return (s, cutset) => {
    if (!isString(s) || !isString(cutset)) return undefined;
    const set = new Set(runes(cutset));
    return trimRunes(s, (ch) => set.has(ch), left, right);
  };
}

/**
 * Per-rune case mapping like Go's strings.ToLower/ToUpper: Unicode simple case mapping, no context
 * (a final capital sigma still becomes σ) and no expansion (ß stays ß in upper case).
 */
function mapRunes(s: string, map: (ch: string) => string): string {
  return runes(s)
    .map((ch) => {
      const m = map(ch);
      if (runes(m).length === 1) return m;
      // JS expands İ (U+0130) to "i̇"; its simple lowercase mapping is plain i.
      return ch === '\u0130' ? 'i' : ch;
    })
    .join('');
}

function indicesOf(haystack: string, needle: string): number[] {
  const h = runes(haystack);
  const n = runes(needle);
  const out: number[] = [];
  for (let i = 0; i + n.length <= h.length; i++) {
    if (n.every((ch, j) => h[i + j] === ch)) out.push(i);
  }
  return out;
}

/** A string, or an array/set of strings, as a list. */
function stringList(v: unknown): string[] | undefined {
  if (isString(v)) return [v];
  return isStringArray(v) ? v : undefined;
}

/** Go's strings.NewReplacer(pairs...).Replace(s): leftmost position first, then the first matching old string. */
function replaceMany(s: string, pairs: Array<[string, string]>): string {
  let out = '';
  let i = 0;
  while (i <= s.length) {
    const hit = pairs.find(([old]) => s.startsWith(old, i));
    if (hit) {
      out += hit[1];
      if (hit[0].length > 0) {
        i += hit[0].length;
        continue;
      }
    }
    if (i === s.length) break;
    const ch = String.fromCodePoint(s.codePointAt(i) as number);
    out += ch;
    i += ch.length;
  }
  return out;
}

export const stringBuiltins: Record<string, Impl> = {
  concat: (delim, xs) => (isString(delim) && isStringArray(xs) ? xs.join(delim) : undefined),
  contains: (s, sub) => (isString(s) && isString(sub) ? s.includes(sub) : undefined),
  startswith: (s, prefix) => (isString(s) && isString(prefix) ? s.startsWith(prefix) : undefined),
  endswith: (s, suffix) => (isString(s) && isString(suffix) ? s.endsWith(suffix) : undefined),
  // The number is truncated toward zero, as big.Float.Int does.
  format_int: (n, base) => {
    if (!isNumber(n) || !isNumber(base)) return undefined;
    if (!(base === 2 || base === 8 || base === 10 || base === 16)) fail('format_int', 'operand 2 must be one of {2, 8, 10, 16}');
    return (toBigInt(Math.trunc(n)) as bigint).toString(base);
  },
  indexof: (s, sub) => {
    if (!isString(s) || !isString(sub)) return undefined;
    if (sub === '') fail('indexof', 'empty search character');
    const found = indicesOf(s, sub);
    return found.length > 0 ? found[0] : -1;
  },
  indexof_n: (s, sub) => {
    if (!isString(s) || !isString(sub)) return undefined;
    if (sub === '') fail('indexof_n', 'empty search character');
    return indicesOf(s, sub);
  },
  lower: (s) => (isString(s) ? mapRunes(s, (ch) => ch.toLowerCase()) : undefined),
  upper: (s) => (isString(s) ? mapRunes(s, (ch) => ch.toUpperCase()) : undefined),
  replace: (s, old, repl) => {
    if (!isString(s) || !isString(old) || !isString(repl)) return undefined;
    // Go inserts `repl` around every rune for an empty `old`; JS would split surrogate pairs.
    if (old === '') return repl + runes(s).join(repl) + (s === '' ? '' : repl);
    return s.split(old).join(repl);
  },
  split: (s, delim) => {
    if (!isString(s) || !isString(delim)) return undefined;
    return delim === '' ? runes(s) : s.split(delim);
  },
  sprintf: (format, values) => sprintf(format, values),
  // Offsets count runes; a negative length means "to the end"; a negative offset is an error.
  substring: (s, offset, length) => {
    if (!isString(s) || !isNumber(offset) || !isNumber(length)) return undefined;
    if (!isInteger(offset)) fail('substring', 'operand 2 must be integer number but got floating-point number');
    const rs = runes(s);
    if (offset >= rs.length) return '';
    if (offset < 0) fail('substring', 'negative offset');
    if (!isInteger(length)) fail('substring', 'operand 3 must be integer number but got floating-point number');
    return (length < 0 ? rs.slice(offset) : rs.slice(offset, offset + length)).join('');
  },
  trim: cutsetTrim(true, true),
  trim_left: cutsetTrim(true, false),
  trim_right: cutsetTrim(false, true),
  trim_prefix: (s, prefix) => (isString(s) && isString(prefix) ? (s.startsWith(prefix) ? s.slice(prefix.length) : s) : undefined),
  trim_suffix: (s, suffix) =>
    isString(s) && isString(suffix) ? (suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s) : undefined,
  trim_space: (s) => (isString(s) ? trimRunes(s, isGoSpace, true, true) : undefined),
  'strings.replace_n': (patterns, s) => {
    if (!isObject(patterns) || !isString(s)) return undefined;
    const keys = Object.keys(patterns).sort(compareStrings);
    const pairs: Array<[string, string]> = [];
    for (const k of keys) {
      const v = patterns[k];
      if (!isString(v)) return undefined;
      pairs.push([k, v]);
    }
    return replaceMany(s, pairs);
  },
  'strings.reverse': (s) => (isString(s) ? runes(s).reverse().join('') : undefined),
  'strings.any_prefix_match': (search, base) => {
    const ss = stringList(search);
    const bs = stringList(base);
    if (!ss || !bs) return undefined;
    return ss.some((s) => bs.some((b) => s.startsWith(b)));
  },
  'strings.any_suffix_match': (search, base) => {
    const ss = stringList(search);
    const bs = stringList(base);
    if (!ss || !bs) return undefined;
    return ss.some((s) => bs.some((b) => s.endsWith(b)));
  },
  'strings.count': (s, sub) => {
    if (!isString(s) || !isString(sub)) return undefined;
    if (sub === '') return runes(s).length + 1;
    return s.split(sub).length - 1;
  },
};
