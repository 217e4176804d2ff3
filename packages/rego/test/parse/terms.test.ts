import { arr, b, call, n, obj, query, ref, s, set, term, v, lit } from './helpers';
import { parseTerm } from '../../src/parse';
import type { CallTerm } from '../../src/parse/ast';

describe('operator precedence (as OPA: in < relations < | < & < + - < * / %)', () => {
  test.each([
    ['1 + 2 * 3', call('plus', n('1'), call('mul', n('2'), n('3')))],
    ['1 * 2 + 3', call('plus', call('mul', n('1'), n('2')), n('3'))],
    ['1 - 2 - 3', call('minus', call('minus', n('1'), n('2')), n('3'))],
    ['8 / 4 % 3', call('rem', call('div', n('8'), n('4')), n('3'))],
    ['a | b & c', call('or', v('a'), call('and', v('b'), v('c')))],
    ['a & b | c', call('or', call('and', v('a'), v('b')), v('c'))],
    ['a + b | c', call('or', call('plus', v('a'), v('b')), v('c'))],
    ['a | b == c', call('equal', call('or', v('a'), v('b')), v('c'))],
    ['a == b != c', call('neq', call('equal', v('a'), v('b')), v('c'))],
    ['x < 1 + 2', call('lt', v('x'), call('plus', n('1'), n('2')))],
    ['x <= 1', call('lte', v('x'), n('1'))],
    ['x >= 1', call('gte', v('x'), n('1'))],
    ['x > 1', call('gt', v('x'), n('1'))],
    ['x in xs', call('internal.member_2', v('x'), v('xs'))],
    ['x in xs == true', call('internal.member_2', v('x'), call('equal', v('xs'), b(true)))],
    ['x == 1 in xs', call('internal.member_2', call('equal', v('x'), n('1')), v('xs'))],
    ['k, v in xs', call('internal.member_3', v('k'), v('v'), v('xs'))],
    ['(1 + 2) * 3', call('mul', call('plus', n('1'), n('2')), n('3'))],
    ['(k, v in xs)', call('internal.member_3', v('k'), v('v'), v('xs'))],
  ])('%s', (source, expected) => {
    expect(term(source)).toEqual(expected);
  });

  test('assignment and unification are loosest', () => {
    expect(query('x := 1 + 2 in xs')).toEqual([
      lit(call('assign', v('x'), call('internal.member_2', call('plus', n('1'), n('2')), v('xs')))),
    ]);
    expect(query('[a, b] = [1, 2]')).toEqual([lit(call('eq', arr(v('a'), v('b')), arr(n('1'), n('2'))))]);
  });

  test('an operator at the start of the next line continues the expression, as in OPA', () => {
    expect(query('x := 1 +\n  2')).toEqual([lit(call('assign', v('x'), call('plus', n('1'), n('2'))))]);
  });
});

describe('unary minus', () => {
  test.each([
    ['-1', n('-1')],
    ['-2.5e-3', n('-2.5e-3')],
    ['- 3', n('-3')],
    ['-x', call('minus', n('0'), v('x'))],
    ['-x.y', call('minus', n('0'), ref(v('x'), s('y')))],
    ['1 - -1', call('minus', n('1'), n('-1'))],
    ['a-1', call('minus', v('a'), n('1'))],
    ['[1, -1]', arr(n('1'), n('-1'))],
  ])('%s', (source, expected) => {
    expect(term(source)).toEqual(expected);
  });

  test.each(['- -1', '- - 1', '-(1)', '-[1]', '-true'])('%s is an error, as in OPA (minus only before a number or a name)', (source) => {
    expect(() => term(source)).toThrow(/unary minus must be followed by a number or a name/);
  });
});

