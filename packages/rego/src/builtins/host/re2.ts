/**
 * Regular expressions with Go's syntax and semantics, on re2js (a port of RE2): matching takes time
 * linear in the input, whatever the pattern, so a policy-supplied pattern cannot stall evaluation
 * by catastrophic backtracking. Positions are UTF-16 indices of the JS string; matching itself is
 * on code points, as Go's is on runes.
 *
 * `findAll` and `replaceAll` follow Go's Regexp.FindAll and Regexp.ReplaceAllString, including
 * which empty matches they keep.
 */
import { RE2JS } from 're2js';
import { BoundedCache } from './bounded-cache';

/** Compiled patterns, or Go's error for an invalid one; bounded so that user-supplied patterns cannot grow it forever. */
const cache = new BoundedCache<RE2JS | Error>(1000);

/** Group names (index: group number) of patterns that use a name twice; see `withoutRepeatedNames`. */
const repeatedNames = new WeakMap<RE2JS, Array<string | undefined>>();

function compile(pattern: string): RE2JS | Error {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    // re2js words its syntax errors as Go does: "error parsing regexp: missing closing ]: `[a`".
    const error = e instanceof Error ? new Error(e.message) : new Error(String(e));
    if (!error.message.includes('duplicate capture group name')) return error;
    const { source, names } = withoutRepeatedNames(pattern);
    try {
      const re = RE2JS.compile(source);
      repeatedNames.set(re, names);
      return re;
    } catch (e2) {
      // Invalid for another reason: that error, quoting the pattern as written.
      return new Error((e2 instanceof Error ? e2.message : String(e2)).split(source).join(pattern));
    }
  }
}

const NAMED_GROUP = /\(\?P?<([^>]*)>/y;

/**
 * Go accepts a group name used more than once (re2js does not): the pattern with every later use
 * of a name made an unnamed group (same numbering, same matches), and the name of each group.
 */
function withoutRepeatedNames(pattern: string): { source: string; names: Array<string | undefined> } {
  const names: Array<string | undefined> = [undefined];
  const seen = new Set<string>();
  let source = '';
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    let next = i + 1;
    if (pattern[i] === '\\') {
      // An escape, or \Q...\E literal text: nothing in it opens a group or a class.
      const end = pattern[i + 1] === 'Q' ? pattern.indexOf('\\E', i + 2) : -1;
      next = pattern[i + 1] === 'Q' ? (end < 0 ? pattern.length : end + 2) : i + 2;
    } else if (inClass) {
      const posix = pattern.startsWith('[:', i) ? pattern.indexOf(':]', i + 2) : -1;
      if (posix >= 0) next = posix + 2;
      else if (pattern[i] === ']') inClass = false;
    } else if (pattern[i] === '[') {
      // A `]` right after `[` or `[^` is a literal.
      if (pattern[next] === '^') next++;
      if (pattern[next] === ']') next++;
      inClass = true;
    } else if (pattern[i] === '(') {
      NAMED_GROUP.lastIndex = i;
      const named = NAMED_GROUP.exec(pattern);
      if (named) {
        names.push(named[1]);
        source += seen.has(named[1]) ? '(' : named[0];
        seen.add(named[1]);
        i += named[0].length;
        continue;
      }
      if (pattern[i + 1] !== '?') names.push(undefined);
    }
    source += pattern.slice(i, next);
    i = next;
  }
  return { source, names };
}

/** The name of each group (index: group number; undefined for group 0 and unnamed groups), as Go's SubexpNames. */
export function groupNames(re: RE2JS): Array<string | undefined> {
  const repeated = repeatedNames.get(re);
  if (repeated) return repeated;
  const names: Array<string | undefined> = new Array(re.groupCount() + 1).fill(undefined);
  for (const [name, index] of Object.entries(re.namedGroups())) names[index] = name;
  return names;
}

/** The compiled pattern, or the Error (Go's wording) saying why it is invalid. */
export function compileRe2(pattern: string): RE2JS | Error {
  return cache.get(pattern, () => compile(pattern));
}

/** One match: `spans[2i]`, `spans[2i+1]` bound group i (group 0: the whole match); -1 for a group that took no part. */
export interface Match {
  readonly spans: number[];
}

/** The text of group i of a match, or undefined when that group took no part in it. */
export function groupText(s: string, m: Match, i: number): string | undefined {
  const start = m.spans[2 * i];
  return start === undefined || start < 0 ? undefined : s.slice(start, m.spans[2 * i + 1]);
}

/** UTF-16 length of the code point at `pos`. */
function codePointWidth(s: string, pos: number): number {
  const cp = s.codePointAt(pos) as number;
  return cp > 0xffff ? 2 : 1;
}

/**
 * Go's FindAllSubmatchIndex(s, n): successive non-overlapping matches, where an empty match right
 * after the previous match is skipped; at most n matches (n < 0: all). re2js's RE2 is a port of
 * Go's Regexp and has these rules itself.
 */
export function findAll(re: RE2JS, s: string, n: number): Match[] {
  const found = re.re2().findAllSubmatchIndex(s, n) as number[][] | null;
  return (found ?? []).map((spans) => ({ spans }));
}

/**
 * Go's ReplaceAllString-style replacement: every match replaced by `replacement(match)`, except an
 * empty match right after the previous match (so `a*` on "baaac" gives -b-c-, not -b--c-).
 */
export function replaceAll(re: RE2JS, s: string, replacement: (m: Match) => string): string {
  const matcher = re.matcher(s);
  const groups = re.groupCount();
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  // Matcher.find(pos) searches the whole text from pos, so `^` and `\b` see what comes before.
  while (searchPos <= s.length && matcher.find(searchPos)) {
    const spans: number[] = [];
    for (let g = 0; g <= groups; g++) spans.push(matcher.start(g), matcher.end(g));
    const m = { spans };
    const [start, end] = spans;
    out += s.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += replacement(m);
    lastMatchEnd = end;
    // Advance past the match, always by at least one code point.
    const width = searchPos < s.length ? codePointWidth(s, searchPos) : 1;
    searchPos = searchPos + width > end ? searchPos + width : end;
  }
  return out + s.slice(lastMatchEnd);
}
