// OPA's sprintf inside the module: Go's fmt.Sprintf over Rego values, producing what the host
// implementation (src/builtins/host/sprintf.ts) produces from the same values, so a call no
// longer pays the host round trip (JSON dump of every argument, JS call, parse of the result).
//
// Arguments are classified as OPA does: a number whose text is an integer is a Go int (a big.Int
// past 64 bits), any other number a float64 (so 101.00 and 1e0 are floats, as written; the host
// sees only JSON doubles and cannot tell), strings as themselves, every other value as the string
// of its Rego text. Calls whose exact output would need machinery out of proportion to how rare
// they are return HOST_FALLBACK and are run on the host instead: verbs other than %d/%v on
// integers past 64 bits, non-finite numbers, %c/%q/%U of integers, %q of non-ASCII strings
// (Unicode printability tables), huge widths or precisions, and a set instead of an array.
import { Value, StrV, ArrV, NumV, K_NUM, K_STR, K_ARR, K_SET, K_NULL, asStr, asArr, asNum, numOf, isIntText } from "./values";
import { outStart, outByte, outBytes, outAscii, outFinishStr, integerDigits } from "./json";
import { outRego } from "./text";

/** Returned by sprintf when the host implementation must run this call. */
export const HOST_FALLBACK = new Value(K_NULL);

const SIZE_LIMIT: i32 = 10000; // widths and precisions beyond this go to the host

// The directive being formatted (module state: sprintf never re-enters itself).
let fMinus = false, fPlus = false, fSharp = false, fSpace = false, fZero = false;
let width = 0;
let prec = -1; // -1: none
let verb = 0; // the verb's code point when ASCII, else -1
let verbPtr: usize = 0, verbLen = 0;
let fallback = false;

/** sprintf(format, values): the formatted string value, null when undefined, or HOST_FALLBACK. */
export function sprintf(format: Value, values: Value): Value | null {
  if (format.kind != K_STR) return null;
  if (values.kind == K_SET) return HOST_FALLBACK;
  if (values.kind != K_ARR) return null;
  let args = goArgs(asArr(values));
  if (args === null) return HOST_FALLBACK;
  fallback = false;
  exactX = NaN; // the memo below must not outlive an evaluation's heap
  outStart();
  let f = asStr(format);
  let p = f.ptr, end = f.ptr + <usize>f.len;
  let next = 0;
  while (p < end) {
    if (load<u8>(p) != 0x25) {
      let run = p;
      while (p < end && load<u8>(p) != 0x25) p++;
      outBytes(run, <i32>(p - run));
      continue;
    }
    p++;
    fMinus = false; fPlus = false; fSharp = false; fSpace = false; fZero = false;
    for (; p < end; p++) {
      let c = load<u8>(p);
      if (c == 0x2d) fMinus = true;
      else if (c == 0x2b) fPlus = true;
      else if (c == 0x23) fSharp = true;
      else if (c == 0x20) fSpace = true;
      else if (c == 0x30) fZero = !fMinus;
      else break;
    }
    width = 0;
    while (p < end && isDigit(load<u8>(p))) { width = addDigit(width, load<u8>(p)); p++; }
    prec = -1;
    if (p < end && load<u8>(p) == 0x2e) {
      p++;
      prec = 0;
      while (p < end && isDigit(load<u8>(p))) { prec = addDigit(prec, load<u8>(p)); p++; }
    }
    if (fallback) return HOST_FALLBACK;
    if (p >= end) { outAscii("%!(NOVERB)"); break; }
    let lead = <i32>load<u8>(p);
    verbPtr = p;
    verbLen = utf8Len(lead);
    if (p + <usize>verbLen > end) verbLen = <i32>(end - p);
    verb = verbLen == 1 ? lead : -1;
    p += <usize>verbLen;
    if (verb == 0x25) { outByte(0x25); continue; }
    if (next >= args.len) {
      outAscii("%!"); outBytes(verbPtr, verbLen); outAscii("(MISSING)");
      continue;
    }
    formatArg(args.get(next++));
    if (fallback) return HOST_FALLBACK;
  }
  if (next < args.len) {
    outAscii("%!(EXTRA ");
    for (let i = next; i < args.len; i++) {
      if (i > next) outAscii(", ");
      let a = args.get(i);
      outTypeName(a);
      outByte(0x3d);
      outArgText(a);
      if (fallback) return HOST_FALLBACK;
    }
    outByte(0x29);
  }
  return outFinishStr();
}

