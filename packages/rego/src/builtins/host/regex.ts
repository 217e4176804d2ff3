/**
 * regex.*, glob.* builtins on a linear-time RE2 engine (see ./re2): the same syntax, matches and
 * errors as OPA's Go regexp, and no pattern can make matching take exponential time.
 */
import { RE2JS } from 're2js';
import { BoundedCache } from './bounded-cache';
import { fail } from './errors';
import { Match, compileRe2, findAll, groupNames, groupText, replaceAll } from './re2';
import { Impl, isArray, isInteger, isString, isStringArray } from './values';

/** The compiled pattern; an invalid pattern is a builtin error, as in OPA. */
function regexFor(builtin: string, pattern: string): RE2JS {
  const re = compileRe2(pattern);
  return re instanceof Error ? fail(builtin, re.message) : re;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * Go's Regexp.Expand: `$name` or `${name}` where name is letters, digits and `_`; all digits
 * (no leading zero) is a group number, anything else a group name; `$$` is `$`; a malformed
 * reference is copied as is; an unknown or unmatched group expands to "".
 */
function expand(template: string, re: RE2JS, s: string, m: Match): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = template[i] === '{';
    let j = brace ? i + 1 : i;
    const nameStart = j;
    while (j < template.length) {
      const ch = String.fromCodePoint(template.codePointAt(j) as number);
      if (!NAME_CHAR.test(ch)) break;
      j += ch.length;
    }
    const name = template.slice(nameStart, j);
    if (name === '' || (brace && template[j] !== '}')) {
      out += '$';
      continue;
    }
    i = brace ? j + 1 : j;
    out += groupValue(re, s, m, name) ?? '';
  }
  return out + template.slice(i);
}

/** The text a template name stands for: a group number, or the first group of that name that took part in the match. */
function groupValue(re: RE2JS, s: string, m: Match, name: string): string | undefined {
  if (/^(0|[1-9][0-9]{0,8})$/.test(name)) return groupText(s, m, Number(name));
  const names = groupNames(re);
  for (let g = 1; g < names.length; g++) {
    const text = names[g] === name ? groupText(s, m, g) : undefined;
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Go's Regexp.Split(s, -1). */
function regexSplit(re: RE2JS, s: string): string[] {
  if (re.pattern() !== '' && s === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(re, s, -1)) {
    end = m.spans[0];
    if (m.spans[1] !== 0) out.push(s.slice(beg, end));
    beg = m.spans[1];
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/**
 * regex.template_match: literal text with regular expressions between the (single-character)
 * delimiters, which nest; the whole value must match. Each expression must also be valid on its
 * own, as in OPA.
 */
function templateRegex(template: string, open: string, close: string): RE2JS | Error {
  const bounds: number[] = [];
  let level = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === open) {
      if (++level === 1) bounds.push(i);
    } else if (template[i] === close) {
      if (--level === 0) bounds.push(i);
      else if (level < 0) break;
    }
  }
  if (level !== 0) return new Error(`unbalanced braces in ${JSON.stringify(template)}`);
  let source = '^';
  let literalStart = 0;
  for (let k = 0; k < bounds.length; k += 2) {
    const expr = template.slice(bounds[k] + 1, bounds[k + 1]);
    const alone = compileRe2(`^${expr}$`);
    if (alone instanceof Error) return alone;
    source += `${RE2JS.quote(template.slice(literalStart, bounds[k]))}(${expr})`;
    literalStart = bounds[k + 1] + 1;
  }
  return compileRe2(`${source}${RE2JS.quote(template.slice(literalStart))}$`);
}

/** Compiled templates by delimiters and template text; bounded like the regexp cache. */
const templateCache = new BoundedCache<RE2JS | Error>(1000);

function cachedTemplate(template: string, open: string, close: string): RE2JS | Error {
  return templateCache.get(`${open}${close}${template}`, () => templateRegex(template, open, close));
}

/** Compiled globs by pattern and delimiters; bounded like the regexp cache. */
const globCache = new BoundedCache<RE2JS | undefined>(1000);

/** A character inside an RE2 class: the class syntax characters escaped. */
const classChar = (c: string): string => (/[\\[\]^-]/.test(c) ? `\\${c}` : c);

/**
 * One `[...]` of a glob (`start`: just after the `[`), read as gobwas/glob reads it: `!` first
 * negates; then either exactly one range `lo-hi` or a list of characters up to the first
 * unescaped `]`, where `\\` makes the next character literal. Undefined when malformed.
 */
function globClass(chars: string[], start: number): { source: string; next: number } | undefined {
  let i = start;
  const negated = chars[i] === '!';
  if (negated) i++;
  let body = '';
  if (chars[i + 1] === '-') {
    const lo = chars[i];
    const hi = chars[i + 2];
    if (hi === undefined || chars[i + 3] !== ']' || (hi.codePointAt(0) as number) < (lo.codePointAt(0) as number)) return undefined;
    body = `${classChar(lo)}-${classChar(hi)}`;
    i += 3;
  } else {
    for (; i < chars.length && chars[i] !== ']'; i++) {
      if (chars[i] === '\\' && ++i >= chars.length) break;
      body += classChar(chars[i]);
    }
    if (body === '' || chars[i] !== ']') return undefined;
  }
  return { source: `[${negated ? '^' : ''}${body}]`, next: i + 1 };
}

/**
 * glob.match: gobwas/glob syntax as an RE2 pattern matched against the whole value: `*` any run
 * of non-delimiters, `**` any run, `?` one non-delimiter, `[...]` one character (see globClass),
 * `{a,b}` alternatives (a `{` left open ends with the pattern; `,` and `}` outside braces are
 * literal), `\\` makes the next character literal (a trailing one is dropped). Undefined when malformed.
 */
function globRegex(pattern: string, delimiters: string[]): RE2JS | undefined {
  const notDelim = delimiters.length > 0 ? `[^${delimiters.map(classChar).join('')}]` : '(?s:.)';
  let out = '';
  let depth = 0;
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === '[') {
      const cls = globClass(chars, i + 1);
      if (!cls) return undefined;
      out += cls.source;
      i = cls.next - 1;
    } else if (c === '?') {
      out += notDelim;
    } else if (c === '*' && chars[i + 1] === '*') {
      out += '(?s:.)*';
      i++;
    } else if (c === '*') {
      out += `${notDelim}*`;
    } else if (c === '\\') {
      if (++i < chars.length) out += RE2JS.quote(chars[i]);
    } else {
      out += RE2JS.quote(c);
    }
  }
  const re = compileRe2(`^(?:${out}${')'.repeat(depth)})$`);
  return re instanceof Error ? undefined : re;
}

