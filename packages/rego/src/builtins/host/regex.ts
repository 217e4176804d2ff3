/** regex.*, glob.* builtins on top of the RE2 translation. */
import { BoundedCache } from './bounded-cache';
import { fail } from './errors';
import { Match, compileRe2, compileRe2OrThrow, findAll } from './re2';
import { Impl, isArray, isInteger, isString, isStringArray } from './values';

/** The compiled pattern; an invalid (or, rarely, JS-inexpressible) pattern is a builtin error, as in OPA. */
function regexFor(builtin: string, pattern: string): RegExp {
  try {
    return compileRe2OrThrow(pattern);
  } catch (e) {
    return fail(builtin, (e as Error).message);
  }
}

/** Go's Regexp.Expand template: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown names expand to "". */
function expand(template: string, re: RegExp, m: Match): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let consumed: number;
    if (template[i + 1] === '{') {
      const end = template.indexOf('}', i + 2);
      const inner = end < 0 ? '' : template.slice(i + 2, end);
      if (end < 0 || !/^[A-Za-z0-9_]+$/.test(inner)) {
        out += c; // malformed: Go copies the `$` literally
        continue;
      }
      name = inner;
      consumed = end - i;
    } else {
      const word = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!word) {
        out += c;
        continue;
      }
      name = word[0];
      consumed = word[0].length;
    }
    i += consumed;
    out += groupValue(re, m, name) ?? '';
  }
  return out;
}

function groupValue(re: RegExp, m: Match, name: string): string | undefined {
  if (/^\d+$/.test(name)) return m.groups[Number(name)];
  // Named group: find its index by compiling the names out of the source (RegExp exposes them only per exec).
  const names = groupNames(re);
  const idx = names.indexOf(name);
  return idx >= 0 ? m.groups[idx + 1] : undefined;
}

function groupNames(re: RegExp): Array<string | undefined> {
  const names: Array<string | undefined> = [];
  const src = re.source;
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\\') {
      i++;
      continue;
    }
    if (src[i] === '(') {
      if (src[i + 1] !== '?') names.push(undefined);
      else {
        const named = /^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(src.slice(i));
        if (named) names.push(named[1]);
      }
    }
  }
  return names;
}

/** Go's Regexp.Split(s, -1). */
function regexSplit(re: RegExp, s: string): string[] {
  if (s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, s, -1)) {
    end = m.index;
    if (m.end !== 0) out.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** regex.template_match: literal text with regular expressions between the delimiters, matched in full. */
function templateRegex(template: string, open: string, close: string): RegExp | undefined {
  let source = '';
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf(open, i);
    if (start < 0) {
      source += escapeRegex(template.slice(i));
      break;
    }
    source += escapeRegex(template.slice(i, start));
    // Find the matching close delimiter, allowing nesting.
    let depth = 0;
    let j = start;
    for (; j < template.length; j++) {
      if (template.startsWith(open, j)) depth++;
      else if (template.startsWith(close, j) && --depth === 0) break;
    }
    if (j >= template.length) return undefined;
    source += `(?:${template.slice(start + open.length, j)})`;
    i = j + close.length;
  }
  return compileRe2(`^${source}$`);
}