@inline function isDigit(c: u8): bool { return c >= 0x30 && c <= 0x39; }

function addDigit(acc: i32, c: u8): i32 {
  if (acc > SIZE_LIMIT) { fallback = true; return acc; }
  return acc * 10 + <i32>(c - 0x30);
}

/** Bytes in the UTF-8 sequence a lead byte starts. */
function utf8Len(lead: i32): i32 {
  if (lead < 0x80) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return 2;
}

/**
 * The arguments as the host receives them: numbers and strings as they are, anything else as the
 * string of its Rego text; null when one of them needs the host (see the file comment).
 */
function goArgs(values: ArrV): ArrV | null {
  let out = new ArrV(values.len);
  for (let i = 0; i < values.len; i++) {
    let x = values.get(i);
    if (x.kind == K_NUM) {
      let n = numOf(x);
      if (!isFinite(n)) return null;
      out.push(x);
    } else if (x.kind == K_STR) out.push(x);
    else {
      outStart();
      outRego(x);
      out.push(outFinishStr());
    }
  }
  return out;
}

export const NUM_FLOAT = 0;
export const NUM_INT = 1; // a Go int: the value is in the NumV's exact integer
export const NUM_BIG = 2; // a *big.Int: an integer beyond 64 bits

/**
 * How OPA hands a number to Go's fmt: an int when its text is an integer that fits 64 bits
 * (json.Number.Int64), a big integer when its text is a longer integer, otherwise a float64. A
 * literal keeps its text (101.00 and 1e0 are floats); a computed number's text is its canonical
 * form (integers as digits).
 */
export function numClass(v: NumV): i32 {
  if (v.text == 0) return v.exact ? NUM_INT : (Math.floor(v.n) == v.n ? NUM_BIG : NUM_FLOAT);
  if (!isIntText(v)) return NUM_FLOAT;
  return v.exact ? NUM_INT : NUM_BIG;
}

function outTypeName(a: Value): void {
  if (a.kind == K_STR) outAscii("string");
  else {
    let c = numClass(asNum(a));
    outAscii(c == NUM_INT ? "int" : (c == NUM_BIG ? "*big.Int" : "float64"));
  }
}

function outArgText(a: Value): void {
  if (a.kind == K_STR) { let s = asStr(a); outBytes(s.ptr, s.len); return; }
  let v = asNum(a);
  let c = numClass(v);
  if (c == NUM_INT) { outAscii(v.i.toString()); return; }
  if (c == NUM_BIG) { outAscii(bigDigits(v)); return; }
  outAscii(formatG(v.n, -1, false));
}

/** Go's %!verb(type=value) for a verb the argument's type has no meaning for. */
function badVerb(a: Value): void {
  outAscii("%!"); outBytes(verbPtr, verbLen); outByte(0x28);
  outTypeName(a);
  outByte(0x3d);
  outArgText(a);
  outByte(0x29);
}

function formatArg(a: Value): void {
  if (a.kind == K_STR) { formatString(asStr(a)); return; }
  let v = asNum(a);
  let c = numClass(v);
  if (c == NUM_INT) formatInt(a, v.i);
  else if (c == NUM_BIG) formatBig(a, v);
  else formatFloat(a, v.n);
}

/** A big integer's digits with its sign: its literal text, or a computed one's exact double value. */
function bigDigits(v: NumV): string {
  return v.text != 0 ? String.UTF8.decodeUnsafe(v.text, v.textLen, false) : integerDigits(v.n);
}

/** A big integer under %d and %v; other verbs are left to the host. */
function formatBig(a: Value, v: NumV): void {
  if (verb != 0x64 && verb != 0x76) { fallback = true; return; }
  let text = bigDigits(v);
  let neg = text.startsWith("-");
  let digits = neg ? text.substring(1) : text;
  if (prec >= 0) {
    emitPaddedAscii(signPrefix(neg) + digits.padStart(prec, "0"), true, false);
    return;
  }
  emitPaddedAscii(signPrefix(neg) + digits, true, fZero);
}

// ---------------------------------------------------------------- padding

