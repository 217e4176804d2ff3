import path from 'node:path';
import {
  BUILTINS,
  UNSUPPORTED_BUILTINS,
  hostBuiltins,
  hostCallName,
  isUnsupportedBuiltin,
  lookupBuiltin,
  typeToString,
} from '../../src/builtins';
import { RegoCompileError, planModules } from '../../src';
import { NATIVE_BUILTINS } from '../../src/emit';
import { unsupportedBuiltinArity } from '../../src/builtins/catalog';

/** The builtins issue #2 lists, by OPA name. */
const REQUIRED = [
  'plus',
  'minus',
  'mul',
  'div',
  'rem',
  'numbers.range',
  'numbers.range_step',
  'count',
  'sum',
  'product',
  'max',
  'min',
  'sort',
  'array.concat',
  'array.slice',
  'array.reverse',
  'intersection',
  'union',
  'object.get',
  'object.keys',
  'object.union',
  'object.union_n',
  'object.remove',
  'object.filter',
  'json.filter',
  'json.remove',
  'concat',
  'contains',
  'endswith',
  'startswith',
  'format_int',
  'indexof',
  'indexof_n',
  'lower',
  'upper',
  'replace',
  'split',
  'sprintf',
  'substring',
  'trim',
  'trim_left',
  'trim_right',
  'trim_prefix',
  'trim_suffix',
  'trim_space',
  'strings.replace_n',
  'strings.reverse',
  'strings.any_prefix_match',
  'strings.any_suffix_match',
  'regex.match',
  'regex.is_valid',
  'regex.find_n',
  'regex.split',
  'regex.replace',
  'glob.match',
  'glob.quote_meta',
  'is_number',
  'is_string',
  'is_boolean',
  'is_array',
  'is_set',
  'is_object',
  'is_null',
  'type_name',
  'to_number',
  'base64.encode',
  'base64.decode',
  'base64.is_valid',
  'base64url.encode',
  'base64url.encode_no_pad',
  'base64url.decode',
  'hex.encode',
  'hex.decode',
  'json.marshal',
  'json.unmarshal',
  'json.is_valid',
  'urlquery.encode',
  'urlquery.decode',
  'urlquery.encode_object',
  'urlquery.decode_object',
  'io.jwt.decode',
  'io.jwt.decode_verify',
  'io.jwt.verify_eddsa',
  ...['rs', 'ps', 'es', 'hs'].flatMap((f) => [256, 384, 512].map((n) => `io.jwt.verify_${f}${n}`)),
  'time.now_ns',
  'time.parse_rfc3339_ns',
  'time.parse_ns',
  'time.parse_duration_ns',
  'time.date',
  'time.clock',
  'time.weekday',
  'time.add_date',
  'time.diff',
  'net.cidr_contains',
  'net.cidr_intersects',
  'net.cidr_is_valid',
  'crypto.sha256',
  'crypto.md5',
  'crypto.sha1',
  'crypto.hmac.sha256',
  'crypto.hmac.sha512',
  'crypto.hmac.md5',
  'crypto.hmac.sha1',
  'crypto.hmac.equal',
  'units.parse',
  'units.parse_bytes',
  'semver.compare',
  'semver.is_valid',
  'uuid.rfc4122',
];

