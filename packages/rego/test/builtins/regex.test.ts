import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { hostBuiltins } from '../../src/builtins';
import { compile } from '../../src';
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

describe('regex builtins follow Go regexp in the corners', () => {
  it('accepts exactly what RE2 accepts', () => {
    expect(call('regex.is_valid', '(?U)a+')).toBe(true);
    expect(call('regex.is_valid', 'a(?i)b')).toBe(true);
    expect(call('regex.is_valid', '[[:^alpha:]]')).toBe(true);
    expect(call('regex.is_valid', '(?<name>a)')).toBe(true);
    expect(call('regex.is_valid', '(?<=a)b')).toBe(false); // no lookaround in RE2
    expect(call('regex.is_valid', '(?!a)')).toBe(false);
    expect(call('regex.is_valid', 'a{1001}')).toBe(false);
    expect(call('regex.is_valid', 'a**')).toBe(false);
    expect(call('regex.is_valid', '\\Z')).toBe(false);
    expect(callError('regex.match', '[a-z', 'x').message).toBe('regex.match: error parsing regexp: missing closing ]: `[a-z`');
    expect(callError('regex.find_n', 'a**', 'x', -1).message).toMatch(
      /^regex\.find_n: error parsing regexp: invalid nested repetition operator/,
    );
  });

  it('flags anywhere in the pattern, non-greedy mode', () => {
    expect(call('regex.match', '^a(?i)b$', 'aB')).toBe(true);
    expect(call('regex.match', '^a(?i)b$', 'AB')).toBe(false);
    expect(call('regex.find_n', '(?U)a+', 'aaa', -1)).toEqual(['a', 'a', 'a']);
    expect(call('regex.find_n', 'a+', 'aaa', -1)).toEqual(['aaa']);
  });

  it('leftmost-first alternation', () => {
    expect(call('regex.find_n', 'a|ab', 'ab', -1)).toEqual(['a']);
    expect(call('regex.find_n', 'ab|a', 'ab', -1)).toEqual(['ab']);
  });

  it('find_n: n counts matches, n = -1 is all, n = 0 none; later matches see the text before them', () => {
    expect(call('regex.find_n', '[0-9]+', 'a1b22c333', 2)).toEqual(['1', '22']);
    expect(call('regex.find_n', '[0-9]+', 'a1b22c333', -1)).toEqual(['1', '22', '333']);
    expect(call('regex.find_n', '[0-9]+', 'a1b22c333', 0)).toEqual([]);
    // ^ only at the start of the text, \b against the previous character: the search does not restart on a slice.
    expect(call('regex.find_n', '^a', 'aaa', -1)).toEqual(['a']);
    expect(call('regex.find_n', '\\bx', 'xx x', -1)).toEqual(['x', 'x']);
    // An empty match right after a match is dropped.
    expect(call('regex.find_n', 'a*', 'baaac', -1)).toEqual(['', 'aaa', '']);
    expect(call('regex.find_n', '', '😀é', -1)).toEqual(['', '', '']);
  });

  it('find_all_string_submatch_n: "" for a group that took no part', () => {
    expect(call('regex.find_all_string_submatch_n', '(a)|(b)', 'ab', -1)).toEqual([
      ['a', 'a', ''],
      ['b', '', 'b'],
    ]);
    expect(call('regex.find_all_string_submatch_n', '(?P<k>\\w+)=(?P<v>\\w*)', 'a=1 b= c=3', 2)).toEqual([
      ['a=1', 'a', '1'],
      ['b=', 'b', ''],
    ]);
  });

  it('split: Go Regexp.Split with empty matches', () => {
    expect(call('regex.split', '', 'abc')).toEqual(['a', 'b', 'c']);
    expect(call('regex.split', '', '')).toEqual([]);
    expect(call('regex.split', 'x*', 'axxb')).toEqual(['a', 'b']);
    expect(call('regex.split', ',', ',a,,b,')).toEqual(['', 'a', '', 'b', '']);
    expect(call('regex.split', '^', 'ab')).toEqual(['ab']);
  });

  it('replace: ReplaceAllString with Regexp.Expand templates', () => {
    expect(call('regex.replace', 'baaac', 'a*', '-')).toBe('-b-c-');
    expect(call('regex.replace', 'ab', '(a)', '$1x')).toBe('b'); // the name is "1x": no such group
    expect(call('regex.replace', 'ab', '(a)', '$01')).toBe('b'); // leading zero: a name, not group 1
    expect(call('regex.replace', 'ab', '(a)', '${1}$0')).toBe('aab');
    expect(call('regex.replace', 'ab', '(a)', '$9')).toBe('b');
    expect(call('regex.replace', 'ab', '(a)', 'x$')).toBe('x$b');
    expect(call('regex.replace', 'ab', '(a)', '${1')).toBe('${1b');
    expect(call('regex.replace', 'ab', '(a)', '$-')).toBe('$-b');
    expect(call('regex.replace', 'b', '(a)|b', '[$1]')).toBe('[]');
    expect(call('regex.replace', 'k=v', '(?P<key>\\w+)=(?P<value>\\w+)', '${value}=${key} $key')).toBe('v=k k');
    expect(call('regex.replace', 'aaa', '^a', 'b')).toBe('baa');
    expect(call('regex.replace', 'a.b', '\\.', '$$')).toBe('a$b');
  });

  it('a group name used twice, which Go accepts: $name is the first such group that took part', () => {
    expect(call('regex.is_valid', '(?P<x>a)|(?P<x>b)')).toBe(true);
    expect(call('regex.replace', 'ab', '(?P<x>a)|(?P<x>b)', '[$x]')).toBe('[a][b]');
    expect(call('regex.find_all_string_submatch_n', '(?P<x>a)|(?P<x>b)', 'ba', -1)).toEqual([
      ['b', '', 'b'],
      ['a', 'a', ''],
    ]);
    // Inside a class or \Q...\E the text opens no group.
    expect(call('regex.replace', '(?P<x>b', '\\Q(?P<x>\\E|(?P<x>a)|(?P<x>b)', '<$x$2>')).toBe('<><bb>');
    expect(call('regex.replace', 'b', '[(?P<x>]?(?P<x>a)|(?P<x>b)', '<$x>')).toBe('<b>');
    expect(callError('regex.match', '(?P<x>a)(?P<x>', 'a').message).toBe(
      'regex.match: error parsing regexp: missing closing ): `(?P<x>a)(?P<x>`',
    );
  });

  it('template_match: expressions checked alone, delimiters balanced both ways', () => {
    expect(call('regex.template_match', 'urn:{a|b}:x', 'urn:b:x', '{', '}')).toBe(true);
    expect(call('regex.template_match', 'urn:{a|b}:x', 'urn:b', '{', '}')).toBe(false);
    expect(call('regex.template_match', 'a.b:<[0-9]+>', 'axb:1', '<', '>')).toBe(false); // literal text is quoted
    expect(call('regex.template_match', 'x{a{1,2}}', 'xaa', '{', '}')).toBe(true); // nested delimiters
    expect(callError('regex.template_match', 'a}b', 'x', '{', '}').message).toBe('regex.template_match: unbalanced braces in "a}b"');
    expect(callError('regex.template_match', 'a{b', 'x', '{', '}').message).toMatch(/unbalanced braces/);
    expect(callError('regex.template_match', 'a<)(>', 'x', '<', '>').message).toMatch(/error parsing regexp/);
  });
});

