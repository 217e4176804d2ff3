/**
 * `with` replacing functions and builtins, as `opa test` suites mock them: by a value, by another
 * function or builtin (which may call the original), by a local variable; several at once, nested,
 * and transitively through the rules evaluated under the expression. The Rego suite in
 * fixtures/with states OPA's answers as its tests; http.send compiles only where a `with` replaces it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, planModules, RegoCompileError, runRegoTests } from '../../src';

const fixtures = path.join(__dirname, 'fixtures/with');
const fixture = (file: string) => ({ path: `with/${file}`, source: fs.readFileSync(path.join(fixtures, file), 'utf8') });

function compileError(source: string, entrypoint: string, others: { path: string; source: string }[] = []): string {
  try {
    planModules({ modules: [...others, { path: 'p.rego', source }], entrypoints: [entrypoint] });
  } catch (e) {
    if (e instanceof RegoCompileError) return e.message;
    throw e;
  }
  throw new Error('expected a compile error');
}

async function evaluate(source: string, entrypoint: string, input?: unknown): Promise<unknown> {
  const { wasm } = compile({ modules: [{ path: 'p.rego', source }], entrypoints: [entrypoint] });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins);
  const rs = policy.evaluate(input, entrypoint) as Array<{ result: unknown }>;
  return rs.length ? rs[0].result : undefined;
}

test('the mocking suite passes test by test, as under opa test', async () => {
  const results = await runRegoTests({ modules: [fixture('authz.rego'), fixture('authz_test.rego')] });
  expect(results.length).toBe(25);
  expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.name}: ${r.status} ${r.message ?? ''}`)).toEqual([]);
});

describe('a call of an unsupported builtin that no `with` replaces', () => {
  test('fails to compile an entry point that reaches it, naming the call', () => {
    expect(() => planModules({ modules: [fixture('authz.rego')], entrypoints: ['authz/allow'] })).toThrow(
      'with/authz.rego:5:10: rego_type_error: unsupported builtin http.send (reached from entrypoint authz/allow; only a call replaced with `with` can run)',
    );
    // The package as a whole evaluates user_info too.
    expect(() => planModules({ modules: [fixture('authz.rego')], entrypoints: ['authz'] })).toThrow(
      /authz\.rego:5:10: .*unsupported builtin http\.send/,
    );
  });

  test('does not stop entry points that cannot reach it', async () => {
    const { wasm } = compile({ modules: [fixture('authz.rego')], entrypoints: ['authz/n_items'] });
    const policy = await loadPolicy(wasm, undefined, hostBuiltins);
    expect(policy.evaluate({ items: [1, 2, 3] }, 'authz/n_items')).toEqual([{ result: 3 }]);
  });

  test('in a test run, a test that forgets the mock errors alone, naming the call', async () => {
    const forgetful = {
      path: 'with/forgetful_test.rego',
      source:
        'package forgetful_test\n\nimport data.authz\n\ntest_allow if authz.allow with input.user as "alice"\n\ntest_quad if authz.quad(1) == 4\n',
    };
    const results = await runRegoTests({ modules: [fixture('authz.rego'), forgetful] });
    expect(results.map(({ name, status, message }) => ({ name, status, message }))).toEqual([
      {
        name: 'test_allow',
        status: 'error',
        message: expect.stringContaining('with/authz.rego:5:10: unsupported builtin http.send called with no `with` replacing it'),
      },
      { name: 'test_quad', status: 'pass', message: undefined },
    ]);
  });

  test('its arguments are checked like those of any builtin', () => {
    expect(compileError('package p\n\nr := http.send({}, {}, 1)\n', 'p/r')).toMatch(
      /^p\.rego:3:6: rego_type_error: http\.send: too many arguments/,
    );
  });

  test('a replacement that calls the original calls it unreplaced', () => {
    const src = 'package p\n\nsend(req) := http.send(req)\n\nr := http.send({}).body\n\ntest_r if r with http.send as send\n';
    expect(compileError(src, 'p/test_r')).toMatch(/^p\.rego:3:14: rego_type_error: unsupported builtin http\.send/);
  });
});

describe('values and replacements at run time', () => {
  test('a replacement value computed at run time, per evaluation', async () => {
    const src = `package p
f(x) := x
g := f(1) + f(2)
r := [y | some v in input.vs; y := g with f as v]
`;
    expect(await evaluate(src, 'p/r', { vs: [1, 10, -2] })).toEqual([2, 20, -4]);
    expect(await evaluate(src, 'p/r', { vs: ['a'] })).toEqual([]);
    expect(await evaluate(src, 'p/r', { vs: [] })).toEqual([]);
  });

  test('a replacement value that is undefined leaves the expression undefined', async () => {
    const src =
      'package p\nf(x) := x\nr := y if {\n  y := f(1) with f as input.missing\n}\nd := z if {\n  z := f(1) with f as input.v\n}\n';
    expect(await evaluate(src, 'p/r', {})).toBeUndefined();
    expect(await evaluate(src, 'p/d', { v: 'v' })).toBe('v');
  });

  test('builtin replaced by a value inside a rule memoised elsewhere', async () => {
    const src = `package p
n := count(input.xs)
r := [n, m, n] if {
  m := n with count as input.k
}
`;
    expect(await evaluate(src, 'p/r', { xs: [1], k: 7 })).toEqual([1, 7, 1]);
  });
});

describe('rules planned again only where a replacement can matter', () => {
  test('rules that cannot reach a replaced function keep their single plan', () => {
    const rules = Array.from({ length: 20 }, (_, i) => `r${i} := count(input.xs) + ${i}`).join('\n');
    const tests = Array.from(
      { length: 30 },
      (_, i) => `test_${i} if [r0, r19, fresh] == [0, 19, ${i}] with time.now_ns as ${i} with input.xs as []`,
    ).join('\n');
    const src = `package p\n\n${rules}\n\nfresh := time.now_ns()\n\n${tests}\n`;
    const { plan } = planModules({
      modules: [{ path: 'p.rego', source: src }],
      entrypoints: Array.from({ length: 30 }, (_, i) => `p/test_${i}`),
    });
    const names = plan.funcs.map((f) => f.name);
    // Each distinct value replans only `fresh`; r0..r19 are planned once.
    expect(names.filter((n) => n === 'data.p.fresh').length).toBe(31);
    expect(names.filter((n) => n === 'data.p.r0').length).toBe(1);
  });

  test('a local variable named like a rule does not hide what the rule reaches', async () => {
    const src = `package p

t := time.now_ns()

a := [b, t] if b := 1

b := [a[1]]

test_a if a == [1, 5] with time.now_ns as 5

test_b if b == [5] with time.now_ns as 5
`;
    const results = await runRegoTests({ modules: [{ path: 'p.rego', source: src }] });
    expect(results.map((r) => `${r.name}: ${r.status}`)).toEqual(['test_a: pass', 'test_b: pass']);
  });
});

describe('invalid `with` targets and replacements are compile errors', () => {
  const lib = {
    path: 'lib.rego',
    source: 'package lib\n\ndouble(x) := 2 * x\n\nlimit := 3\n\ninfo := {"role": "admin"}\n\nsum2(a, b) := a + b\n',
  };
  test.each([
    [
      'a function by one of another arity',
      'x := lib.double(1) with lib.double as lib.sum2',
      /^p\.rego:6:22: rego_type_error: data\.lib\.double: arity mismatch: lib\.sum2 takes 2 arguments, lib\.double takes 1/,
    ],
    [
      'a builtin by a function of another arity',
      'x := count([]) with count as lib.sum2',
      /^p\.rego:6:18: rego_type_error: count: arity mismatch/,
    ],
    [
      'http.send by a function of another arity',
      'x := 1 with http.send as lib.sum2',
      /^p\.rego:6:10: rego_type_error: http\.send: arity mismatch/,
    ],
    [
      'a builtin by a value of another type',
      'x := count([]) with count as "many"',
      /^p\.rego:6:18: rego_type_error: count: return type mismatch: have string, want number/,
    ],
    [
      'a rule that is not a function by a function',
      'x := lib.limit with lib.limit as lib.double',
      /^p\.rego:6:18: rego_type_error: with keyword: data\.lib\.limit is not a function, it cannot be replaced by the function lib\.double/,
    ],
    [
      'part of a rule',
      'x := lib.info with lib.info.role as "guest"',
      /^p\.rego:6:22: rego_compile_error: with keyword cannot partially replace virtual document\(s\)/,
    ],
    [
      'print',
      'x := 1 with print as lib.double',
      /^p\.rego:6:15: rego_compile_error: with keyword replacing built-in function: target must not be a void function/,
    ],
    [
      'a relation',
      'x := 1 with walk as lib.double',
      /^p\.rego:6:15: rego_compile_error: with keyword replacing built-in function: target must not be a relation/,
    ],
    [
      'an internal builtin',
      'x := 1 with internal.member_2 as lib.double',
      /^p\.rego:6:15: rego_compile_error: with keyword replacing built-in function: replacement of internal function "internal\.member_2" invalid/,
    ],
    [
      'rego.metadata.rule',
      'x := 1 with rego.metadata.rule as {}',
      /^p\.rego:6:15: rego_compile_error: with keyword replacing built-in function: replacement of "rego\.metadata\.rule" invalid/,
    ],
    [
      'no document nor function',
      'x := 1 with nothing.here as 1',
      /^p\.rego:6:15: rego_type_error: with keyword target must reference existing input, data, or a function/,
    ],
  ])('%s', (_what, body, expected) => {
    expect(compileError(`package p\n\nimport data.lib\n\nr if {\n  ${body}\n  x\n}\n`, 'p/r', [lib])).toMatch(expected);
  });
});