describe('scalars', () => {
  test.each([
    ['null', { type: 'null' }],
    ['true', b(true)],
    ['false', b(false)],
    ['0', n('0')],
    ['123', n('123')],
    ['1.50', n('1.50')],
    ['1e10', n('1e10')],
    ['1E+3', n('1E+3')],
    ['0.5e-7', n('0.5e-7')],
    ['12345678901234567890123', n('12345678901234567890123')],
  ])('%s', (source, expected) => {
    expect(term(source)).toEqual(expected);
  });

  test.each([
    ['"plain"', 'plain'],
    ['""', ''],
    ['"a\\nb\\tc\\rd"', 'a\nb\tc\rd'],
    ['"q\\"q\\\\b\\/s"', 'q"q\\b/s'],
    ['"\\b\\f"', '\b\f'],
    ['"\\u00e9\\u0041"', 'éA'],
    ['"\\ud83d\\ude00"', '😀'],
    ['"\\ud83d"', '\ufffd'],
    ['"é😀 direct"', 'é😀 direct'],
    ['`raw \\n "quotes"`', 'raw \\n "quotes"'],
    ['`multi\nline`', 'multi\nline'],
  ])('string %s', (source, expected) => {
    expect(term(source)).toEqual(s(expected));
  });
});

describe('refs and calls', () => {
  test.each([
    ['input', ref(v('input'))],
    ['data', ref(v('data'))],
    ['input.user.name', ref(v('input'), s('user'), s('name'))],
    ['a.b[c]["d"]', ref(v('a'), s('b'), v('c'), s('d'))],
    ['a[0][x.y]', ref(v('a'), n('0'), ref(v('x'), s('y')))],
    ['[1, 2][0]', ref(arr(n('1'), n('2')), n('0'))],
    ['{"a": 1}.a', ref(obj([s('a'), n('1')]), s('a'))],
    ['f(x).y', ref(call('f', v('x')), s('y'))],
    ['f(x)[0].z', ref(call('f', v('x')), n('0'), s('z'))],
    ['count(x)', call('count', v('x'))],
    ['io.jwt.decode(t)', call('io.jwt.decode', v('t'))],
    ['data.lib.f(x, 1)', call('data.lib.f', v('x'), n('1'))],
    ['lib.f()', call('lib.f')],
    ['f(1,)', call('f', n('1'))],
    ['set()', set()],
    ['input.else.not.some.in.if.null', ref(v('input'), s('else'), s('not'), s('some'), s('in'), s('if'), s('null'))],
    ['contains(s, "a")', call('contains', v('s'), s('a'))],
    ['f(x in xs)', call('f', call('internal.member_2', v('x'), v('xs')))],
  ])('%s', (source, expected) => {
    expect(term(source)).toEqual(expected);
  });

  test('a space ends a ref: `[1] [2]` is not an index', () => {
    expect(() => term('[1] [2]')).toThrow(/unexpected '\['/);
  });

  test('wildcards become fresh variables', () => {
    expect(term('x[_][_]')).toEqual(ref(v('x'), v('$wildcard0'), v('$wildcard1')));
  });

  test('call locations', () => {
    const t = parseTerm('  a.f(1) + 2', 't.rego') as CallTerm;
    expect(t.loc).toEqual({ file: 't.rego', line: 1, col: 3 });
    expect(t.nameLoc).toEqual({ file: 't.rego', line: 1, col: 10 });
    expect(t.args[0].loc).toEqual({ file: 't.rego', line: 1, col: 3 });
    expect((t.args[0] as CallTerm).nameLoc).toEqual({ file: 't.rego', line: 1, col: 3 });
  });
});