describe('regex and glob matching takes linear time (RE2), not exponential backtracking', () => {
  // Each of these takes 2^n steps or more in a backtracking engine; on 5,000 characters that
  // would not finish in the age of the universe, so finishing at all proves linear matching.
  const a = 'a'.repeat(5000);
  const x = 'x'.repeat(5000);

  it.each([
    ['^(a+)+$', `${a}b`, false],
    ['^(a+)+$', a, true],
    ['(a|aa)+$', `${a}b`, false],
    ['(a|aa)+$', a, true],
    ['(a*)*b', a, false],
    ['(a*)*b', `${a}b`, true],
    ['^(([a-z])+.)+[A-Z]([a-z])+$', `${a}!`, false],
    ['^(([a-z])+.)+[A-Z]([a-z])+$', `${a}Ab`, true],
    ['(x+x+)+y', x, false],
    ['(x+x+)+y', `${x}y`, true],
  ])('regex.match(%j, <%#>) is %j', (pattern, value, expected) => {
    expect(call('regex.match', pattern, value)).toBe(expected);
  });

  it('also when the builtin needs the groups or every match', () => {
    expect(call('regex.find_n', '(x+x+)+y', x, -1)).toEqual([]);
    expect(call('regex.find_all_string_submatch_n', '^(a+)+$', `${a}b`, -1)).toEqual([]);
    expect(call('regex.find_all_string_submatch_n', '^(a+)+$', a, -1)).toEqual([[a, a]]);
    expect(call('regex.split', '(a*)*b', a)).toEqual([a]);
    expect(call('regex.replace', `${a}b`, '(a|aa)+$', '-')).toBe(`${a}b`);
    expect(call('regex.replace', `${x}y`, '(x+x+)+y', '[$1]')).toBe(`[${x}]`);
    expect(call('regex.template_match', 'id:{(a+)+}', `id:${a}b`, '{', '}')).toBe(false);
    expect(call('glob.match', '*a*a*a*a*a*a*a*a*b', null, a)).toBe(false);
    expect(call('glob.match', '{a,aa}{a,aa}*{a,aa}*c', null, a)).toBe(false);
  });
});