/** Writes [ptr, ptr+len) (`runes` code points) padded to the width as the host's pad() does. */
function emitPadded(ptr: usize, len: i32, runes: i32, numeric: bool, zero: bool): void {
  if (runes >= width) { outBytes(ptr, len); return; }
  let fill = width - runes;
  if (fMinus) { outBytes(ptr, len); repeatByte(0x20, fill); return; }
  if (zero) {
    // zeros go after the sign of a number
    let signLen = 0;
    if (numeric && len > 0) {
      let c = load<u8>(ptr);
      if (c == 0x2b || c == 0x2d || c == 0x20) signLen = 1;
    }
    outBytes(ptr, signLen);
    repeatByte(0x30, fill);
    outBytes(ptr + <usize>signLen, len - signLen);
    return;
  }
  repeatByte(0x20, fill);
  outBytes(ptr, len);
}

function emitPaddedAscii(s: string, numeric: bool, zero: bool): void {
  let buf = String.UTF8.encode(s, false);
  emitPadded(changetype<usize>(buf), buf.byteLength, s.length, numeric, zero);
}

function repeatByte(b: i32, n: i32): void {
  for (let i = 0; i < n; i++) outByte(b);
}

function signPrefix(negative: bool): string {
  if (negative) return "-";
  if (fPlus) return "+";
  return fSpace ? " " : "";
}

// ---------------------------------------------------------------- strings

const HEX_LOWER = "0123456789abcdef";
const HEX_UPPER = "0123456789ABCDEF";

function formatString(s: StrV): void {
  if (verb == 0x76 || verb == 0x73) { // v s
    let len = s.len;
    let runes = 0;
    if (prec >= 0) {
      // the first `prec` code points
      let i = 0;
      while (i < s.len && runes < prec) {
        i += utf8Len(<i32>load<u8>(s.ptr + <usize>i));
        runes++;
      }
      len = i < s.len ? i : s.len;
    } else {
      for (let i = 0; i < len; i++) if ((load<u8>(s.ptr + <usize>i) & 0xc0) != 0x80) runes++;
    }
    emitPadded(s.ptr, len, runes, false, fZero);
    return;
  }
  if (verb == 0x71) { quoteAscii(s); return; } // q
  if (verb == 0x78 || verb == 0x58) { // x X
    let digits = verb == 0x78 ? HEX_LOWER : HEX_UPPER;
    let n = s.len * 2;
    let buf = __alloc(n > 0 ? <usize>n : 1);
    for (let i = 0; i < s.len; i++) {
      let c = <i32>load<u8>(s.ptr + <usize>i);
      store<u8>(buf + <usize>(2 * i), <u8>digits.charCodeAt(c >> 4));
      store<u8>(buf + <usize>(2 * i + 1), <u8>digits.charCodeAt(c & 15));
    }
    emitPadded(buf, n, n, false, fZero);
    return;
  }
  badVerb(s);
}

/** strconv.Quote for ASCII text (non-ASCII needs Unicode's printable classes: the host does that). */
function quoteAscii(s: StrV): void {
  let buf = __alloc(<usize>s.len * 4 + 2);
  let o: i32 = 0;
  store<u8>(buf, 0x22); o++;
  for (let i = 0; i < s.len; i++) {
    let c = <i32>load<u8>(s.ptr + <usize>i);
    if (c >= 0x80) { fallback = true; return; }
    let esc = 0;
    switch (c) {
      case 0x22: esc = 0x22; break;
      case 0x5c: esc = 0x5c; break;
      case 0x07: esc = 0x61; break;
      case 0x08: esc = 0x62; break;
      case 0x0c: esc = 0x66; break;
      case 0x0a: esc = 0x6e; break;
      case 0x0d: esc = 0x72; break;
      case 0x09: esc = 0x74; break;
      case 0x0b: esc = 0x76; break;
    }
    if (esc != 0) {
      store<u8>(buf + <usize>o, 0x5c); store<u8>(buf + <usize>(o + 1), <u8>esc); o += 2;
    } else if (c >= 0x20 && c < 0x7f) {
      store<u8>(buf + <usize>o, <u8>c); o++;
    } else {
      store<u8>(buf + <usize>o, 0x5c); store<u8>(buf + <usize>(o + 1), 0x78);
      store<u8>(buf + <usize>(o + 2), <u8>HEX_LOWER.charCodeAt(c >> 4));
      store<u8>(buf + <usize>(o + 3), <u8>HEX_LOWER.charCodeAt(c & 15));
      o += 4;
    }
  }
  store<u8>(buf + <usize>o, 0x22); o++;
  emitPadded(buf, o, o, false, fZero);
}

