import { call, callError } from './helpers';

describe('base64, base64url, hex', () => {
  it('encode and decode UTF-8 text', () => {
    expect(call('base64.encode', 'hello ✓')).toBe('aGVsbG8g4pyT');
    expect(call('base64.decode', 'aGVsbG8g4pyT')).toBe('hello ✓');
    expect(call('base64url.encode', '\u00ff\u00fe?')).toBe('w7_Dvj8=');
    expect(call('base64url.encode_no_pad', '\u00ff\u00fe?')).toBe('w7_Dvj8');
    expect(call('base64url.decode', 'w7_Dvj8')).toBe('\u00ff\u00fe?');
    expect(call('base64url.decode', 'w7_Dvj8=')).toBe('\u00ff\u00fe?');
    expect(call('hex.encode', 'lorem')).toBe('6c6f72656d');
    expect(call('hex.decode', '6C6F72656D')).toBe('lorem');
  });

  it('reject what Go rejects', () => {
    expect(call('base64.is_valid', 'aGVsbG8=')).toBe(true);
    expect(call('base64.is_valid', 'aGVsbG8')).toBe(false); // padding is required
    expect(call('base64.is_valid', 'aGV*bG8=')).toBe(false);
    expect(call('base64.is_valid', 'aGVs\nbG8=')).toBe(true); // newlines are skipped
    expect(callError('base64.decode', 'a').message).toMatch(/illegal base64/);
    expect(callError('base64url.decode', 'a').message).toMatch(/illegal base64url/);
    expect(callError('base64url.decode', 'w7/Dvj8').message).toMatch(/illegal base64url/);
    expect(callError('hex.decode', 'abc').message).toMatch(/odd length/);
    expect(callError('hex.decode', 'zz').message).toMatch(/invalid byte/);
  });
});

describe('JSON', () => {
  it('unmarshal, is_valid, marshal', () => {
    expect(call('json.unmarshal', '{"a": [1, "x", null]}')).toEqual({ a: [1, 'x', null] });
    expect(callError('json.unmarshal', '{"a": ').builtin).toBe('json.unmarshal');
    expect(call('json.is_valid', '{"a": 1}')).toBe(true);
    expect(call('json.is_valid', '{a: 1}')).toBe(false);
    // Go's encoding/json: sorted keys, no spaces, HTML characters escaped.
    expect(call('json.marshal', { b: 1, a: ['<x>', true] })).toBe('{"a":["\\u003cx\\u003e",true],"b":1}');
    expect(call('json.marshal_with_options', { a: [1] }, { pretty: true, indent: '  ' })).toBe('{\n  "a": [\n    1\n  ]\n}');
  });
});

describe('URL query encoding', () => {
  it('escapes and unescapes like Go net/url', () => {
    expect(call('urlquery.encode', 'a b&c=d/é~')).toBe('a+b%26c%3Dd%2F%C3%A9~');
    expect(call('urlquery.decode', 'a+b%26c%3Dd%2F%C3%A9~')).toBe('a b&c=d/é~');
    expect(callError('urlquery.decode', '%zz').message).toMatch(/invalid URL escape/);
  });

  it('encodes objects with sorted keys and repeated values', () => {
    expect(call('urlquery.encode_object', { q: 'a b', e: ['1', '2'], a: 'x' })).toBe('a=x&e=1&e=2&q=a+b');
    expect(call('urlquery.encode_object', { a: 1 })).toBeUndefined();
  });

  it('decodes objects into arrays of values', () => {
    expect(call('urlquery.decode_object', 'a=x&e=1&e=2&q=a+b&flag')).toEqual({ a: ['x'], e: ['1', '2'], q: ['a b'], flag: [''] });
    expect(callError('urlquery.decode_object', 'a=1;b=2').message).toMatch(/semicolon/);
  });
});

describe('crypto', () => {
  it('digests as hex', () => {
    expect(call('crypto.md5', 'hello')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(call('crypto.sha1', 'hello')).toBe('aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
    expect(call('crypto.sha256', 'hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  it('HMACs as hex and constant-time comparison', () => {
    // RFC 4231 test case 2.
    expect(call('crypto.hmac.sha256', 'what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(call('crypto.hmac.sha512', 'what do ya want for nothing?', 'Jefe')).toMatch(
      /^164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554/,
    );
    expect(call('crypto.hmac.md5', 'what do ya want for nothing?', 'Jefe')).toBe('750c783e6ab0b503eaa86e310a5db738');
    expect(call('crypto.hmac.sha1', 'what do ya want for nothing?', 'Jefe')).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    expect(call('crypto.hmac.equal', 'abc', 'abc')).toBe(true);
    expect(call('crypto.hmac.equal', 'abc', 'abd')).toBe(false);
    expect(call('crypto.hmac.equal', 'abc', 'ab')).toBe(false);
  });
});
