/**
 * Translation of Go RE2 syntax to an equivalent JavaScript RegExp (always with the `u` flag so that
 * `.` and classes work on code points, like RE2 on runes). Syntax RE2 rejects (backreferences,
 * lookaround) is rejected here too; RE2 features JS lacks (non-leading flag groups, `(?U)`) make
 * the pattern unsupported, reported like an invalid pattern.
 */
import { BoundedCache } from './bounded-cache';

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Characters that must stay escaped in a `u`-mode JS pattern outside a class. */
const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const RE2_SPACE = '\\t\\n\\f\\r ';

class Unsupported extends Error {}

/** Perl/RE2 Unicode class names that JS spells differently. */
function unicodeClass(name: string, negated: boolean): string {
  const n = name.startsWith('^') ? name.slice(1) : name;
  const neg = negated !== name.startsWith('^');
  const general = /^(L|Lu|Ll|Lt|Lm|Lo|M|Mn|Mc|Me|N|Nd|Nl|No|P|Pc|Pd|Ps|Pe|Pi|Pf|Po|S|Sm|Sc|Sk|So|Z|Zs|Zl|Zp|C|Cc|Cf|Cs|Co|Any)$/;
  const body = n === 'Any' ? 'Any' : general.test(n) ? n : `Script=${n}`;
  return `\\${neg ? 'P' : 'p'}{${body}}`;
}

interface Translation {
  source: string;
  flags: string;
}

/** Translate an RE2 pattern; throws when it is invalid in RE2 or not expressible in JS. */
function translate(pattern: string): Translation {
  let flags = 'u';
  let i = 0;
  // Leading flag groups `(?i)`, `(?s)`, `(?m)`, `(?is)` become RegExp flags.
  for (let m = /^\(\?([imsU]+)\)/.exec(pattern); m; m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i))) {
    for (const f of m[1]) {
      if (f === 'U') throw new Unsupported('(?U) is not supported');
      if (!flags.includes(f)) flags += f;
    }
    i += m[0].length;
  }
  const src = pattern;
  let out = '';
  let inClass = false;
  let classStart = false;
  while (i < src.length) {
    const ch = String.fromCodePoint(src.codePointAt(i) as number);
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === undefined) throw new Error('trailing backslash');
      if (next === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const literal = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        out += Array.from(literal)
          .map((c) => (SYNTAX.has(c) || (inClass && c === '-') ? `\\${c}` : c))
          .join('');
        i = end < 0 ? src.length : end + 2;
        continue;
      }
      i += 2;
      if (/[1-9]/.test(next)) throw new Error('backreferences are not supported by RE2');
      switch (next) {
        case 'A':
          out += inClass ? 'A' : '(?<![\\s\\S])';
          continue;
        case 'z':
          out += inClass ? 'z' : '(?![\\s\\S])';
          continue;
        case 's':
          out += inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
          continue;
        case 'S':
          out += inClass ? '\\S' : `[^${RE2_SPACE}]`;
          continue;
        case 'p':
        case 'P': {
          let name: string;
          if (src[i] === '{') {
            const end = src.indexOf('}', i);
            if (end < 0) throw new Error('bad \\p');
            name = src.slice(i + 1, end);
            i = end + 1;
          } else {
            name = src[i];
            i += 1;
          }
          out += unicodeClass(name, next === 'P');
          continue;
        }
        case 'x': {
          if (src[i] === '{') {
            const end = src.indexOf('}', i);
            if (end < 0) throw new Error('bad \\x');
            out += `\\u{${src.slice(i + 1, end)}}`;
            i = end + 1;
          } else {
            out += `\\x${src.slice(i, i + 2)}`;
            i += 2;
          }
          continue;
        }
        case 'd':
        case 'D':
        case 'w':
        case 'W':
        case 'b':
        case 'B':
        case 'n':
        case 't':
        case 'r':
        case 'f':
        case 'v':
          out += `\\${next}`;
          continue;
        case 'a':
          out += '\\x07';
          continue;
        case '0':
          out += '\\0';
          continue;
        default:
          if (/[A-Za-z0-9]/.test(next)) throw new Error(`invalid escape \\${next}`);
          // RE2 lets any punctuation be escaped; `u`-mode JS only accepts syntax characters (and `-` in classes).
          out += SYNTAX.has(next) || (inClass && next === '-') ? `\\${next}` : next;
          continue;
      }
    }
    if (inClass) {
      if (ch === '[' && src[i + 1] === ':') {
        const end = src.indexOf(':]', i + 2);
        if (end < 0) throw new Error('bad class');
        let name = src.slice(i + 2, end);
        if (name.startsWith('^')) throw new Unsupported('negated POSIX class');
        name = name.toLowerCase();
        const cls = POSIX_CLASSES[name];
        if (!cls) throw new Error(`invalid class [:${name}:]`);
        out += cls;
        i = end + 2;
        classStart = false;
        continue;
      }
      if (ch === ']' && !classStart) {
        inClass = false;
        out += ']';
        i++;
        continue;
      }
      classStart = false;
      out += ch === '[' || ch === ']' || ch === '/' ? `\\${ch}` : ch;
      i += ch.length;
      continue;
    }
    switch (ch) {
      case '[':
        inClass = true;
        out += '[';
        i++;
        if (src[i] === '^') {
          out += '^';
          i++;
        }
        classStart = true;
        // A `]` right after `[` or `[^` is a literal in RE2.
        if (src[i] === ']') {
          out += '\\]';
          i++;
          classStart = false;
        }
        continue;
      case '(': {
        if (src[i + 1] === '?') {
          const rest = src.slice(i + 2);
          const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
          if (named) {
            out += `(?<${named[1]}>`;
            i += 2 + named[0].length;
            continue;
          }
          if (rest.startsWith(':')) {
            out += '(?:';
            i += 3;
            continue;
          }
          if (/^[imsU-]+[:)]/.test(rest)) throw new Unsupported('flag groups are only supported at the start');
          throw new Error('invalid or unsupported group syntax');
        }
        out += '(';
        i++;
        continue;
      }
      case '{': {
        const rep = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
        if (rep) {
          if (Number(rep[1]) > 1000 || (rep[3] && Number(rep[3]) > 1000)) throw new Error('bad repetition count');
          out += rep[0];
          i += rep[0].length;
        } else {
          out += '\\{';
          i++;
        }
        continue;
      }
      case '}':
      case ']':
      case '/':
        out += `\\${ch}`;
        i++;
        continue;
      default:
        out += ch;
        i += ch.length;
    }
  }
  if (inClass) throw new Error('missing closing ]');
  return { source: out, flags };
}

