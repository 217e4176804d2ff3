import { arr, b, call, lit, mod, n, obj, ref, rule, s, set, shape, v } from './helpers';
import { parseModule } from '../../src/parse';

describe('package and imports', () => {
  test('package path and location', () => {
    const m = mod('');
    expect(m.package).toEqual(['test']);
    expect(m.packageLoc).toEqual({ file: 'policy.rego', line: 1, col: 1 });
    expect(m.syntax).toBe('v1');
  });

  test('dotted and bracketed package paths', () => {
    expect(mod('').package).toEqual(['test']);
    const m = parseModule('package a.b["c-d"]\n', 'x.rego');
    expect(m.package).toEqual(['a', 'b', 'c-d']);
  });

  test.each([
    ['import data.x.y as z', { path: ['data', 'x', 'y'], alias: 'z' }],
    ['import input.foo', { path: ['input', 'foo'] }],
    ['import data.lib["my-lib"]', { path: ['data', 'lib', 'my-lib'] }],
    ['import rego.v1', { path: ['rego', 'v1'] }],
    ['import future.keywords', { path: ['future', 'keywords'] }],
    ['import future.keywords.in', { path: ['future', 'keywords', 'in'] }],
    ['import future.keywords.if', { path: ['future', 'keywords', 'if'] }],
    ['import data', { path: ['data'] }],
  ])('%s', (source, expected) => {
    expect(shape(mod(source).imports)).toEqual([expected]);
  });

  test('import location', () => {
    expect(mod('\n  import data.a').imports[0].loc).toEqual({ file: 'policy.rego', line: 3, col: 3 });
  });
});

describe('complete rules', () => {
  test.each([
    ['p := 1', { ref: [v('p')], kind: 'complete', assign: true, value: n('1') }, []],
    ['p = 1', { ref: [v('p')], kind: 'complete', assign: false, value: n('1') }, []],
    ['p if true', { ref: [v('p')], kind: 'complete', assign: false }, [lit(b(true))]],
    ['p := 7 if { x }', { ref: [v('p')], kind: 'complete', assign: true, value: n('7') }, [lit(v('x'))]],
    ['a.b.c := 1', { ref: [v('a'), s('b'), s('c')], kind: 'complete', assign: true, value: n('1') }, []],
    ['a["b"].c if x', { ref: [v('a'), s('b'), s('c')], kind: 'complete', assign: false }, [lit(v('x'))]],
    ['p[1] := 2', { ref: [v('p'), n('1')], kind: 'complete', assign: true, value: n('2') }, []],
  ])('%s', (source, head, body) => {
    const r = rule(source);
    expect(r.head).toEqual(head);
    expect(r.body).toEqual(body);
    expect(r.default).toBe(false);
  });

  test('default rules', () => {
    expect(rule('default allow := false')).toEqual({
      head: { ref: [v('allow')], kind: 'complete', assign: true, value: b(false) },
      body: [],
      default: true,
    });
    expect(rule('default p = {"a": [1, 2]}').head.value).toEqual(obj([s('a'), arr(n('1'), n('2'))]));
    expect(rule('default f(_) := 1').head).toEqual({
      ref: [v('f')],
      kind: 'function',
      args: [v('$wildcard0')],
      assign: true,
      value: n('1'),
    });
    expect(rule('default a.b.c := 1').head.ref).toEqual([v('a'), s('b'), s('c')]);
  });

  test('one-line body with `if` and a multi-line brace body', () => {
    expect(rule('p if x == 1').body).toEqual([lit(call('equal', v('x'), n('1')))]);
    expect(rule('p if not x').body).toEqual([lit(v('x'), true)]);
    expect(rule('p if {\n  x\n  y; z\n}').body).toEqual([lit(v('x')), lit(v('y')), lit(v('z'))]);
  });

  test('`p if {}` is a body holding an empty object, as OPA reads it', () => {
    expect(rule('p if {}').body).toEqual([lit(obj())]);
  });

  test('a body that starts with an object literal', () => {
    expect(rule('p if {"a": 1}[k] == 1').body).toEqual([lit(call('equal', ref(obj([s('a'), n('1')]), v('k')), n('1')))]);
  });
});

describe('else chains', () => {
  test('value, if and chained else', () => {
    const r = rule('p := 1 if { a } else := 2 if { b } else = 3 if c else := 4');
    expect(r.else).toEqual({
      value: n('2'),
      body: [lit(v('b'))],
      else: { value: n('3'), body: [lit(v('c'))], else: { value: n('4'), body: [] } },
    });
  });

  test('else without a value means true', () => {
    expect(rule('p if { a } else if { b }').else).toEqual({ body: [lit(v('b'))] });
  });

  test('else on functions', () => {
    const r = rule('f(x) := 1 if x > 0\nelse := -1');
    expect(r.head.kind).toBe('function');
    expect(r.else).toEqual({ value: n('-1'), body: [] });
  });

  test('v0 else forms', () => {
    expect(rule('p = 1 { a } else = 2 { b } else { c }', true).else).toEqual({
      value: n('2'),
      body: [lit(v('b'))],
      else: { body: [lit(v('c'))] },
    });
  });

  test('else location', () => {
    const r = mod('p := 1 if a\nelse := 2').rules[0];
    expect(r.else?.loc).toEqual({ file: 'policy.rego', line: 3, col: 1 });
  });
});

