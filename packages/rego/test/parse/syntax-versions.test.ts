import { RegoCompileError } from '../../src/errors';
import { parseModule, V0_SYNTAX_HINT } from '../../src/parse';
import { call, lit, n, rule, shape, v } from './helpers';

const parse = (source: string, v0Compatible = false) => parseModule(source, 'm.rego', { v0Compatible });
const errorOf = (source: string, v0Compatible = false): string => {
  try {
    parse(source, v0Compatible);
  } catch (e) {
    expect(e).toBeInstanceOf(RegoCompileError);
    expect((e as RegoCompileError).code).toBe('rego_parse_error');
    return (e as RegoCompileError).message;
  }
  throw new Error('expected a parse error');
};

describe('syntax of the module', () => {
  test('v1 by default', () => {
    expect(parse('package a\np if true').syntax).toBe('v1');
  });
  test('v0 when asked and rego.v1 is not imported', () => {
    expect(parse('package a\np { true }', true).syntax).toBe('v0');
    expect(parse('package a\nimport future.keywords\np if { true }', true).syntax).toBe('v0');
  });
  test('import rego.v1 makes a v0-compatible module v1', () => {
    expect(parse('package a\nimport rego.v1\np if true', true).syntax).toBe('v1');
  });
});

describe('v1 requires if and contains (as OPA 1.x)', () => {
  test.each([
    ['p { true }', 'm.rego:2:1: rego_parse_error: `if` keyword is required before rule body'],
    ['p.a { true }', 'm.rego:2:1: rego_parse_error: `if` keyword is required before rule body'],
    ['p[x] { x := 1 }', 'm.rego:2:1: rego_parse_error: `if` keyword is required before rule body'],
    ['f(x) = 1 { true }', 'm.rego:2:1: rego_parse_error: `if` keyword is required before function body'],
    ['p := 1 if { false } else := 2 { true }', 'm.rego:2:21: rego_parse_error: `if` keyword is required before rule body'],
    ['p[x]', 'm.rego:2:1: rego_parse_error: `contains` keyword is required for partial set rules'],
    ['p.a', 'm.rego:2:1: rego_parse_error: `contains` keyword is required for partial set rules'],
    ['p.a.b', 'm.rego:2:1: rego_parse_error: rule must have value assignment and/or body declaration'],
  ])('%s', (body, message) => {
    // Valid Rego v0 (all but the `else` case): the error says how to compile it as such.
    const v0 = !body.includes('else');
    expect(errorOf(`package a\n${body}`)).toBe(v0 ? `${message}; ${V0_SYNTAX_HINT}` : message);
    // The same checks apply to a v0-compatible module that imports rego.v1 (no hint: v0 is on, the import opts out).
    expect(errorOf(`package a\nimport rego.v1\n${body}`, true)).toBe(message.replace('m.rego:2:', 'm.rego:3:'));
  });

  test('a function head with arguments and neither value nor body is a function returning true in v1 too', () => {
    // OPA turns `f(x)` into a rule whose value is not marked generated, so its v1 check does not refuse it.
    expect(rule('f(x)').head).toEqual({ ref: [v('f')], kind: 'function', args: [v('x')], assign: false });
  });

  test('the same statements are fine in v0', () => {
    for (const body of ['p { true }', 'p.a { true }', 'p[x] { x := 1 }', 'f(x) = 1 { true }', 'p[x]', 'p.a.b', 'f(x)']) {
      expect(() => parse(`package a\n${body}`, true)).not.toThrow();
    }
  });

  test('v0 bare heads: p.a.b is p.a.b = true, f(x) is a function returning true', () => {
    expect(rule('p.a.b', true).head).toEqual({
      ref: [v('p'), { type: 'string', value: 'a' }, { type: 'string', value: 'b' }],
      kind: 'complete',
      assign: false,
    });
    expect(rule('f(x)', true).head).toEqual({ ref: [v('f')], kind: 'function', args: [v('x')], assign: false });
  });

  test('p if { a } { b }: extra bodies share the head and its `if`, as in OPA', () => {
    expect(parse('package a\np if { true } { false }').rules).toHaveLength(2);
  });
});

describe('future keywords', () => {
  test('in v0 they are plain names unless imported', () => {
    const m = shape(parse('package a\np { in := 1; if := 2; every := [contains] }', true).rules[0]);
    expect(m.body[0]).toEqual(lit(call('assign', v('in'), n('1'))));
    expect(m.body[1]).toEqual(lit(call('assign', v('if'), n('2'))));
  });

  test.each([
    ['import future.keywords', 'p if { some x in [1] }'],
    ['import future.keywords.in', 'p { some x in [1]; 1 in [1] }'],
    ['import future.keywords.if', 'p if { true }'],
    ['import future.keywords.contains', 'p contains 1 { true }'],
    ['import future.keywords.every', 'p { every x in [1] { x > 0 } }'],
    ['import future.keywords\nimport future.keywords', 'p if true'],
  ])('v0 with %s', (imp, body) => {
    expect(() => parse(`package a\n${imp}\n${body}`, true)).not.toThrow();
  });

  test('importing one keyword does not enable the others', () => {
    expect(errorOf('package a\nimport future.keywords.in\np if { true }', true)).toBe(
      "m.rego:3:3: rego_parse_error: unexpected identifier 'if': `if` is a keyword only with `import rego.v1` or `import future.keywords.if`",
    );
  });

  test('v0 without imports explains why `in` is not understood', () => {
    expect(errorOf('package a\np { x := 1\n  x in [1] }', true)).toBe(
      "m.rego:3:5: rego_parse_error: unexpected identifier 'in': `in` is a keyword only with `import rego.v1` or `import future.keywords.in`",
    );
  });

  test('future imports are accepted (no-ops) in v1', () => {
    expect(() => parse('package a\nimport future.keywords.in\np if 1 in [1]')).not.toThrow();
  });

  test('in v1 keywords cannot be rule names, but are fine in refs', () => {
    expect(errorOf('package a\nif := 1')).toBe(
      `m.rego:2:1: rego_parse_error: unexpected 'if', expected rule, import or end of file; ${V0_SYNTAX_HINT}`,
    );
    expect(() => parse('package a\np := input.if.contains.in')).not.toThrow();
    expect(() => parse('package a\np if contains("abc", "b")')).not.toThrow();
  });
});
