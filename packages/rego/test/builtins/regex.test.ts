import { call, callError } from './helpers';

describe('regex builtins (RE2 syntax)', () => {
  it('regex.match and regex.is_valid', () => {
    expect(call('regex.match', '^[a-z]+$', 'abc')).toBe(true);
    expect(call('regex.match', '^[a-z]+$', 'abc1')).toBe(false);
    expect(call('regex.match', 'b', 'abc')).toBe(true);
    expect(call('regex.is_valid', '.*')).toBe(true);
    expect(call('regex.is_valid', '[a-z')).toBe(false);
    expect(call('regex.is_valid', '(a)\\1')).toBe(false); // backreferences are not RE2
    expect(call('regex.is_valid', 1)).toBe(false);
    expect(callError('regex.match', '[', 'x').message).toMatch(/regex\.match: error parsing regexp/);
  });

  it('understands RE2-only syntax', () => {
    expect(call('regex.match', '(?i)^ABC$', 'abc')).toBe(true);
    expect(call('regex.match', '^\\pL+$', 'Ωmega')).toBe(true);
    expect(call('regex.match', '^[[:alpha:]]+$', 'abc')).toBe(true);
    expect(call('regex.match', '^\\Qa.b\\E$', 'a.b')).toBe(true);
    expect(call('regex.match', '^\\Qa.b\\E$', 'axb')).toBe(false);
    expect(call('regex.match', 'a\\z', 'a\n')).toBe(false);
    expect(call('regex.match', '^(?P<word>\\w+)$', 'abc')).toBe(true);
    // \s is ASCII white space in RE2; U+00A0 is not in it.
    expect(call('regex.match', '^\\s$', '\u00a0')).toBe(false);
    // . matches a whole code point.
    expect(call('regex.match', '^.$', '😀')).toBe(true);
  });

  it('regex.find_n and regex.find_all_string_submatch_n follow Go FindAll', () => {
    expect(call('regex.find_n', '[oe]', 'hello world', -1)).toEqual(['e', 'o', 'o']);
    expect(call('regex.find_n', '[oe]', 'hello world', 1)).toEqual(['e']);
    expect(call('regex.find_n', 'x*', 'axb', -1)).toEqual(['', 'x', '']);
    expect(call('regex.find_all_string_submatch_n', 'a(x*)b', '-ab-axxb-', -1)).toEqual([
      ['ab', ''],
      ['axxb', 'xx'],
    ]);
  });

  it('regex.split is Go Regexp.Split (no capture groups in the output, unlike String.split)', () => {
    expect(call('regex.split', 'a', 'banana')).toEqual(['b', 'n', 'n', '']);
    expect(call('regex.split', '(a)', 'banana')).toEqual(['b', 'n', 'n', '']);
    expect(call('regex.split', ',\\s*', 'a, b,c')).toEqual(['a', 'b', 'c']);
    expect(call('regex.split', 'x', '')).toEqual(['']);
  });

  it('regex.replace expands $1, ${1} and named groups', () => {
    expect(call('regex.replace', 'Hello World', 'o', '0')).toBe('Hell0 W0rld');
    expect(call('regex.replace', 'foo bar', '(\\w+) (\\w+)', '$2 $1')).toBe('bar foo');
    expect(call('regex.replace', 'ab', '(a)', '${1}x')).toBe('axb');
    expect(call('regex.replace', 'ab', '(?P<first>a)', '[$first]')).toBe('[a]b');
    expect(call('regex.replace', 'ab', 'a', '$$')).toBe('$b');
    expect(call('regex.replace', 'abc', '', '-')).toBe('-a-b-c-');
  });

  it('regex.template_match', () => {
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).toBe(true);
    expect(call('regex.template_match', 'urn:foo.bar.com:{.*}', 'urn:foo.bar.com:bar:baz', '{', '}')).toBe(true);
    expect(call('regex.template_match', 'urn:foo.bar.com:{.*}', 'urn:foo-bar-com:bar:baz', '{', '}')).toBe(false);
    expect(call('regex.template_match', 'urn:foo:<[0-9]{2}>', 'urn:foo:42', '<', '>')).toBe(true);
    expect(callError('regex.template_match', 'a{b', 'x', '{', '}').message).toMatch(/unbalanced/);
  });
});

describe('glob builtins', () => {
  // The examples of OPA's policy reference, also the shared conformance case.
  it.each([
    ['api://*/appId', null, 'api://foo.com/appId', true],
    ['*.github.com', [], 'api.github.com', true],
    ['*.github.com', [], 'api.cdn.github.com', false],
    ['*hub.com', null, 'api.cdn.github.com', true],
    ['*:github:com', [':'], 'api:github:com', true],
    ['api.**.com', [], 'api.github.com', true],
    ['api.**.com', [], 'api.cdn.github.com', true],
    ['?at', [], 'cat', true],
    ['?at', [], 'at', false],
    ['[abc]at', [], 'bat', true],
    ['[abc]at', [], 'lat', false],
    ['[!abc]at', [], 'cat', false],
    ['[!a-c]at', [], 'lat', true],
    ['{cat,bat,[fr]at}', [], 'rat', true],
    ['{cat,bat,[fr]at}', [], 'at', false],
  ])('glob.match(%j, %j, %j) is %j', (pattern, delimiters, value, expected) => {
    expect(call('glob.match', pattern, delimiters, value)).toBe(expected);
  });

  it('quote_meta escapes the glob syntax characters', () => {
    expect(call('glob.quote_meta', '*.github.com')).toBe('\\*.github.com');
    expect(call('glob.match', call('glob.quote_meta', '[a]*?') as string, null, '[a]*?')).toBe(true);
    expect(call('glob.match', call('glob.quote_meta', '[a]*?') as string, null, 'ab?')).toBe(false);
  });

  it('rejects unbalanced patterns as an error', () => {
    expect(callError('glob.match', '{a,b', null, 'a').message).toMatch(/invalid glob pattern/);
  });
});
