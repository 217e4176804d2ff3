import { call, callError } from './helpers';

describe('string builtins', () => {
  it('concat joins arrays and sets (sets arrive sorted)', () => {
    expect(call('concat', ', ', ['Hello', 'world'])).toBe('Hello, world');
    expect(call('concat', '', [])).toBe('');
    expect(call('concat', '-', ['a', 'b', 'c'])).toBe('a-b-c');
    expect(call('concat', 1, [])).toBeUndefined();
    expect(call('concat', ',', ['a', 1])).toBeUndefined();
  });

  it('contains, startswith, endswith', () => {
    expect(call('contains', 'Hello, world', ', ')).toBe(true);
    expect(call('contains', 'Hello world', '')).toBe(true);
    expect(call('contains', '', ',')).toBe(false);
    expect(call('startswith', 'Hello', 'He')).toBe(true);
    expect(call('endswith', 'Hello, world', 'ld')).toBe(true);
    expect(call('endswith', '', 'ld')).toBe(false);
    expect(call('endswith', '', '')).toBe(true);
    expect(call('contains', null, '')).toBeUndefined();
  });

  it('format_int truncates toward zero and only knows bases 2, 8, 10, 16', () => {
    expect(call('format_int', -10, 2)).toBe('-1010');
    expect(call('format_int', -10, 8)).toBe('-12');
    expect(call('format_int', -10.765, 2)).toBe('-1010');
    expect(call('format_int', -10.999999999, 10)).toBe('-10');
    expect(call('format_int', -10, 16)).toBe('-a');
    expect(call('format_int', 255, 16)).toBe('ff');
    expect(call('format_int', 1e21, 10)).toBe('1000000000000000000000');
    expect(callError('format_int', 10, 4).message).toMatch(/one of \{2, 8, 10, 16\}/);
  });

  it('indexof and indexof_n count runes, not UTF-16 units', () => {
    expect(call('indexof', 'μx', 'x')).toBe(1);
    expect(call('indexof', 'μ', 'μμ')).toBe(-1);
    expect(call('indexof', 'skön var våren', 'vår')).toBe(9);
    expect(call('indexof', '😀a', 'a')).toBe(1);
    expect(call('indexof_n', 'sad book many books', 'book')).toEqual([4, 14]);
    expect(call('indexof_n', 'abc', 'x')).toEqual([]);
    expect(callError('indexof', 'abc', '').message).toMatch(/empty search character/);
    expect(callError('indexof_n', 'abc', '').message).toMatch(/empty search character/);
  });

  it('lower and upper map rune by rune like Go (no final sigma)', () => {
    expect(call('lower', 'Σ')).toBe('σ');
    expect(call('lower', 'LONG\u2C6FSTRING')).toBe('long\u0250string');
    expect(call('lower', 'ὈΔΥΣΣΕΎΣ')).toBe('ὀδυσσεύσ');
    expect(call('lower', 'İ')).toBe('i');
    expect(call('upper', 'abcμ')).toBe('ABCΜ');
    expect(call('upper', 'ß')).toBe('ß');
  });

  it('replace, split, substring', () => {
    expect(call('replace', 'Hello world', 'o', '0')).toBe('Hell0 w0rld');
    expect(call('replace', 'ab', '', '-')).toBe('-a-b-');
    expect(call('split', 'a,b,c', ',')).toEqual(['a', 'b', 'c']);
    expect(call('split', 'test', '')).toEqual(['t', 'e', 's', 't']);
    expect(call('split', '', '')).toEqual([]);
    expect(call('split', '', ',')).toEqual(['']);
    expect(call('substring', 'abcdef', 2, 3)).toBe('cde');
    expect(call('substring', 'abc', 1, -1)).toBe('bc');
    expect(call('substring', 'abc', 1, 10)).toBe('bc');
    expect(call('substring', 'abc', 5, 1)).toBe('');
    expect(call('substring', 'μxμ', 1, 1)).toBe('x');
    expect(callError('substring', 'abc', -1, 1).message).toMatch(/negative offset/);
  });

  it('trims with cutsets, prefixes, suffixes and Unicode white space', () => {
    expect(call('trim', '??hello??', '?')).toBe('hello');
    expect(call('trim_left', '??hello??', '?')).toBe('hello??');
    expect(call('trim_right', '??hello??', '?')).toBe('??hello');
    expect(call('trim', 'abcHIcba', 'abc')).toBe('HI');
    expect(call('trim_prefix', 'foo.bar', 'foo.')).toBe('bar');
    expect(call('trim_prefix', 'foo.bar', 'x')).toBe('foo.bar');
    expect(call('trim_suffix', 'foo.bar', '.bar')).toBe('foo');
    expect(call('trim_space', '  \t hi \n')).toBe('hi');
    expect(call('trim_space', '\u00a0x\u3000')).toBe('x');
  });

  it('strings.replace_n replaces leftmost first, earlier (sorted) patterns winning', () => {
    expect(call('strings.replace_n', { '<': '&lt;', '>': '&gt;' }, '<a>')).toBe('&lt;a&gt;');
    expect(call('strings.replace_n', { ab: '2', a: '1' }, 'ab')).toBe('1b');
    expect(call('strings.replace_n', { a: 1 }, 'a')).toBeUndefined();
  });

  it('strings.reverse, strings.count, any_prefix_match, any_suffix_match', () => {
    expect(call('strings.reverse', 'abc')).toBe('cba');
    expect(call('strings.reverse', 'μx😀')).toBe('😀xμ');
    expect(call('strings.count', 'cheese', 'e')).toBe(3);
    expect(call('strings.count', 'five', '')).toBe(5);
    expect(call('strings.any_prefix_match', 'foobar', 'foo')).toBe(true);
    expect(call('strings.any_prefix_match', ['a', 'foobar'], ['x', 'fo'])).toBe(true);
    expect(call('strings.any_prefix_match', ['a', 'b'], 'c')).toBe(false);
    expect(call('strings.any_prefix_match', [], 'c')).toBe(false);
    expect(call('strings.any_suffix_match', 'foobar', ['baz', 'bar'])).toBe(true);
    expect(call('strings.any_suffix_match', 'foobar', 'foo')).toBe(false);
    expect(call('strings.any_suffix_match', 1, 'foo')).toBeUndefined();
  });

  it('sprintf formats like Go fmt over Rego values', () => {
    expect(call('sprintf', 'User %s from %s', ['alice', 'eng'])).toBe('User alice from eng');
    expect(call('sprintf', '%d %x %o %b', [42, 255, 64, 15])).toBe('42 ff 100 1111');
    expect(call('sprintf', '%v', [{ key: 'value' }])).toBe('{"key": "value"}');
    expect(call('sprintf', '%v %v %v', [true, null, [1, 'a']])).toBe('true null [1, "a"]');
    expect(call('sprintf', '%5d|%05d|%-4d|', [42, 42, 7])).toBe('   42|00042|7   |');
    expect(call('sprintf', '%.2f %f %v', [3.14159, 3.14, 1.5])).toBe('3.14 3.140000 1.5');
    expect(call('sprintf', '%d', [1.5])).toBe('%!d(float64=1.5)');
    expect(call('sprintf', '%s %d', ['only_one'])).toBe('only_one %!d(MISSING)');
    expect(call('sprintf', '100%%', [])).toBe('100%');
    expect(call('sprintf', '%q', ['a"b'])).toBe('"a\\"b"');
    // %c of what is not a Unicode scalar value is U+FFFD in Go, not an error.
    expect(call('sprintf', '%c%c%c|%c', [72, -1, 0xd800, 0x110000])).toBe('H\ufffd\ufffd|\ufffd');
  });
});
