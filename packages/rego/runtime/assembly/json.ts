// Strict JSON text <-> values. Parsed strings without escapes point into the source text (which
// the SDK keeps alive below the heap pointer for as long as the value is used).
import {
  Value, StrV, ArrV, NULL, TRUE, FALSE, K_NULL, K_BOOL, K_NUM, K_STR, K_ARR, K_OBJ,
  BoolV, NumV, numOf, asNum, asStr, asArr, asColl, mkInt, mkNum, newObj, objPut, ensureSorted,
} from "./values";

let pos: usize = 0;
let end: usize = 0;
let bad: bool = false;

@inline function peek(): i32 { return pos < end ? <i32>load<u8>(pos) : -1; }

function skipWs(): void {
  while (pos < end) {
    let c = load<u8>(pos);
    if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) pos++; else break;
  }
}

/** Parses exactly one JSON value filling [ptr, ptr+len); null when the text is not valid JSON. */
export function parseJson(ptr: usize, len: usize): Value | null {
  pos = ptr; end = ptr + len; bad = false;
  skipWs();
  let v = parseValue(0);
  skipWs();
  if (bad || pos != end) return null;
  return v;
}

function expectWord(w: string): bool {
  let n = w.length;
  if (pos + <usize>n > end) return false;
  for (let i = 0; i < n; i++) if (<i32>load<u8>(pos + <usize>i) != w.charCodeAt(i)) return false;
  pos += <usize>n;
  return true;
}

function parseValue(depth: i32): Value {
  if (depth > 2000) { bad = true; return NULL; }
  let c = peek();
  switch (c) {
    case 0x7b: return parseObject(depth);
    case 0x5b: return parseArray(depth);
    case 0x22: return parseString();
    case 0x74: if (!expectWord("true")) bad = true; return TRUE;
    case 0x66: if (!expectWord("false")) bad = true; return FALSE;
    case 0x6e: if (!expectWord("null")) bad = true; return NULL;
    default:
      if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
      bad = true;
      return NULL;
  }
}

function parseObject(depth: i32): Value {
  pos++; // {
  let obj = newObj();
  skipWs();
  if (peek() == 0x7d) { pos++; return obj; }
  while (true) {
    skipWs();
    if (peek() != 0x22) { bad = true; return obj; }
    let k = parseString();
    if (bad) return obj;
    skipWs();
    if (peek() != 0x3a) { bad = true; return obj; }
    pos++;
    skipWs();
    let v = parseValue(depth + 1);
    if (bad) return obj;
    objPut(obj, k, v);
    skipWs();
    let c = peek();
    if (c == 0x2c) { pos++; continue; }
    if (c == 0x7d) { pos++; break; }
    bad = true;
    return obj;
  }
  ensureSorted(obj);
  return obj;
}

function parseArray(depth: i32): Value {
  pos++; // [
  let arr = new ArrV(4);
  skipWs();
  if (peek() == 0x5d) { pos++; return arr; }
  while (true) {
    skipWs();
    let v = parseValue(depth + 1);
    if (bad) return arr;
    arr.push(v);
    skipWs();
    let c = peek();
    if (c == 0x2c) { pos++; continue; }
    if (c == 0x5d) { pos++; break; }
    bad = true;
    return arr;
  }
  return arr;
}