// ---------------------------------------------------------------- integers

function formatInt(a: Value, v: i64): void {
  let neg = v < 0;
  let abs = <u64>(neg ? -v : v);
  let digits: string;
  let prefix = "";
  switch (verb) {
    case 0x64: case 0x76: digits = abs.toString(); break; // d v
    case 0x62: digits = abs.toString(2); if (fSharp) prefix = "0b"; break; // b
    case 0x6f: digits = abs.toString(8); if (fSharp) prefix = "0"; break; // o
    case 0x4f: digits = abs.toString(8); prefix = "0o"; break; // O
    case 0x78: digits = abs.toString(16); if (fSharp) prefix = "0x"; break; // x
    case 0x58: digits = abs.toString(16).toUpperCase(); if (fSharp) prefix = "0X"; break; // X
    case 0x63: case 0x71: case 0x55: fallback = true; return; // c q U: code points, on the host
    default: badVerb(a); return;
  }
  if (prec >= 0) {
    digits = prec == 0 && abs == 0 ? "" : digits.padStart(prec, "0");
    // an explicit precision disables zero padding, as in Go
    emitPaddedAscii(signPrefix(neg) + prefix + digits, true, false);
    return;
  }
  emitPaddedAscii(signPrefix(neg) + prefix + digits, true, fZero);
}

// ---------------------------------------------------------------- floats

function formatFloat(a: Value, x: f64): void {
  let s: string;
  switch (verb) {
    case 0x76: case 0x67: s = formatG(x, prec, false); break; // v g
    case 0x47: s = formatG(x, prec, true); break; // G
    case 0x65: s = formatE(x, prec >= 0 ? prec : 6, false); break; // e
    case 0x45: s = formatE(x, prec >= 0 ? prec : 6, true); break; // E
    case 0x66: case 0x46: s = formatF(x, prec >= 0 ? prec : 6); break; // f F
    default: badVerb(a); return;
  }
  let text = s;
  if (!text.startsWith("-")) text = signPrefix(false) + text;
  emitPaddedAscii(text, true, fZero);
}

// Go's strconv 'e', 'f', 'g' on the exact binary value with round-half-even, as gofloat.ts does:
// the double's exact decimal expansion (a small bignum) rounded as decimal digit strings.

let exactX: f64 = NaN;
let exactDigits = "0";
let exactExp = 0;

/** |x| = exactDigits * 10^exactExp, exactly (memoised for the last x). */
function exactDecimal(x: f64): void {
  if (x == exactX) return;
  let bits = reinterpret<u64>(Math.abs(x));
  let biased = <i32>((bits >> 52) & 0x7ff);
  let mant = bits & 0xfffffffffffff;
  let exp2: i32;
  if (biased == 0) exp2 = -1074;
  else { mant |= <u64>1 << 52; exp2 = biased - 1075; }
  exactDigits = expand(mant, exp2);
  exactExp = expandExp;
  exactX = x;
}

let expandExp = 0;

/** m * 2^exp2 as decimal digits, times 10^expandExp. */
function expand(m: u64, exp2: i32): string {
  let big = new Big(m);
  if (exp2 >= 0) {
    let k = exp2;
    while (k >= 31) { big.mul(<u32>1 << 31); k -= 31; }
    big.mul(<u32>1 << k);
    expandExp = 0;
  } else {
    // m / 2^k = m * 5^k / 10^k
    let k = -exp2;
    while (k >= 13) { big.mul(1220703125); k -= 13; } // 5^13
    let f: u32 = 1;
    for (let i = 0; i < k; i++) f *= 5;
    big.mul(f);
    expandExp = exp2;
  }
  return big.toDecimal();
}