describe('partial sets, partial objects, ref heads', () => {
  test.each([
    ['p contains x if x := 1', { ref: [v('p')], kind: 'partial-set', assign: false, key: v('x') }],
    ['p contains "a"', { ref: [v('p')], kind: 'partial-set', assign: false, key: s('a') }],
    ['p.q[x] contains y if y := x', { ref: [v('p'), s('q'), v('x')], kind: 'partial-set', assign: false, key: v('y') }],
    ['p[k] := v if { k := 1; v := 2 }', { ref: [v('p'), v('k')], kind: 'partial-object', assign: true, value: v('v') }],
    ['p[x].y := 1 if x := 2', { ref: [v('p'), v('x'), s('y')], kind: 'partial-object', assign: true, value: n('1') }],
    ['p[x] if x := 1', { ref: [v('p'), v('x')], kind: 'partial-object', assign: false }],
    ['p[input.x] := 1', { ref: [v('p'), ref(v('input'), s('x'))], kind: 'partial-object', assign: true, value: n('1') }],
  ])('%s', (source, head) => {
    expect(rule(source).head).toEqual(head);
  });

  test('v0 partial set and partial object', () => {
    expect(rule('p[x] { x := 1 }', true).head).toEqual({ ref: [v('p')], kind: 'partial-set', assign: false, key: v('x') });
    expect(rule('p[k] = v { k := 1; v := 2 }', true).head).toEqual({
      ref: [v('p'), v('k')],
      kind: 'partial-object',
      assign: false,
      value: v('v'),
    });
    // `p.q { }` in v0 is `p["q"] { }`: a partial set containing "q", as in OPA.
    expect(rule('p.q { true }', true).head).toEqual({ ref: [v('p')], kind: 'partial-set', assign: false, key: s('q') });
    expect(rule('p[x]', true).head).toEqual({ ref: [v('p')], kind: 'partial-set', assign: false, key: v('x') });
  });
});

describe('functions', () => {
  test.each([
    ['f(x, y) := z if z := x + y', { ref: [v('f')], kind: 'function', args: [v('x'), v('y')], assign: true, value: v('z') }],
    ['f(x) if x > 1', { ref: [v('f')], kind: 'function', args: [v('x')], assign: false }],
    ['f([a, b]) := a', { ref: [v('f')], kind: 'function', args: [arr(v('a'), v('b'))], assign: true, value: v('a') }],
    ['a.b.f(x) := 1', { ref: [v('a'), s('b'), s('f')], kind: 'function', args: [v('x')], assign: true, value: n('1') }],
    ['f(_, _) := 1', { ref: [v('f')], kind: 'function', args: [v('$wildcard0'), v('$wildcard1')], assign: true, value: n('1') }],
  ])('%s', (source, head) => {
    expect(rule(source).head).toEqual(head);
  });

  test('v0 function', () => {
    expect(rule('f(x) = y { y := x }', true).head).toEqual({
      ref: [v('f')],
      kind: 'function',
      args: [v('x')],
      assign: false,
      value: v('y'),
    });
  });
});

describe('v0 multiple bodies', () => {
  test('one rule per body, same head, fresh wildcards', () => {
    const rules = mod('p { a } { b }\nf(_) = 1 { c } { d }', true).rules.map(shape);
    expect(rules.map((r) => r.body)).toEqual([[lit(v('a'))], [lit(v('b'))], [lit(v('c'))], [lit(v('d'))]]);
    expect(rules[0].head).toEqual(rules[1].head);
    expect(rules[2].head.args).toEqual([v('$wildcard0')]);
    expect(rules[3].head.args).toEqual([v('$wildcard1')]);
  });

  test('the second body has its own location', () => {
    const rules = mod('p { a }\n  { b }', true).rules;
    expect(rules[1].loc).toEqual({ file: 'policy.rego', line: 3, col: 3 });
  });
});

describe('locations', () => {
  test('rule, head and literal locations', () => {
    const m = mod('\ndefault x := 1\n\nallow if {\n    input.user == "alice"\n}');
    const [def, allow] = m.rules;
    expect(def.loc).toEqual({ file: 'policy.rego', line: 3, col: 1 });
    expect(def.head.loc).toEqual({ file: 'policy.rego', line: 3, col: 9 });
    expect(allow.loc).toEqual({ file: 'policy.rego', line: 5, col: 1 });
    expect(allow.body[0].loc).toEqual({ file: 'policy.rego', line: 6, col: 5 });
    const eq = allow.body[0].type === 'term' ? allow.body[0].term : undefined;
    expect(eq?.type === 'call' && eq.nameLoc).toEqual({ file: 'policy.rego', line: 6, col: 16 });
  });

  test('CRLF line endings', () => {
    const m = mod('p if {\r\n  x := 1\r\n  y == "a"\r\n}\r\n'.replace(/\n/g, '\r\n').replace(/\r\r/g, '\r'));
    expect(shape(m.rules[0].body)).toEqual([lit(call('assign', v('x'), n('1'))), lit(call('equal', v('y'), s('a')))]);
    expect(m.rules[0].body[1].loc).toEqual({ file: 'policy.rego', line: 4, col: 3 });
  });
});

test('comments are ignored everywhere', () => {
  const r = rule('p contains x if { # the head\n  x := 1 # one\n  # alone\n}');
  expect(r.body).toEqual([lit(call('assign', v('x'), n('1')))]);
});

test('sets, objects, arrays as rule values', () => {
  expect(rule('p := {1, "a", [2]}').head.value).toEqual(set(n('1'), s('a'), arr(n('2'))));
  expect(rule('p := set()').head.value).toEqual(set());
  expect(rule('p := {}').head.value).toEqual(obj());
});