function hexVal(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function read4Hex(): i32 {
  if (pos + 4 > end) { bad = true; return 0; }
  let v = 0;
  for (let i = 0; i < 4; i++) {
    let h = hexVal(<i32>load<u8>(pos + <usize>i));
    if (h < 0) { bad = true; return 0; }
    v = (v << 4) | h;
  }
  pos += 4;
  return v;
}

/** Writes code point cp as UTF-8 at out; returns bytes written. */
function putUtf8(out: usize, cp: i32): i32 {
  if (cp < 0x80) { store<u8>(out, <u8>cp); return 1; }
  if (cp < 0x800) {
    store<u8>(out, <u8>(0xc0 | (cp >> 6)));
    store<u8>(out + 1, <u8>(0x80 | (cp & 0x3f)));
    return 2;
  }
  if (cp < 0x10000) {
    store<u8>(out, <u8>(0xe0 | (cp >> 12)));
    store<u8>(out + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(out + 2, <u8>(0x80 | (cp & 0x3f)));
    return 3;
  }
  store<u8>(out, <u8>(0xf0 | (cp >> 18)));
  store<u8>(out + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(out + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(out + 3, <u8>(0x80 | (cp & 0x3f)));
  return 4;
}

function parseString(): StrV {
  pos++; // "
  let start = pos;
  let escapes = false;
  while (true) {
    if (pos >= end) { bad = true; return new StrV(start, 0); }
    let c = load<u8>(pos);
    if (c == 0x22) break;
    if (c < 0x20) { bad = true; return new StrV(start, 0); }
    if (c == 0x5c) { escapes = true; pos += 2; continue; }
    pos++;
  }
  if (pos > end) { bad = true; return new StrV(start, 0); }
  let stop = pos;
  pos++; // closing quote
  if (!escapes) return new StrV(start, <i32>(stop - start));
  // Decode escapes into a fresh buffer (never longer than the source).
  let out = __alloc(stop - start);
  let o = out;
  let p = start;
  let save = pos;
  while (p < stop) {
    let c = load<u8>(p);
    if (c != 0x5c) { store<u8>(o++, c); p++; continue; }
    let e = <i32>load<u8>(p + 1);
    p += 2;
    switch (e) {
      case 0x22: store<u8>(o++, 0x22); break;
      case 0x5c: store<u8>(o++, 0x5c); break;
      case 0x2f: store<u8>(o++, 0x2f); break;
      case 0x62: store<u8>(o++, 0x08); break;
      case 0x66: store<u8>(o++, 0x0c); break;
      case 0x6e: store<u8>(o++, 0x0a); break;
      case 0x72: store<u8>(o++, 0x0d); break;
      case 0x74: store<u8>(o++, 0x09); break;
      case 0x75: {
        pos = p;
        let cp = read4Hex();
        if (bad) return new StrV(start, 0);
        p = pos;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          // a surrogate pair spells one code point; a lone surrogate becomes U+FFFD
          if (p + 6 <= stop && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75) {
            pos = p + 2;
            let lo = read4Hex();
            if (bad) return new StrV(start, 0);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              p = pos;
            } else cp = 0xfffd;
          } else cp = 0xfffd;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) cp = 0xfffd;
        o += <usize>putUtf8(o, cp);
        break;
      }
      default: bad = true; return new StrV(start, 0);
    }
  }
  pos = save;
  return new StrV(out, <i32>(o - out));
}

// Exact powers of ten for the fast decimal path.
const POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

function parseNumber(): Value {
  let v = scanNumber();
  if (v === null) { bad = true; return NULL; }
  return v;
}

// Powers of ten that fit an i64.
const POW10_INT: StaticArray<i64> = [
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000,
  100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
  10000000000000000, 100000000000000000, 1000000000000000000,
];

/**
 * Reads a JSON number at pos (advancing it): a value keeping its text, with an exact integer
 * where the value is integral and fits 64 bits; null when the syntax is not JSON's.
 */
function scanNumber(): NumV | null {
  let start = pos;
  let neg = false;
  if (peek() == 0x2d) { neg = true; pos++; }
  let mant: u64 = 0;
  let digits = 0;
  let exp10 = 0;
  let dropped = false; // a nonzero digit past the 19 kept in mant
  let plain = true; // no fraction or exponent
  let c = peek();
  if (c == 0x30) {
    pos++;
  } else if (c >= 0x31 && c <= 0x39) {
    while (true) {
      c = peek();
      if (c < 0x30 || c > 0x39) break;
      if (digits < 19) { mant = mant * 10 + <u64>(c - 0x30); if (mant != 0) digits++; } else { exp10++; if (c != 0x30) dropped = true; }
      pos++;
    }
  } else return null;
  if (peek() == 0x2e) {
    plain = false;
    pos++;
    c = peek();
    if (c < 0x30 || c > 0x39) return null;
    while (true) {
      c = peek();
      if (c < 0x30 || c > 0x39) break;
      if (digits < 19) { mant = mant * 10 + <u64>(c - 0x30); if (mant != 0) digits++; exp10--; } else if (c != 0x30) dropped = true;
      pos++;
    }
  }
  c = peek();
  if (c == 0x65 || c == 0x45) {
    plain = false;
    pos++;
    let eneg = false;
    c = peek();
    if (c == 0x2b || c == 0x2d) { eneg = c == 0x2d; pos++; }
    c = peek();
    if (c < 0x30 || c > 0x39) return null;
    let e = 0;
    while (true) {
      c = peek();
      if (c < 0x30 || c > 0x39) break;
      if (e < 100000) e = e * 10 + (c - 0x30);
      pos++;
    }
    exp10 += eneg ? -e : e;
  }
  let text = start;
  let textLen = <i32>(pos - start);
  // The common case: a short integer.
  if (plain && digits <= 18 && !dropped) {
    let v = mkInt(neg ? -<i64>mant : <i64>mant);
    v.text = text; v.textLen = textLen;
    return v;
  }
  // An integral value that fits 64 bits, however spelled (1e3, 101.00, 9223372036854775807).
  let exact = false;
  let iv: i64 = 0;
  if (!dropped) {
    if (exp10 >= 0) {
      if (exp10 <= 18) {
        let p = <u64>unchecked(POW10_INT[exp10]);
        let limit: u64 = neg ? 0x8000000000000000 : 0x7fffffffffffffff;
        if (mant == 0 || mant <= limit / p) {
          let m = mant * p;
          if (m <= limit) { exact = true; iv = neg ? <i64>(0 - m) : <i64>m; }
        }
      }
    } else if (-exp10 <= 18) {
      let p = <u64>unchecked(POW10_INT[-exp10]);
      if (mant % p == 0) {
        let m = mant / p; // below 10^19 / 10: fits
        exact = true; iv = neg ? -<i64>m : <i64>m;
      }
    } else if (mant == 0) exact = true;
  }
  let v: NumV;
  if (exact) v = mkInt(iv);
  else {
    let r: f64;
    if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
      r = <f64>mant;
      r = exp10 >= 0 ? r * POW10[exp10] : r / POW10[-exp10];
      if (neg) r = -r;
    } else {
      // rare: many digits or large exponents; let the standard library do the exact conversion
      r = parseFloat(String.UTF8.decodeUnsafe(start, pos - start, false));
    }
    v = mkNum(r);
  }
  v.text = text; v.textLen = textLen;
  return v;
}

/**
 * The number a whole string spells in JSON's number syntax (keeping the string's bytes as its
 * text), or null when the string is not exactly one JSON number.
 */
export function numberFromText(ptr: usize, len: i32): NumV | null {
  let savePos = pos, saveEnd = end;
  pos = ptr; end = ptr + <usize>len;
  let v = len > 0 ? scanNumber() : null;
  let whole = pos == end;
  pos = savePos; end = saveEnd;
  return whole ? v : null;
}

// ---------- output ----------

let outBuf: usize = 0;
let outLen: i32 = 0;
let outCap: i32 = 0;

export function outStart(): void {
  outCap = 256;
  outBuf = __alloc(<usize>outCap);
  outLen = 0;
}

@inline function reserve(n: i32): void {
  if (outLen + n > outCap) {
    while (outLen + n > outCap) outCap <<= 1;
    outBuf = __realloc(outBuf, <usize>outCap);
  }
}

export function outByte(b: i32): void {
  reserve(1);
  store<u8>(outBuf + <usize>outLen, <u8>b);
  outLen++;
}

export function outBytes(p: usize, n: i32): void {
  reserve(n);
  memory.copy(outBuf + <usize>outLen, p, <usize>n);
  outLen += n;
}

export function outAscii(s: string): void {
  let n = s.length;
  reserve(n);
  // ASCII text: read the UTF-16 code units directly (charCodeAt checks bounds on every call)
  let src = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u8>(outBuf + <usize>(outLen + i), <u8>load<u16>(src + (<usize>i << 1)));
  outLen += n;
}

/** Ends the output with a NUL byte; returns its address. */
export function outFinishZ(): usize {
  outByte(0);
  return outBuf;
}

/** Ends the output as a string value (no NUL). */
export function outFinishStr(): StrV {
  return new StrV(outBuf, outLen);
}

/**
 * A number value as JSON text: as written when it has a literal text (OPA prints a json.Number as
 * written), an exact integer with all its digits, others as doubles (outDouble).
 */
export function outNum(v: NumV): void {
  if (v.text != 0) { outBytes(v.text, v.textLen); return; }
  if (v.exact) { outInt(v.i); return; }
  outDouble(v.n);
}

/** An integer in decimal. */
export function outInt(i: i64): void {
  if (i == 0) { outByte(0x30); return; }
  if (i == i64.MIN_VALUE) { outAscii("-9223372036854775808"); return; }
  reserve(21);
  if (i < 0) { store<u8>(outBuf + <usize>outLen, 0x2d); outLen++; i = -i; }
  let tmp = outBuf + <usize>outLen;
  let nd = 0;
  let t = i;
  while (t > 0) { nd++; t /= 10; }
  for (let k = nd - 1; k >= 0; k--) { store<u8>(tmp + <usize>k, <u8>(0x30 + <i32>(i % 10))); i /= 10; }
  outLen += nd;
}

/**
 * A double as JSON text: an integral one with all its digits (integerDigits), others in the shortest form that
 * reads back as the same double (0.1, 1e-7); -0 as 0.
 */
function outDouble(n: f64): void {
  if (isNaN(n)) { outAscii("null"); return; }
  // Past the double range (1e300 * 1e300), where OPA's decimals still hold the value: a number
  // just as far out of range, which JSON readers (the SDK's JSON.parse, our parser) read as ±Infinity.
  if (!isFinite(n)) { outAscii(n > 0 ? "1e+400" : "-1e+400"); return; }
  // an integer past 64 bits: all its digits, as OPA writes integers
  if (Math.floor(n) == n) { outAscii(integerDigits(n)); return; }
  let s = n.toString();
  if (s.endsWith(".0")) s = s.substring(0, s.length - 2);
  outAscii(s);
}

/**
 * An integral double's decimal digits (with its sign) without an exponent: the shortest digits
 * that read back as it, padded with zeros. OPA holds integers past 64 bits exactly (1e30 * 1 is
 * 1 and 30 zeros); where the exact result had at most 17 significant digits this is it.
 */
export function integerDigits(x: f64): string {
  let s = x.toString();
  let e = s.indexOf("e");
  if (e < 0) return s.endsWith(".0") ? s.substring(0, s.length - 2) : s;
  let mant = s.substring(0, e);
  let exp = I32.parseInt(s.substring(e + 1));
  let dot = mant.indexOf(".");
  let frac = dot < 0 ? 0 : mant.length - dot - 1;
  if (dot >= 0) mant = mant.substring(0, dot) + mant.substring(dot + 1);
  return mant + "0".repeat(exp - frac);
}

const HEX = "0123456789abcdef";

export function outString(s: StrV): void {
  reserve(s.len + 2);
  outByte(0x22);
  let p = s.ptr;
  let n = s.len;
  let run = 0; // start of the pending unescaped run
  for (let i = 0; i < n; i++) {
    let c = <i32>load<u8>(p + <usize>i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    if (i > run) outBytes(p + <usize>run, i - run);
    run = i + 1;
    outByte(0x5c);
    switch (c) {
      case 0x22: outByte(0x22); break;
      case 0x5c: outByte(0x5c); break;
      case 0x0a: outByte(0x6e); break;
      case 0x0d: outByte(0x72); break;
      case 0x09: outByte(0x74); break;
      case 0x08: outByte(0x62); break;
      case 0x0c: outByte(0x66); break;
      default:
        outAscii("u00");
        outByte(HEX.charCodeAt(c >> 4));
        outByte(HEX.charCodeAt(c & 15));
    }
  }
  if (n > run) outBytes(p + <usize>run, n - run);
  outByte(0x22);
}

/**
 * How outSpelled writes a value. The three spellings differ only in separators, set syntax and
 * object keys, so one walker serves all of them:
 * - SPELL_JSON: strict JSON; sets as arrays, non-string object keys as their quoted JSON text
 * - SPELL_DUMP: OPA's opa_value_dump; compact, sets as set literals ({1,2} or set()), keys as themselves
 * - SPELL_REGO: Rego term text (OPA's String form); the dump spelling with ", " and ": "
 */
export const SPELL_JSON: i32 = 0;
export const SPELL_DUMP: i32 = 1;
export const SPELL_REGO: i32 = 2;

/** Writes v as JSON: object keys and set elements in sorted order, sets as arrays. */
export function outValue(v: Value): void {
  outSpelled(v, SPELL_JSON);
}

@inline function outSeparator(how: i32, b: i32): void {
  outByte(b);
  if (how == SPELL_REGO) outByte(0x20);
}

/** Writes v in the spelling `how` (a SPELL_ constant), collections in sorted order. */
export function outSpelled(v: Value, how: i32): void {
  switch (v.kind) {
    case K_NULL: outAscii("null"); return;
    case K_BOOL: outAscii(changetype<BoolV>(v).b ? "true" : "false"); return;
    case K_NUM: outNum(asNum(v)); return;
    case K_STR: outString(asStr(v)); return;
    case K_ARR: {
      let a = asArr(v);
      outByte(0x5b);
      for (let i = 0; i < a.len; i++) {
        if (i > 0) outSeparator(how, 0x2c);
        outSpelled(a.get(i), how);
      }
      outByte(0x5d);
      return;
    }
    case K_OBJ: {
      let c = asColl(v);
      ensureSorted(c);
      outByte(0x7b);
      for (let i = 0; i < c.len; i++) {
        if (i > 0) outSeparator(how, 0x2c);
        let k = c.key(i);
        if (how == SPELL_JSON && k.kind != K_STR) outQuotedJson(k);
        else outSpelled(k, how);
        outSeparator(how, 0x3a);
        outSpelled(c.val(i), how);
      }
      outByte(0x7d);
      return;
    }
    default: {
      let c = asColl(v);
      let asSet = how != SPELL_JSON;
      if (asSet && c.len == 0) { outAscii("set()"); return; }
      ensureSorted(c);
      outByte(asSet ? 0x7b : 0x5b);
      for (let i = 0; i < c.len; i++) {
        if (i > 0) outSeparator(how, 0x2c);
        outSpelled(c.key(i), how);
      }
      outByte(asSet ? 0x7d : 0x5d);
    }
  }
}

/** A non-string object key in JSON: OPA allows such keys, JSON needs strings, so its JSON text is quoted. */
function outQuotedJson(k: Value): void {
  let saveBuf = outBuf, saveLen = outLen, saveCap = outCap;
  outStart();
  outValue(k);
  let inner = outFinishStr();
  outBuf = saveBuf; outLen = saveLen; outCap = saveCap;
  outString(inner);
}

/** JSON text of v as a NUL-terminated buffer. */
export function dumpZ(v: Value): usize {
  outStart();
  outValue(v);
  return outFinishZ();
}

/** JSON text of v as a string value. */
export function dumpStr(v: Value): StrV {
  outStart();
  outValue(v);
  return outFinishStr();
}
