/**
 * base64, base64url, hex, JSON and URL query encodings with Go's strictness: Go's decoders reject
 * what Node's Buffer would silently skip (stray characters, missing padding), and OPA reports those
 * as builtin errors.
 */
import { fail } from './errors';
import { Impl, JsonObject, compareStrings, isArray, isObject, isString, setProp } from './values';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** Decoded bytes as a string; invalid UTF-8 becomes U+FFFD, the only way JSON can carry it onward. */
const text = (b: Buffer): string => b.toString('utf8');

const STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_SAFE = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/;

/** Go's base64 decoders ignore CR and LF anywhere in the input. */
const stripNewlines = (s: string): string => s.replace(/[\r\n]/g, '');

function decodeStd(s: string): Buffer | undefined {
  const clean = stripNewlines(s);
  return STD.test(clean) ? Buffer.from(clean, 'base64') : undefined;
}

/**
 * base64url.decode as OPA does it: padding is optional (RFC 7515 appendix C), added back when the
 * length asks for it, then the padded URL alphabet is decoded strictly.
 */
export function decodeBase64Url(s: string): Buffer | undefined {
  let padded = stripNewlines(s);
  if (!padded.endsWith('=')) {
    switch (padded.length % 4) {
      case 2:
        padded += '==';
        break;
      case 3:
        padded += '=';
        break;
      case 1:
        return undefined;
    }
  }
  return URL_SAFE.test(padded) ? Buffer.from(padded, 'base64url') : undefined;
}

// ---- URL query escaping (Go's net/url QueryEscape / QueryUnescape / Values) ----

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

export function queryEscape(s: string): string {
  let out = '';
  for (const byte of utf8(s)) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && UNRESERVED.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** QueryUnescape; undefined for a malformed % escape (Go: "invalid URL escape"). */
export function queryUnescape(s: string): string | undefined {
  const bytes: number[] = [];
  const raw = utf8(s);
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x25 /* % */) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(b === 0x2b /* + */ ? 0x20 : b);
  }
  return text(Buffer.from(bytes));
}

function unescapeOrFail(builtin: string, s: string): string {
  const out = queryUnescape(s);
  if (out === undefined) {
    const bad = /%.{0,2}/.exec(s.slice(s.search(/%(?![0-9A-Fa-f]{2})/)))?.[0] ?? '%';
    return fail(builtin, `invalid URL escape ${JSON.stringify(bad)}`);
  }
  return out;
}

/** url.ParseQuery: `&`-separated pairs, `;` rejected, first error wins but parsing goes on (as in Go). */
function parseQuery(query: string): JsonObject {
  const out: JsonObject = {};
  let firstError: string | undefined;
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      firstError ??= 'invalid semicolon separator in query';
      continue;
    }
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const key = queryUnescape(rawKey);
    const value = queryUnescape(rawValue);
    if (key === undefined || value === undefined) {
      firstError ??= `invalid URL escape in ${JSON.stringify(part)}`;
      continue;
    }
    const existing = Object.prototype.hasOwnProperty.call(out, key) ? (out[key] as string[]) : undefined;
    if (existing) existing.push(value);
    else setProp(out, key, [value]);
  }
  if (firstError !== undefined) fail('urlquery.decode_object', firstError);
  return out;
}

/** url.Values.Encode: keys sorted, each value escaped, pairs joined with `&`. */
function encodeObject(obj: unknown): string | undefined {
  if (!isObject(obj)) return undefined;
  const pairs: string[] = [];
  for (const key of Object.keys(obj).sort(compareStrings)) {
    const v = obj[key];
    let values: string[];
    if (isString(v)) values = [v];
    else if (isArray(v) && v.every(isString)) values = v;
    else return undefined;
    for (const value of values) pairs.push(`${queryEscape(key)}=${queryEscape(value)}`);
  }
  return pairs.join('&');
}

// ---- JSON text as Go's encoding/json writes it (host fallback for json.marshal) ----

