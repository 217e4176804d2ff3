/**
 * Broken policies give clear errors, never a wrong answer: compile errors carry file:line:col,
 * evaluation errors (conflicting rule values) make the SDK's evaluate() throw.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, planModules, RegoCompileError } from '../../src';

function compileError(source: string, entrypoint = 'authz/allow', v0Compatible = false): RegoCompileError {
  try {
    planModules({ modules: [{ path: 'policies/authz.rego', source }], entrypoints: [entrypoint], v0Compatible });
  } catch (e) {
    if (e instanceof RegoCompileError) return e;
    throw e;
  }
  throw new Error('expected a compile error');
}

async function evaluate(source: string, input: unknown, entrypoint = 'authz/allow', data: object = {}): Promise<unknown> {
  const { wasm } = compile({ modules: [{ path: 'policies/authz.rego', source }], entrypoints: [entrypoint] });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins);
  policy.setData(data);
  return policy.evaluate(input, entrypoint);
}

describe('compile errors name the file, line and column', () => {
  test('malformed module source', () => {
    const e = compileError('package authz\n\nallow if {\n\tinput.method == \n}\n');
    expect(e.code).toBe('rego_parse_error');
    expect(e.message).toMatch(/^policies\/authz\.rego:5:1: /);
    expect(e.location).toMatchObject({ file: 'policies/authz.rego', line: 5 });
  });

  test('a module without a package', () => {
    expect(compileError('allow := true\n').message).toMatch(/^policies\/authz\.rego:1:1: .*package/);
  });

  test('unknown builtin', () => {
    const e = compileError('package authz\n\nallow if {\n\tstrings.frobnicate(input.x)\n}\n');
    expect(e.message).toBe('policies/authz.rego:4:2: rego_type_error: undefined function strings.frobnicate');
  });

  test('unsupported builtin (http.send) names the builtin', () => {
    const e = compileError(
      'package authz\n\nallow if {\n\tresp := http.send({"method": "GET", "url": input.url})\n\tresp.status_code == 200\n}\n',
    );
    expect(e.message).toBe(
      'policies/authz.rego:4:10: rego_type_error: unsupported builtin http.send (reached from entrypoint authz/allow; only a call replaced with `with` can run)',
    );
  });

  test('unsafe variable', () => {
    const e = compileError('package authz\n\nallow if {\n\tx == input.y\n}\n');
    expect(e.code).toBe('rego_unsafe_var_error');
    expect(e.message).toBe('policies/authz.rego:4:2: rego_unsafe_var_error: var x is unsafe');
  });

  test('unsafe variable in the rule head', () => {
    const e = compileError('package authz\n\nallow := x if {\n\tinput.y == 1\n}\n');
    expect(e.code).toBe('rego_unsafe_var_error');
    expect(e.message).toMatch(/^policies\/authz\.rego:3:\d+: .*var x is unsafe/);
  });

  test('recursive rules', () => {
    const e = compileError('package authz\n\nallow if deny\n\ndeny if {\n\tnot allow\n}\n');
    expect(e.code).toBe('rego_recursion_error');
    expect(e.message).toMatch(/^policies\/authz\.rego:\d+:\d+: rego_recursion_error: rule data\.authz\.(allow|deny) is recursive: /);
  });

  test('a function that calls itself', () => {
    const e = compileError('package authz\n\nf(x) := f(x - 1) if x > 0\n\nallow if f(3)\n');
    expect(e.code).toBe('rego_recursion_error');
  });

  test('builtin argument types known at compile time are checked: indexof(1, "")', () => {
    const e = compileError('package authz\n\nallow if {\n\tindexof(1, "") == 0\n}\n');
    expect(e.code).toBe('rego_type_error');
    expect(e.message).toBe(
      'policies/authz.rego:4:2: rego_type_error: indexof: invalid argument(s): have (number, string), want (string, string)',
    );
  });

  test('wrong number of arguments', () => {
    expect(compileError('package authz\n\nallow if {\n\tx := lower("A", "B")\n\tx == "a"\n}\n').message).toMatch(
      /^policies\/authz\.rego:4:7: rego_type_error: lower: too many arguments/,
    );
  });

  test('v1 syntax is required unless v0Compatible', () => {
    const v0 = 'package authz\n\nallow {\n\tinput.x == 1\n}\n';
    expect(compileError(v0).message).toMatch(/^policies\/authz\.rego:3:\d+: .*`if` keyword is required/);
    expect(() =>
      planModules({ modules: [{ path: 'a.rego', source: v0 }], entrypoints: ['authz/allow'], v0Compatible: true }),
    ).not.toThrow();
  });

  test('a variable assigned twice', () => {
    const e = compileError('package authz\n\nallow if {\n\tx := 1\n\tx := 2\n}\n');
    expect(e.message).toBe('policies/authz.rego:5:2: rego_compile_error: var x assigned above');
  });

  test('an entry point that no rule defines (a typo) is a compile error, not an always-undefined decision', () => {
    const src = 'package authz\n\nallow if input.x\n';
    expect(compileError(src, 'authz/alow').message).toBe(
      'rego_compile_error: entrypoint "authz/alow" does not refer to a rule or package (no rule defines data.authz.alow) (did you mean "authz/allow"? the policy defines: authz/allow)',
    );
    // The closest by edit distance among every rule; none suggested when nothing is close.
    const two = 'package authz\n\nallow if input.x\n\ndecision := {"allowed": allow}\n\ndeny contains "x" if false\n';
    expect(compileError(two, 'authz/decison').message).toContain(
      '(did you mean "authz/decision"? the policy defines: authz/allow, authz/decision, authz/deny)',
    );
    expect(compileError(two, 'data.authz.Allow').message).toContain('(did you mean "authz/allow"?');
    expect(compileError(two, 'authz/zzzzzzzzz').message).toContain('(the policy defines: authz/allow, authz/decision, authz/deny)');
    expect(() =>
      planModules({ modules: [{ path: 'a.rego', source: src }], entrypoints: ['authz', 'data.authz.allow', 'data'] }),
    ).not.toThrow();
  });

  test('all errors of a module are compile errors (no other exception types)', () => {
    for (const src of ['package', 'package authz\nallow if {', 'package authz\nallow if { input.x[ }', 'package authz\nallow := {"a": }']) {
      expect(() => planModules({ modules: [{ path: 'x.rego', source: src }], entrypoints: ['authz/allow'] })).toThrow(RegoCompileError);
    }
  });
});

describe('evaluation errors make evaluate() throw instead of answering', () => {
  test('conflicting complete rule values', async () => {
    const src = 'package authz\n\nallow := true if input.a\n\nallow := false if input.b\n';
    await expect(evaluate(src, { a: true })).resolves.toEqual([{ result: true }]);
    await expect(evaluate(src, { b: true })).resolves.toEqual([{ result: false }]);
    await expect(evaluate(src, { a: true, b: true })).rejects.toMatch(/eval_conflict_error/);
  });

  test('conflicting function results', async () => {
    const src = 'package authz\n\nf(x) := 1 if x > 0\n\nf(x) := 2 if x > 1\n\nallow if f(input.n) == 1\n';
    await expect(evaluate(src, { n: 1 })).resolves.toEqual([{ result: true }]);
    await expect(evaluate(src, { n: 2 })).rejects.toMatch(/eval_conflict_error/);
  });

  test('conflicting partial object keys', async () => {
    const src =
      'package authz\n\nroles[k] := v if {\n\tsome k, v in input.a\n}\n\nroles[k] := v if {\n\tsome k, v in input.b\n}\n\nallow if roles.x == 1\n';
    await expect(evaluate(src, { a: { x: 1 }, b: { x: 1 } })).resolves.toEqual([{ result: true }]);
    await expect(evaluate(src, { a: { x: 1 }, b: { x: 2 } })).rejects.toMatch(/eval_conflict_error/);
  });

  test('a builtin given a wrong type at run time leaves its expression undefined', async () => {
    const src = 'package authz\n\ndefault allow := false\n\nallow if indexof(input.s, "b") == 1\n';
    await expect(evaluate(src, { s: 'abc' })).resolves.toEqual([{ result: true }]);
    await expect(evaluate(src, { s: 7 })).resolves.toEqual([{ result: false }]);
  });
});