describe('collections and comprehensions', () => {
  test.each([
    ['[]', arr()],
    ['[1, "a", [true]]', arr(n('1'), s('a'), arr(b(true)))],
    ['[1, 2,]', arr(n('1'), n('2'))],
    ['{}', obj()],
    ['{"a": 1, "b": [2],}', obj([s('a'), n('1')], [s('b'), arr(n('2'))])],
    ['{1: x, [2]: y}', obj([n('1'), v('x')], [arr(n('2')), v('y')])],
    ['{1}', set(n('1'))],
    ['{1, 2, 3}', set(n('1'), n('2'), n('3'))],
    ['{a + 1: b * 2}', obj([call('plus', v('a'), n('1')), call('mul', v('b'), n('2'))])],
    ['{x + 1, 2}', set(call('plus', v('x'), n('1')), n('2'))],
    ['[a | b]', { type: 'arraycompr', term: v('a'), body: [lit(v('b'))] }],
    [
      '[x | some x in xs; x > 1]',
      {
        type: 'arraycompr',
        term: v('x'),
        body: [{ type: 'somein', value: v('x'), collection: v('xs'), negated: false, with: [] }, lit(call('gt', v('x'), n('1')))],
      },
    ],
    ['{x | x := 1}', { type: 'setcompr', term: v('x'), body: [lit(call('assign', v('x'), n('1')))] }],
    [
      '{k: v | k := 1\n v := 2}',
      {
        type: 'objectcompr',
        key: v('k'),
        value: v('v'),
        body: [lit(call('assign', v('k'), n('1'))), lit(call('assign', v('v'), n('2')))],
      },
    ],
    ['[a | b, c]', arr(call('or', v('a'), v('b')), v('c'))],
    ['{a | b, c}', set(call('or', v('a'), v('b')), v('c'))],
    ['[[x] | x := 1]', { type: 'arraycompr', term: arr(v('x')), body: [lit(call('assign', v('x'), n('1')))] }],
  ])('%s', (source, expected) => {
    expect(term(source)).toEqual(expected);
  });
});

describe('literals', () => {
  test('some declarations', () => {
    expect(query('some x, y')).toEqual([{ type: 'some', vars: [v('x'), v('y')], negated: false, with: [] }]);
    expect(query('some x in xs')).toEqual([{ type: 'somein', value: v('x'), collection: v('xs'), negated: false, with: [] }]);
    expect(query('some k, v in {"a": 1}')).toEqual([
      { type: 'somein', key: v('k'), value: v('v'), collection: obj([s('a'), n('1')]), negated: false, with: [] },
    ]);
    expect(query('some [a, _] in xs')).toEqual([
      { type: 'somein', value: arr(v('a'), v('$wildcard0')), collection: v('xs'), negated: false, with: [] },
    ]);
    expect(query('some _, v in xs')).toEqual([
      { type: 'somein', key: v('$wildcard0'), value: v('v'), collection: v('xs'), negated: false, with: [] },
    ]);
  });

  test('every', () => {
    expect(query('every x in xs { x > 0 }')).toEqual([
      { type: 'every', value: v('x'), domain: v('xs'), body: [lit(call('gt', v('x'), n('0')))], negated: false, with: [] },
    ]);
    expect(query('every k, v in input.m {\n k != v\n}')).toEqual([
      {
        type: 'every',
        key: v('k'),
        value: v('v'),
        domain: ref(v('input'), s('m')),
        body: [lit(call('neq', v('k'), v('v')))],
        negated: false,
        with: [],
      },
    ]);
  });

  test('not and with', () => {
    expect(query('not allow with input.user as "bob" with data.roles as {}')).toEqual([
      {
        type: 'term',
        term: v('allow'),
        negated: true,
        with: [
          { target: ref(v('input'), s('user')), value: s('bob') },
          { target: ref(v('data'), s('roles')), value: obj() },
        ],
      },
    ]);
    expect(query('f(1) with f as g with input as {}')[0].with).toEqual([
      { target: ref(v('f')), value: v('g') },
      { target: ref(v('input')), value: obj() },
    ]);
    expect(query('x with count as mock')[0].with[0].target).toEqual(ref(v('count')));
  });

  test('a keyword directly followed by . or [ is a name', () => {
    expect(query('not.x')).toEqual([lit(ref(v('not'), s('x')))]);
  });

  test('queries separated by ; and new lines', () => {
    expect(query('x := split("a", ""); x == 1\n\ny')).toEqual([
      lit(call('assign', v('x'), call('split', s('a'), s('')))),
      lit(call('equal', v('x'), n('1'))),
      lit(v('y')),
    ]);
  });
});