/** Compares a * 10^ea with b * 10^eb (decimal digit strings without leading zeros, both nonzero). */
function compareDecimals(a: string, ea: i32, b: string, eb: i32): i32 {
  let ta = a.length - 1 + ea, tb = b.length - 1 + eb;
  if (ta != tb) return ta < tb ? -1 : 1;
  let n = a.length > b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = i < a.length ? a.charCodeAt(i) : 0x30;
    let y = i < b.length ? b.charCodeAt(i) : 0x30;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Whether digits * 10^p reads back as |x| (JavaScript and Go read decimals round-half-even): it lies
 * between the midpoints to x's neighbours, exactly compared.
 */
function readsBackExactly(x: f64, digits: string, p: i32): bool {
  let bits = reinterpret<u64>(Math.abs(x));
  let biased = <i32>((bits >> 52) & 0x7ff);
  let mant = bits & 0xfffffffffffff;
  let exp2: i32;
  if (biased == 0) exp2 = -1074;
  else { mant |= <u64>1 << 52; exp2 = biased - 1075; }
  let even = (mant & 1) == 0;
  let hi = expand(mant * 2 + 1, exp2 - 1);
  let hiExp = expandExp;
  // below a power of two the neighbour is half as far
  let lo = mant == (<u64>1 << 52) && biased > 1 ? expand(mant * 4 - 1, exp2 - 2) : expand(mant * 2 - 1, exp2 - 1);
  let loExp = expandExp;
  let cl = compareDecimals(digits, p, lo, loExp);
  let ch = compareDecimals(digits, p, hi, hiExp);
  return (even ? cl >= 0 : cl > 0) && (even ? ch <= 0 : ch < 0);
}

/** An unsigned integer of 32-bit limbs, little-endian: just enough to expand a double. */
class Big {
  limbs: usize;
  len: i32;
  cap: i32;
  constructor(v: u64) {
    this.cap = 8;
    this.limbs = __alloc(<usize>this.cap << 2);
    store<u32>(this.limbs, <u32>v);
    store<u32>(this.limbs + 4, <u32>(v >> 32));
    this.len = 2;
  }
  mul(m: u32): void {
    let carry: u64 = 0;
    for (let i = 0; i < this.len; i++) {
      let at = this.limbs + (<usize>i << 2);
      let t = <u64>load<u32>(at) * <u64>m + carry;
      store<u32>(at, <u32>t);
      carry = t >> 32;
    }
    if (carry != 0) {
      if (this.len == this.cap) {
        this.cap <<= 1;
        this.limbs = __realloc(this.limbs, <usize>this.cap << 2);
      }
      store<u32>(this.limbs + (<usize>this.len << 2), <u32>carry);
      this.len++;
    }
  }
  /** Decimal digits without leading zeros ("0" for zero); destroys the value. */
  toDecimal(): string {
    let chunks = new Array<u32>();
    let len = this.len;
    while (len > 0 && load<u32>(this.limbs + (<usize>(len - 1) << 2)) == 0) len--;
    while (len > 0) {
      let rem: u64 = 0;
      for (let i = len - 1; i >= 0; i--) {
        let at = this.limbs + (<usize>i << 2);
        let cur = (rem << 32) | <u64>load<u32>(at);
        store<u32>(at, <u32>(cur / 1000000000));
        rem = cur % 1000000000;
      }
      chunks.push(<u32>rem);
      while (len > 0 && load<u32>(this.limbs + (<usize>(len - 1) << 2)) == 0) len--;
    }
    if (chunks.length == 0) return "0";
    let out = chunks[chunks.length - 1].toString();
    for (let i = chunks.length - 2; i >= 0; i--) out += chunks[i].toString().padStart(9, "0");
    return out;
  }
}

/** round_half_even(d * 10^shift) for decimal digits d. */
function scaleRound(d: string, shift: i32): string {
  if (shift >= 0) return d == "0" ? d : d + "0".repeat(shift);
  let k = -shift;
  let n = d.length;
  let q = k < n ? d.substring(0, n - k) : "0";
  let rem = k <= n ? d.substring(n - k) : "0";
  let first = k <= n ? rem.charCodeAt(0) : 0x30;
  let up = false;
  if (first > 0x35) up = true;
  else if (first == 0x35) {
    let rest = false;
    for (let i = 1; i < rem.length; i++) if (rem.charCodeAt(i) != 0x30) { rest = true; break; }
    up = rest || ((q.charCodeAt(q.length - 1) - 0x30) & 1) == 1;
  }
  return up ? increment(q) : q;
}

function increment(q: string): string {
  let i = q.length - 1;
  while (i >= 0 && q.charCodeAt(i) == 0x39) i--;
  if (i < 0) return "1" + "0".repeat(q.length);
  return q.substring(0, i) + String.fromCharCode(q.charCodeAt(i) + 1) + "0".repeat(q.length - 1 - i);
}

let sigExp = 0;

/** Exactly n significant digits of |x| (half-even); the first one's decimal exponent in sigExp. */
function significant(x: f64, n: i32): string {
  if (x == 0) { sigExp = 0; return "0".repeat(n); }
  exactDecimal(x);
  let exp = exactDigits.length - 1 + exactExp;
  let r = scaleRound(exactDigits, n - 1 - exp + exactExp);
  if (r.length > n) { r = r.substring(0, r.length - 1); exp += 1; }
  sigExp = exp;
  return r;
}

const POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/**
 * The shortest digits that read back as x (JavaScript's, which the host uses): the nearest n-digit
 * decimal for the least n that reads back. The check is one correctly rounded double operation when
 * that is exact, otherwise an exact comparison with the midpoints to x's neighbours.
 */
function shortest(x: f64): string {
  if (x == 0) { sigExp = 0; return "0"; }
  let ax = Math.abs(x);
  let n = 1;
  for (; n < 17; n++) {
    let digits = significant(x, n);
    let p = sigExp - n + 1;
    let c: u64 = 0;
    for (let i = 0; i < digits.length; i++) c = c * 10 + <u64>(digits.charCodeAt(i) - 0x30);
    if (p >= -22 && p <= 22 && c <= 9007199254740992) {
      let back = p >= 0 ? <f64>c * POW10[p] : <f64>c / POW10[-p];
      if (back == ax) return digits;
    } else if (readsBackExactly(x, digits, p)) return digits;
  }
  return significant(x, 17); // 17 digits always read back
}

function negSign(x: f64): string {
  return x < 0 || (x == 0 && 1 / x < 0) ? "-" : "";
}

function expForm(digits: string, exp: i32, upper: bool): string {
  let mant = digits.length > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
  let abs = exp < 0 ? -exp : exp;
  return mant + (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + (abs < 10 ? "0" : "") + abs.toString();
}

function fixedForm(digits: string, exp: i32, decimals: i32): string {
  let intLen = exp + 1;
  let intPart: string, frac: string;
  if (intLen <= 0) {
    intPart = "0";
    frac = "0".repeat(-intLen) + digits;
  } else if (intLen >= digits.length) {
    intPart = digits + "0".repeat(intLen - digits.length);
    frac = "";
  } else {
    intPart = digits.substring(0, intLen);
    frac = digits.substring(intLen);
  }
  frac = frac.substring(0, decimals).padEnd(decimals, "0");
  return decimals > 0 ? intPart + "." + frac : intPart;
}

function formatF(x: f64, p: i32): string {
  exactDecimal(x);
  let r = scaleRound(exactDigits, p + exactExp).padStart(p + 1, "0");
  let intPart = r.substring(0, r.length - p);
  return negSign(x) + (p > 0 ? intPart + "." + r.substring(r.length - p) : intPart);
}

function formatE(x: f64, p: i32, upper: bool): string {
  let digits = significant(x, p + 1);
  return negSign(x) + expForm(digits, sigExp, upper);
}

function formatG(x: f64, p: i32, upper: bool): string {
  let digits: string;
  let eprec: i32;
  if (p < 0) {
    digits = shortest(x);
    eprec = 6;
  } else {
    digits = significant(x, p == 0 ? 1 : p);
    let end = digits.length;
    while (end > 0 && digits.charCodeAt(end - 1) == 0x30) end--;
    digits = end > 0 ? digits.substring(0, end) : "0";
    eprec = p == 0 ? 1 : p;
    if (eprec > digits.length && digits.length >= sigExp + 1) eprec = digits.length;
  }
  let exp = sigExp;
  if (exp < -4 || exp >= eprec) return negSign(x) + expForm(digits, exp, upper);
  let decimals = digits.length - (exp + 1);
  return negSign(x) + fixedForm(digits, exp, decimals > 0 ? decimals : 0);
}