/** Go escapes <, > and & (HTML safety) and the JS line terminators U+2028/U+2029. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (isString(v)) return goJsonString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const o = v as JsonObject;
  const keys = Object.keys(o).sort(compareStrings);
  return `{${keys.map((k) => `${goJsonString(k)}:${goJson(o[k])}`).join(',')}}`;
}

/** json.marshal_with_options: `pretty`, `indent` (default "\t"), `prefix` (default ""). */
function marshalWithOptions(v: unknown, opts: unknown): string | undefined {
  if (!isObject(opts)) return undefined;
  let pretty = false;
  let indent = '\t';
  let prefix = '';
  let indentGiven = false;
  for (const [k, val] of Object.entries(opts)) {
    if (k === 'pretty' && typeof val === 'boolean') pretty = val;
    else if (k === 'indent' && isString(val)) [indent, indentGiven] = [val, true];
    else if (k === 'prefix' && isString(val)) [prefix, indentGiven] = [val, true];
    else fail('json.marshal_with_options', `object contained unknown key ${JSON.stringify(k)} or a value of the wrong type`);
  }
  const compact = goJson(v);
  // Go: pretty defaults to true when indent or prefix is given, unless pretty is explicitly false.
  const explicitPretty = Object.prototype.hasOwnProperty.call(opts, 'pretty');
  if (!(explicitPretty ? pretty : indentGiven)) return compact;
  return indentJson(JSON.parse(compact), prefix, indent, 0);
}

/** json.MarshalIndent layout: every line after the first starts with prefix, then depth × indent. */
function indentJson(v: unknown, prefix: string, indent: string, depth: number): string {
  const pad = (d: number): string => `\n${prefix}${indent.repeat(d)}`;
  if (isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((x) => pad(depth + 1) + indentJson(x, prefix, indent, depth + 1)).join(',')}${pad(depth)}]`;
  }
  if (isObject(v)) {
    const keys = Object.keys(v).sort(compareStrings);
    if (keys.length === 0) return '{}';
    const body = keys.map((k) => `${pad(depth + 1)}${goJsonString(k)}: ${indentJson(v[k], prefix, indent, depth + 1)}`);
    return `{${body.join(',')}${pad(depth)}}`;
  }
  return goJson(v);
}

function isValidJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

export const encodingBuiltins: Record<string, Impl> = {
  'base64.encode': (s) => (isString(s) ? utf8(s).toString('base64') : undefined),
  'base64.decode': (s) => {
    if (!isString(s)) return undefined;
    const bytes = decodeStd(s);
    return bytes ? text(bytes) : fail('base64.decode', 'illegal base64 data');
  },
  'base64.is_valid': (s) => (isString(s) ? decodeStd(s) !== undefined : undefined),
  'base64url.encode': (s) => (isString(s) ? utf8(s).toString('base64').replace(/\+/g, '-').replace(/\//g, '_') : undefined),
  'base64url.encode_no_pad': (s) => (isString(s) ? utf8(s).toString('base64url') : undefined),
  'base64url.decode': (s) => {
    if (!isString(s)) return undefined;
    const bytes = decodeBase64Url(s);
    return bytes ? text(bytes) : fail('base64url.decode', `illegal base64url string: ${s}`);
  },
  'hex.encode': (s) => (isString(s) ? utf8(s).toString('hex') : undefined),
  'hex.decode': (s) => {
    if (!isString(s)) return undefined;
    if (!/^(?:[0-9A-Fa-f]{2})*$/.test(s))
      fail('hex.decode', s.length % 2 ? 'encoding/hex: odd length hex string' : 'encoding/hex: invalid byte');
    return text(Buffer.from(s, 'hex'));
  },
  'json.marshal': (v) => (v === undefined ? undefined : goJson(v)),
  'json.marshal_with_options': marshalWithOptions,
  'json.unmarshal': (s) => {
    if (!isString(s)) return undefined;
    try {
      return JSON.parse(s) as unknown;
    } catch (e) {
      return fail('json.unmarshal', (e as Error).message);
    }
  },
  'json.is_valid': (s) => (isString(s) ? isValidJson(s) : undefined),
  'urlquery.encode': (s) => (isString(s) ? queryEscape(s) : undefined),
  'urlquery.decode': (s) => (isString(s) ? unescapeOrFail('urlquery.decode', s) : undefined),
  'urlquery.encode_object': encodeObject,
  'urlquery.decode_object': (s) => (isString(s) ? parseQuery(s) : undefined),
};