function cachedGlob(pattern: string, delimiters: string[]): RE2JS | undefined {
  return globCache.get(`${delimiters.join('')}\u0000${pattern}`, () => globRegex(pattern, delimiters));
}

export const regexBuiltins: Record<string, Impl> = {
  'regex.match': (pattern, value) => {
    if (!isString(pattern) || !isString(value)) return undefined;
    return regexFor('regex.match', pattern).test(value);
  },
  'regex.is_valid': (pattern) => isString(pattern) && !(compileRe2(pattern) instanceof Error),
  'regex.find_n': (pattern, value, n) => {
    if (!isString(pattern) || !isString(value) || !isInteger(n)) return undefined;
    return findAll(regexFor('regex.find_n', pattern), value, n).map((m) => groupText(value, m, 0) as string);
  },
  'regex.split': (pattern, value) => {
    if (!isString(pattern) || !isString(value)) return undefined;
    return regexSplit(regexFor('regex.split', pattern), value);
  },
  'regex.replace': (s, pattern, repl) => {
    if (!isString(s) || !isString(pattern) || !isString(repl)) return undefined;
    const re = regexFor('regex.replace', pattern);
    // Without a `$` the template is literal text: Go's replacement loop without group captures.
    if (!repl.includes('$')) return re.re2().replaceAll(s, repl);
    return replaceAll(re, s, (m) => expand(repl, re, s, m));
  },
  'regex.find_all_string_submatch_n': (pattern, value, n) => {
    if (!isString(pattern) || !isString(value) || !isInteger(n)) return undefined;
    const re = regexFor('regex.find_all_string_submatch_n', pattern);
    return findAll(re, value, n).map((m) => Array.from({ length: m.spans.length / 2 }, (_, g) => groupText(value, m, g) ?? ''));
  },
  'regex.template_match': (template, value, open, close) => {
    if (!isString(template) || !isString(value) || !isString(open) || !isString(close)) return undefined;
    if (Buffer.byteLength(open) !== 1)
      fail('regex.template_match', `start delimiter has to be exactly one character long but is ${Buffer.byteLength(open)} long`);
    if (Buffer.byteLength(close) !== 1)
      fail('regex.template_match', `end delimiter has to be exactly one character long but is ${Buffer.byteLength(close)} long`);
    const re = cachedTemplate(template, open, close);
    if (re instanceof Error) fail('regex.template_match', re.message);
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
