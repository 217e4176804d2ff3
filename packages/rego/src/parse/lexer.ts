/**
 * The Rego lexer: turns source text into a flat token array in one pass.
 *
 * Keywords are not decided here: whether `if`, `in`, `contains`, `every` are keywords depends
 * on the module's imports (v0) and on the position (`input.if` is a field name), so the lexer
 * emits every word as an `ident` and the parser decides.
 */
import type { Location } from './ast';
import { ParseFailure } from './failure';

export type TokenKind = 'ident' | 'number' | 'string' | 'rawstring' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text (for strings: the decoded value lives in `value`). */
  text: string;
  /** Decoded value of a string token. */
  value: string;
  line: number;
  col: number;
  /** Whitespace or a comment separates this token from the previous one. */
  spaced: boolean;
  /** A line break separates this token from the previous one. */
  newline: boolean;
}

// Character codes used by the scanner loop.
const TAB = 9,
  LF = 10,
  CR = 13,
  SPACE = 32,
  HASH = 35,
  QUOTE = 34,
  BACKTICK = 96,
  BACKSLASH = 92;
const DOT = 46,
  ZERO = 48,
  NINE = 57,
  LOWER_E = 101,
  UPPER_E = 69,
  PLUS = 43,
  MINUS = 45;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= ZERO && c <= NINE);
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Two-character operators, checked before the single-character ones. */
const TWO_CHAR_OPS = new Set([':=', '==', '!=', '<=', '>=']);
const ONE_CHAR_OPS = new Set(['.', ',', ';', ':', '(', ')', '[', ']', '{', '}', '|', '&', '+', '-', '*', '/', '%', '=', '<', '>']);

/** A `#` comment: its text after the `#`, where the `#` stands. */
export interface Comment {
  text: string;
  line: number;
  col: number;
}

/** `comments`, when given, receives every comment in source order (METADATA annotations live in them; the formatter keeps them). */
export function tokenize(source: string, file: string, comments?: Comment[]): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let spaced = false;
  let newline = false;

  const loc = (at: number): Location => ({ file, line, col: at - lineStart + 1 });
  const push = (kind: TokenKind, text: string, value: string, startLine: number, startCol: number): void => {
    tokens.push({ kind, text, value, line: startLine, col: startCol, spaced, newline });
    spaced = false;
    newline = false;
  };

  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === SPACE || c === TAB || c === CR) {
      i++;
      spaced = true;
      continue;
    }
    if (c === LF) {
      i++;
      line++;
      lineStart = i;
      spaced = true;
      newline = true;
      continue;
    }
    if (c === HASH) {
      const start = i;
      while (i < n && source.charCodeAt(i) !== LF) i++;
      comments?.push({ text: source.slice(start + 1, i).replace(/\r$/, ''), line, col: start - lineStart + 1 });
      spaced = true;
      continue;
    }
    const start = i;
    const startLine = line;
    const startCol = i - lineStart + 1;

    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      const text = source.slice(start, i);
      push('ident', text, text, startLine, startCol);
      continue;
    }

    if (isDigit(c)) {
      i = scanNumber(source, i, loc);
      const text = source.slice(start, i);
      push('number', text, text, startLine, startCol);
      continue;
    }

    if (c === QUOTE) {
      const { end, value } = scanString(source, i, loc);
      i = end;
      push('string', source.slice(start, i), value, startLine, startCol);
      continue;
    }

    if (c === BACKTICK) {
      const close = source.indexOf('`', i + 1);
      if (close < 0) throw new ParseFailure('unterminated raw string', loc(start));
      const value = source.slice(i + 1, close);
      // Raw strings may span lines: keep line/col bookkeeping right.
      for (let k = i + 1; k < close; k++) {
        if (source.charCodeAt(k) === LF) {
          line++;
          lineStart = k + 1;
        }
      }
      i = close + 1;
      push('rawstring', source.slice(start, i), value, startLine, startCol);
      continue;
    }

    const two = source.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      i += 2;
      push('punct', two, two, startLine, startCol);
      continue;
    }
    const one = source[i];
    if (ONE_CHAR_OPS.has(one)) {
      i++;
      push('punct', one, one, startLine, startCol);
      continue;
    }
    const shown = String.fromCodePoint(source.codePointAt(i) ?? c);
    throw new ParseFailure(`illegal character '${shown}'`, loc(start));
  }
  tokens.push({ kind: 'eof', text: '', value: '', line, col: i - lineStart + 1, spaced, newline });
  return tokens;
}