const RUNTIME = path.join(__dirname, '..', '..', 'runtime', 'build', 'runtime.wasm');
(existsSync(RUNTIME) ? describe : describe.skip)('regex builtins in a compiled policy on the stock SDK', () => {
  const POLICY = `package guard
import rego.v1

allow if regex.match("^(a+)+$", input.x)
parts := regex.split("(a*)*,", input.csv)
masked := regex.replace(input.x, "(a|aa)+$", "<$1>")
`;

  it('decides on 5,000-character input of a catastrophic pattern', async () => {
    const { wasm } = compile({ modules: [{ path: 'guard.rego', source: POLICY }], entrypoints: ['guard'] });
    const policy = await loadPolicy(wasm, undefined, hostBuiltins);
    const evaluate = (input: object): Record<string, unknown> =>
      (policy.evaluate(input, 'guard') as Array<{ result: Record<string, unknown> }>)[0].result;
    const a = 'a'.repeat(5000);
    const denied = evaluate({ x: `${a}b`, csv: `${a}b,c` });
    expect(denied.allow).toBeUndefined();
    expect(denied.parts).toEqual([`${a}b`, 'c']);
    expect(denied.masked).toBe(`${a}b`);
    const allowed = evaluate({ x: a, csv: 'p,aa,q' });
    expect(allowed.allow).toBe(true);
    expect(allowed.parts).toEqual(['p', '', 'q']);
    expect(allowed.masked).toBe('<a>');
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

  // How gobwas/glob (OPA's glob library) reads the pattern.
  it.each([
    ['a{b', null, 'ab', true], // a `{` left open ends with the pattern
    ['{a,b', null, 'b', true],
    ['a}b', null, 'a}b', true], // `}` and `,` outside braces are literal
    ['a,b', null, 'a,b', true],
    ['{a,{b,c}}d', null, 'cd', true],
    ['{,a}x', null, 'x', true],
    ['\\{a,b\\}', null, '{a,b}', true],
    ['{a\\,b,c}', null, 'a,b', true],
    ['a\\', null, 'a', true], // a trailing backslash is dropped
    ['[\\]]', null, ']', true], // `\` escapes inside a list
    ['[a\\-c]', null, '-', true],
    ['[a\\-c]', null, 'b', false],
    ['[-a]', null, '-', true],
    ['[^a]', null, '^', true], // `^` is not negation in a glob
    ['[!^a]', null, 'b', true],
    ['[!.]', ['.'], '.', false],
    ['[]-a]', null, '_', true], // `]-a` is a range when `-` follows the first character
    ['*', ['.', ':'], 'a:b', false],
    ['**', ['.'], 'a.b\n', true],
  ])('glob.match(%j, %j, %j) is %j (gobwas syntax)', (pattern, delimiters, value, expected) => {
    expect(call('glob.match', pattern, delimiters, value)).toBe(expected);
  });

  it.each(['[]', '[]a]', '[!]', '[a-cx]', '[a-]', '[a-]]', '[z-a]', '[abc', '[!', 'x['])(
    'rejects the malformed class %j as an error',
    (pattern) => {
      expect(callError('glob.match', pattern, null, 'a').message).toBe(`glob.match: invalid glob pattern ${JSON.stringify(pattern)}`);
    },
  );
});
