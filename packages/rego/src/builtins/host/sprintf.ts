/**
 * OPA's sprintf: Go's fmt.Sprintf applied to the Rego values converted the way OPA converts them:
 * integral numbers become Go ints, other numbers float64, strings Go strings, and every other value
 * (booleans, null, arrays, objects, sets) the Go string of its Rego text, e.g. `{"a": 1}`.
 */
import { formatE, formatF, formatG } from './gofloat';
import { regoString, toBigInt } from './values';

type GoArg = { kind: 'int'; v: bigint } | { kind: 'float'; v: number } | { kind: 'string'; v: string };

/** The character of code point `v`, as Go's %c writes it: U+FFFD for what is not a Unicode scalar value. */
function runeText(v: bigint): string {
  const valid = v >= 0n && v <= 0x10ffffn && !(v >= 0xd800n && v <= 0xdfffn);
  return String.fromCodePoint(valid ? Number(v) : 0xfffd);
}

function toGoArg(v: unknown): GoArg {
  if (typeof v === 'number') {
    const big = toBigInt(v);
    return big !== undefined ? { kind: 'int', v: big } : { kind: 'float', v };
  }
  if (typeof v === 'string') return { kind: 'string', v };
  return { kind: 'string', v: regoString(v) };
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function goTypeName(a: GoArg): string {
  if (a.kind === 'int') return a.v > INT64_MAX || a.v < INT64_MIN ? '*big.Int' : 'int';
  return a.kind === 'float' ? 'float64' : 'string';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
  verb: string;
}

/** Go's unicode.IsPrint, near enough: letters, marks, numbers, punctuation, symbols and ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const len = Array.from(s).length;
  if (len >= width) return s;
  if (spec.minus) return s + ' '.repeat(width - len);
  if (spec.zero) {
    // Zeros go after the sign of a number.
    const signLen = numeric && /^[+\- ]/.test(s) ? 1 : 0;
    return s.slice(0, signLen) + '0'.repeat(width - len) + s.slice(signLen);
  }
  return ' '.repeat(width - len) + s;
}

function signPrefix(negative: boolean, spec: Spec): string {
  if (negative) return '-';
  if (spec.plus) return '+';
  return spec.space ? ' ' : '';
}

function formatInt(v: bigint, spec: Spec): string | undefined {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let digits: string;
  let prefix = '';
  switch (spec.verb) {
    case 'd':
    case 'v':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
      digits = abs.toString(8);
      if (spec.sharp) prefix = '0';
      break;
    case 'O':
      digits = abs.toString(8);
      prefix = '0o';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(runeText(v), spec, false);
    case 'q':
      return pad(`'${runeText(v)}'`, spec, false);
    case 'U':
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
    default:
      return undefined;
  }
  if (spec.prec !== undefined) {
    digits = spec.prec === 0 && abs === 0n ? '' : digits.padStart(spec.prec, '0');
    // An explicit precision disables zero padding, as in Go.
    return pad(signPrefix(neg, spec) + prefix + digits, { ...spec, zero: false }, true);
  }
  return pad(signPrefix(neg, spec) + prefix + digits, spec, true);
}

function formatFloat(v: number, spec: Spec): string | undefined {
  let s: string;
  switch (spec.verb) {
    case 'v':
    case 'g':
      s = formatG(v, spec.prec ?? -1);
      break;
    case 'G':
      s = formatG(v, spec.prec ?? -1, true);
      break;
    case 'e':
      s = formatE(v, spec.prec ?? 6);
      break;
    case 'E':
      s = formatE(v, spec.prec ?? 6, true);
      break;
    case 'f':
    case 'F':
      s = formatF(v, spec.prec ?? 6);
      break;
    default:
      return undefined;
  }
  if (!s.startsWith('-')) s = signPrefix(false, spec) + s;
  return pad(s, spec, true);
}

function formatString(v: string, spec: Spec): string | undefined {
  switch (spec.verb) {
    case 'v':
    case 's': {
      const text = spec.prec !== undefined ? Array.from(v).slice(0, spec.prec).join('') : v;
      return pad(text, spec, false);
    }
    case 'q':
      return pad(goQuote(v), spec, false);
    case 'x':
    case 'X': {
      const hex = Buffer.from(v, 'utf8').toString('hex');
      return pad(spec.verb === 'X' ? hex.toUpperCase() : hex, spec, false);
    }
    default:
      return undefined;
  }
}

function argText(a: GoArg): string {
  if (a.kind === 'int') return a.v.toString();
  if (a.kind === 'float') return formatG(a.v, -1);
  return a.v;
}

function formatArg(a: GoArg, spec: Spec): string {
  let out: string | undefined;
  if (a.kind === 'int') out = formatInt(a.v, spec);
  else if (a.kind === 'float') out = formatFloat(a.v, spec);
  else out = formatString(a.v, spec);
  return out ?? `%!${spec.verb}(${goTypeName(a)}=${argText(a)})`;
}

/** Go's fmt.Sprintf over Rego values; undefined when the arguments are not a format string and an array. */
export function sprintf(format: unknown, values: unknown): string | undefined {
  if (typeof format !== 'string' || !Array.isArray(values)) return undefined;
  const args = values.map(toGoArg);
  let argIndex = 0;
  let out = '';
  const chars = Array.from(format);
  let i = 0;
  while (i < chars.length) {
    const c = chars[i];
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, verb: '' };
    for (; i < chars.length; i++) {
      const f = chars[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = !spec.minus;
      else break;
    }
    let width = '';
    while (i < chars.length && /[0-9]/.test(chars[i])) width += chars[i++];
    if (width) spec.width = Number(width);
    if (chars[i] === '.') {
      i++;
      let prec = '';
      while (i < chars.length && /[0-9]/.test(chars[i])) prec += chars[i++];
      spec.prec = prec ? Number(prec) : 0;
    }
    if (i >= chars.length) {
      out += '%!(NOVERB)';
      break;
    }
    spec.verb = chars[i++];
    if (spec.verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${spec.verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argIndex++], spec);
  }
  if (argIndex < args.length) {
    const extra = args.slice(argIndex).map((a) => `${goTypeName(a)}=${argText(a)}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