describe('builtin catalog', () => {
  it('has every builtin the issue asks for', () => {
    expect(REQUIRED.filter((n) => !lookupBuiltin(n))).toEqual([]);
  });

  it('has a host implementation for every supported builtin that can reach the host, and nothing else', () => {
    const hostNames = new Set(Object.keys(hostBuiltins));
    // Builtins only the wasm runtime implements (walk: a relation over set members and non-string keys) never reach the host.
    const missing = Object.keys(BUILTINS).filter((n) => !hostNames.has(hostCallName(n)) && !NATIVE_BUILTINS.has(n));
    expect(missing).toEqual([]);
    const known = new Set(Object.keys(BUILTINS).map(hostCallName));
    expect([...hostNames].filter((h) => !known.has(h))).toEqual([]);
  });

  it('never lists a builtin as both supported and unsupported', () => {
    expect([...UNSUPPORTED_BUILTINS].filter((n) => n in BUILTINS)).toEqual([]);
    expect(isUnsupportedBuiltin('http.send')).toBe(true);
    expect(isUnsupportedBuiltin('count')).toBe(false);
  });

  it('imports the builtins the SDK shadows under names the SDK does not know', () => {
    // The SDK's own builtins (its package exports hide the file, so load it next to the entry point).
    const sdkBuiltins = path.join(path.dirname(require.resolve('@open-policy-agent/opa-wasm')), 'builtins', 'index.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path computed at run time
    const sdkOwn = Object.keys(require(sdkBuiltins) as object);
    for (const name of ['sprintf', 'regex.split', 'yaml.unmarshal', 'yaml.is_valid']) {
      expect(sdkOwn).toContain(name);
      expect(hostCallName(name)).not.toBe(name);
      expect(sdkOwn).not.toContain(hostCallName(name));
    }
    // json.is_valid: the SDK's version (JSON.parse) agrees with OPA's, so it may win.
    expect(hostCallName('json.is_valid')).toBe('json.is_valid');
  });

  it('marks set-returning builtins so the runtime turns the JSON array back into a set', () => {
    for (const name of ['object.keys', 'intersection', 'union', 'and', 'or', 'net.cidr_expand', 'net.cidr_merge']) {
      expect(lookupBuiltin(name)?.setResult).toBe('always');
    }
    expect(lookupBuiltin('minus')?.setResult).toBe('when-first-arg-is-set');
  });

  it('spells signatures as OPA does', () => {
    const sig = (n: string): string => {
      const b = lookupBuiltin(n)!;
      return `(${b.args.map(typeToString).join(', ')}) => ${typeToString(b.result)}`;
    };
    expect(sig('indexof')).toBe('(string, string) => number');
    expect(sig('concat')).toBe('(string, any<array[string], set[string]>) => string');
    expect(sig('time.date')).toBe('(any<number, array<number, string>>) => array<number, number, number>');
    expect(sig('io.jwt.decode_verify')).toBe('(string, object[string: any]) => array<boolean, object[any: any], object[any: any]>');
    expect(sig('glob.match')).toBe('(string, any<null, array[string]>, string) => boolean');
  });
});

describe('builtin calls in policies (compile time)', () => {
  const compileRule = (body: string) =>
    planModules({ modules: [{ path: 'p.rego', source: `package p\n\nx := ${body}\n` }], entrypoints: ['p/x'] });
  const compileError = (body: string): RegoCompileError => {
    try {
      compileRule(body);
    } catch (e) {
      if (e instanceof RegoCompileError) return e;
      throw e;
    }
    throw new Error(`${body} compiled`);
  };

  it('rejects literal arguments of the wrong type, naming the builtin', () => {
    expect(compileError('indexof(1, "")').message).toMatch(/indexof/);
    expect(compileError('concat(",", {"a": 1})').message).toMatch(/concat/);
    expect(compileError('time.date("2020")').message).toMatch(/time\.date/);
    expect(compileError('glob.match("*", "x", "y")').message).toMatch(/glob\.match/);
    expect(compileError('units.parse(["1"])').message).toMatch(/units\.parse/);
  });

  it('accepts well-typed calls and arguments only known at run time', () => {
    expect(() => compileRule('indexof("abc", "b")')).not.toThrow();
    expect(() => compileRule('concat(",", {"a", "b"})')).not.toThrow();
    expect(() => compileRule('time.date([0, "UTC"])')).not.toThrow();
    expect(() => compileRule('indexof(input.s, input.t)')).not.toThrow();
  });

  it('knows the arity of every unsupported builtin, which `with` may replace', () => {
    for (const name of UNSUPPORTED_BUILTINS) {
      if (isUnsupportedBuiltin(name)) expect([name, unsupportedBuiltinArity(name)]).toEqual([name, expect.any(Number)]);
    }
    expect(unsupportedBuiltinArity('http.send')).toBe(1);
    expect(unsupportedBuiltinArity('count')).toBeUndefined();
  });

  it('reports unsupported builtins by name', () => {
    expect(compileError('http.send({"method": "get", "url": "http://x"})').message).toMatch(/unsupported builtin http\.send/);
    expect(compileError('opa.runtime()').message).toMatch(/opa\.runtime/);
  });
});