/** Compiled globs by pattern and delimiters; bounded like the regexp cache. */
const globCache = new BoundedCache<RegExp | undefined>(1000);

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** glob.match: gobwas/glob syntax (`*`, `**`, `?`, `[...]`, `[!...]`, `{a,b}`, `\`) with delimiters. */
function globRegex(pattern: string, delimiters: string[]): RegExp | undefined {
  const delimClass = delimiters.map((d) => d.replace(/[\\\]^-]/g, '\\$&')).join('');
  const notDelim = delimClass ? `[^${delimClass}]` : '[\\s\\S]';
  let out = '';
  let depth = 0;
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    switch (c) {
      case '\\':
        if (i + 1 >= chars.length) return undefined;
        out += escapeRegex(chars[++i]);
        break;
      case '*':
        if (chars[i + 1] === '*') {
          out += '[\\s\\S]*';
          i++;
        } else out += `${notDelim}*`;
        break;
      case '?':
        out += notDelim;
        break;
      case '[': {
        let j = i + 1;
        let cls = '';
        if (chars[j] === '!') {
          cls += '^';
          j++;
        }
        const bodyStart = j;
        while (j < chars.length && (chars[j] !== ']' || j === bodyStart)) {
          cls += chars[j] === '\\' || chars[j] === '^' || chars[j] === '[' ? `\\${chars[j]}` : chars[j];
          j++;
        }
        if (j >= chars.length) return undefined;
        out += `[${cls}]`;
        i = j;
        break;
      }
      case '{':
        depth++;
        out += '(?:';
        break;
      case '}':
        if (depth === 0) return undefined;
        depth--;
        out += ')';
        break;
      case ',':
        out += depth > 0 ? '|' : ',';
        break;
      default:
        out += escapeRegex(c);
    }
  }
  if (depth !== 0) return undefined;
  try {
    return new RegExp(`^(?:${out})$`, 'u');
  } catch {
    return undefined;
  }
}

function cachedGlob(pattern: string, delimiters: string[]): RegExp | undefined {
  return globCache.get(`${delimiters.join('')}\u0000${pattern}`, () => globRegex(pattern, delimiters));
}

export const regexBuiltins: Record<string, Impl> = {
  'regex.match': (pattern, value) => {
    if (!isString(pattern) || !isString(value)) return undefined;
    return regexFor('regex.match', pattern).test(value);
  },
  'regex.is_valid': (pattern) => isString(pattern) && compileRe2(pattern) !== undefined,
  'regex.find_n': (pattern, value, n) => {
    if (!isString(pattern) || !isString(value) || !isInteger(n)) return undefined;
    return findAll(regexFor('regex.find_n', pattern), value, n).map((m) => m.groups[0] as string);
  },
  'regex.split': (pattern, value) => {
    if (!isString(pattern) || !isString(value)) return undefined;
    return regexSplit(regexFor('regex.split', pattern), value);
  },
  'regex.replace': (s, pattern, repl) => {
    if (!isString(s) || !isString(pattern) || !isString(repl)) return undefined;
    const re = regexFor('regex.replace', pattern);
    let out = '';
    let last = 0;
    for (const m of findAll(re, s, -1)) {
      out += s.slice(last, m.index) + expand(repl, re, m);
      last = m.end;
    }
    return out + s.slice(last);
  },
  'regex.find_all_string_submatch_n': (pattern, value, n) => {
    if (!isString(pattern) || !isString(value) || !isInteger(n)) return undefined;
    const re = regexFor('regex.find_all_string_submatch_n', pattern);
    return findAll(re, value, n).map((m) => m.groups.map((g) => g ?? ''));
  },
  'regex.template_match': (template, value, open, close) => {
    if (!isString(template) || !isString(value) || !isString(open) || !isString(close)) return undefined;
    if (Buffer.byteLength(open) !== 1) fail('regex.template_match', `start delimiter has to be exactly one character long but is ${Buffer.byteLength(open)} long`);
    if (Buffer.byteLength(close) !== 1) fail('regex.template_match', `end delimiter has to be exactly one character long but is ${Buffer.byteLength(close)} long`);
    const re = templateRegex(template, open, close);
    if (!re) fail('regex.template_match', `unbalanced delimiters or invalid expression in template ${JSON.stringify(template)}`);
    re.lastIndex = 0;
    return re.test(value);
  },
  // delimiters: null means none; [] means the default ["."].
  'glob.match': (pattern, delimiters, match) => {
    if (!isString(pattern) || !isString(match)) return undefined;
    let delims: string[];
    if (delimiters === null) delims = [];
    else if (isStringArray(delimiters)) delims = delimiters.length === 0 ? ['.'] : delimiters;
    else return undefined;
    if (isArray(delimiters) && delims.some((d) => Array.from(d).length !== 1)) {
      fail('glob.match', 'delimiters must be single characters');
    }
    const re = cachedGlob(pattern, delims);
    if (!re) fail('glob.match', `invalid glob pattern ${JSON.stringify(pattern)}`);
    return re.test(match);
  },
  'glob.quote_meta': (pattern) => (isString(pattern) ? pattern.replace(/[*?\\[\]{}]/g, '\\$&') : undefined),
};