/** Compiled patterns, or the reason a pattern was refused; bounded so that user-supplied patterns cannot grow it forever. */
const cache = new BoundedCache<RegExp | Error>(1000);

function compile(pattern: string): RegExp | Error {
  try {
    const t = translate(pattern);
    return new RegExp(t.source, `${t.flags}g`);
  } catch (e) {
    const unsupported = e instanceof Unsupported;
    const reason = e instanceof Error ? e.message : String(e);
    return new Error(unsupported ? `RE2 syntax not supported here: ${reason}` : `error parsing regexp: ${reason}`);
  }
}

function compileCached(pattern: string): RegExp | Error {
  const re = cache.get(pattern, () => compile(pattern));
  if (re instanceof RegExp) re.lastIndex = 0;
  return re;
}

/** The JS RegExp (global) for an RE2 pattern, or undefined if the pattern is invalid or unsupported. */
export function compileRe2(pattern: string): RegExp | undefined {
  const re = compileCached(pattern);
  return re instanceof RegExp ? re : undefined;
}

/** The JS RegExp (global) for an RE2 pattern; throws an Error saying why the pattern cannot be used. */
export function compileRe2OrThrow(pattern: string): RegExp {
  const re = compileCached(pattern);
  if (re instanceof Error) throw re;
  return re;
}

export interface Match {
  index: number;
  end: number;
  groups: Array<string | undefined>;
}

/**
 * Go's FindAll semantics: successive non-overlapping matches, where an empty match right after
 * the previous match is skipped; at most n matches (n < 0: all).
 */
export function findAll(re: RegExp, s: string, n: number): Match[] {
  const out: Match[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      // Step over one code point.
      const cp = s.codePointAt(start);
      pos = start + (cp === undefined ? 1 : cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push({ index: start, end, groups: Array.from(m) });
  }
  return out;
}