/** Scans `int [. digits] [e [+-] digits]`; returns the end offset. */
function scanNumber(source: string, i: number, loc: (at: number) => Location): number {
  const start = i;
  const n = source.length;
  while (i < n && isDigit(source.charCodeAt(i))) i++;
  if (i < n && source.charCodeAt(i) === DOT && i + 1 < n && isDigit(source.charCodeAt(i + 1))) {
    i++;
    while (i < n && isDigit(source.charCodeAt(i))) i++;
  }
  const e = i < n ? source.charCodeAt(i) : 0;
  if (e === LOWER_E || e === UPPER_E) {
    let j = i + 1;
    const sign = j < n ? source.charCodeAt(j) : 0;
    if (sign === PLUS || sign === MINUS) j++;
    if (j < n && isDigit(source.charCodeAt(j))) {
      while (j < n && isDigit(source.charCodeAt(j))) j++;
      i = j;
    } else {
      throw new ParseFailure('invalid number: exponent has no digits', loc(start));
    }
  }
  // `0` may only be followed by a fraction or an exponent (OPA rejects `007`).
  if (source.charCodeAt(start) === ZERO && i - start > 1) {
    const next = source.charCodeAt(start + 1);
    if (next !== DOT && next !== LOWER_E && next !== UPPER_E) {
      throw new ParseFailure('expected number without leading zero', loc(start));
    }
  }
  if (i < n && isIdentStart(source.charCodeAt(i))) {
    throw new ParseFailure(`invalid number '${source.slice(start, i + 1)}'`, loc(start));
  }
  return i;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Scans a JSON-style double-quoted string starting at `i`; decodes its escapes. */
function scanString(source: string, i: number, loc: (at: number) => Location): { end: number; value: string } {
  const start = i;
  const n = source.length;
  i++;
  let value = '';
  let chunkStart = i;
  while (true) {
    if (i >= n) throw new ParseFailure('unterminated string', loc(start));
    const c = source.charCodeAt(i);
    if (c === QUOTE) {
      value += source.slice(chunkStart, i);
      return { end: i + 1, value };
    }
    if (c === LF || c === CR) throw new ParseFailure('unterminated string', loc(start));
    if (c < 0x20) throw new ParseFailure('illegal control character in string', loc(i));
    if (c !== BACKSLASH) {
      i++;
      continue;
    }
    value += source.slice(chunkStart, i);
    const esc = source[i + 1];
    if (esc === undefined) throw new ParseFailure('unterminated string', loc(start));
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (esc === 'u') {
      const unit = readHex4(source, i + 2);
      if (unit < 0) throw new ParseFailure('invalid \\u escape: expected 4 hex digits', loc(i));
      i += 6;
      value += decodeUnit(source, unit, i, () => (i += 6));
    } else {
      throw new ParseFailure(`invalid escape sequence '\\${esc}'`, loc(i));
    }
    chunkStart = i;
  }
}

/**
 * A high surrogate followed by an escaped low surrogate is one code point (JS strings are
 * UTF-16, so appending both units is exactly that character). A lone surrogate becomes U+FFFD,
 * as Go's JSON decoder (and so OPA) does.
 */
function decodeUnit(source: string, unit: number, next: number, consumePair: () => void): string {
  if (unit < 0xd800 || unit > 0xdfff) return String.fromCharCode(unit);
  if (unit <= 0xdbff && source.charCodeAt(next) === BACKSLASH && source[next + 1] === 'u') {
    const low = readHex4(source, next + 2);
    if (low >= 0xdc00 && low <= 0xdfff) {
      consumePair();
      return String.fromCharCode(unit, low);
    }
  }
  return '\ufffd';
}

function readHex4(source: string, at: number): number {
  if (at + 4 > source.length) return -1;
  const hex = source.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? parseInt(hex, 16) : -1;
}
