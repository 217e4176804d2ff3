/**
 * Planner semantics the conformance suite touches only lightly, checked end to end on the stock SDK:
 * ref heads, function mocks with `with`, old-style output arguments, v0 shadowing, declarations.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, planModules, RegoCompileError } from '../../src';

async function run(sources: string[], entrypoint: string, input?: unknown, data: object = {}, v0Compatible = false): Promise<unknown> {
  const modules = sources.map((source, i) => ({ path: `m${i}.rego`, source }));
  const { wasm } = compile({ modules, entrypoints: [entrypoint], v0Compatible });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins);
  policy.setData(data);
  const rs = policy.evaluate(input, entrypoint) as Array<{ result: unknown }>;
  return rs.length ? rs[0].result : undefined;
}

function error(source: string, entrypoint = 'p'): string {
  try {
    planModules({ modules: [{ path: 'p.rego', source }], entrypoints: [entrypoint] });
  } catch (e) {
    if (e instanceof RegoCompileError) return e.message;
    throw e;
  }
  throw new Error('expected a compile error');
}

const sortDeep = (v: unknown): unknown => (Array.isArray(v) ? v.map(sortDeep).sort() : v);

describe('rule heads', () => {
  test('multi-value rules below variables: p[x][y] contains v', async () => {
    const src = `package p
grants[role][action] contains resource if {
  some g in input.grants
  role := g.role
  action := g.action
  resource := g.resource
}`;
    const out = (await run([src], 'p/grants', {
      grants: [
        { role: 'admin', action: 'read', resource: 'a' },
        { role: 'admin', action: 'read', resource: 'b' },
        { role: 'viewer', action: 'read', resource: 'a' },
      ],
    })) as Record<string, Record<string, string[]>>;
    expect(sortDeep(out.admin.read)).toEqual(['a', 'b']);
    expect(out.viewer).toEqual({ read: ['a'] });
    expect(await run([src], 'p/grants', { grants: [] })).toEqual({});
  });

  test('ground rules next to rules with variables merge into one object', async () => {
    const src = `package p
limits.default := 10
limits[name] := n if {
  some name, n in input.overrides
}`;
    expect(await run([src], 'p/limits', { overrides: { alice: 3 } })).toEqual({ default: 10, alice: 3 });
    expect(await run([src], 'p/limits/default', {})).toBe(10);
    await expect(run([src], 'p/limits', { overrides: { default: 3 } })).rejects.toMatch(/eval_conflict_error/);
  });

  test('a package without rules is an empty object merged with its base data', async () => {
    expect(await run(['package a.b\nimport rego.v1\n'], 'a/b', undefined, { a: { b: { x: 1 } } })).toEqual({ x: 1 });
    expect(await run(['package a.b\n'], 'a/b')).toEqual({});
  });

  test('a function without parameters reads as a value', async () => {
    expect(await run(['package p\nf() := {"a": 1}\nv := f().a\n'], 'p/v')).toBe(1);
    expect(await run(['package p\nf() := {"a": 1}\n'], 'p/f')).toEqual({ a: 1 });
  });
});

describe('with on functions and builtins', () => {
  const lib = 'package lib\ndouble(x) := 2 * x\nfake(x) := 1000 + x\n';

  test('replace a function by another, through an import', async () => {
    const rules = `package rules
import data.lib
result := lib.double(5)
plain := result
mocked := x if {
  x := result with lib.double as lib.fake
}`;
    expect(await run([lib, rules], 'rules/mocked')).toBe(1005);
    // The mock is confined to its expression: the same rule outside keeps its own value.
    expect(await run([lib, rules], 'rules/plain')).toBe(10);
  });

  test('replace a builtin by a function or a constant', async () => {
    const rules = `package rules
size(_) := 99
n := count(input.xs)
by_function := x if { x := n with count as size }
by_value := x if { x := n with count as 42 }
plain := n`;
    expect(await run([rules], 'rules/by_function', { xs: [1, 2, 3] })).toBe(99);
    expect(await run([rules], 'rules/by_value', { xs: [1, 2, 3] })).toBe(42);
    expect(await run([rules], 'rules/plain', { xs: [1, 2, 3] })).toBe(3);
  });

  test('an expression with `with` that binds several values yields each of them', async () => {
    const src = `package p
doubled contains y if {
  y := data.p.scaled[_] with input.k as 2
}
scaled := [y | some x in [1, 2, 3]; y := x * input.k]
none contains y if {
  y := data.p.scaled[_] with input.k as "a"
}`;
    expect(sortDeep(await run([src], 'p/doubled'))).toEqual([2, 4, 6]);
    expect(await run([src], 'p/none')).toEqual([]);
  });

  test('a replacement must be a function of the same arity or a constant', () => {
    const src = 'package p\nf(x) := x\ng(x, y) := x\nv := y if {\n  y := f(1) with f as g\n}\n';
    expect(error(src, 'p/v')).toMatch(/^p\.rego:5:13: rego_type_error: data\.p\.f: arity mismatch: g takes 2 arguments, f takes 1/);
  });
});

describe('calls', () => {
  test('an old-style output argument binds the result', async () => {
    expect(await run(['package p\np := n if {\n  count(input.xs, n)\n}\n'], 'p/p', { xs: [1, 2] })).toBe(2);
  });

  test('walk is a relation: one binding per [path, value] pair', async () => {
    const src = `package p
leaves contains [path, v] if {
  walk(input, [path, v])
  is_number(v)
}`;
    const out = (await run([src], 'p/leaves', { a: { b: 1 }, c: [2] })) as unknown[];
    expect(sortDeep(out.map((x) => JSON.stringify(x)))).toEqual(['[["a","b"],1]', '[["c",0],2]']);
  });

  test('inside a term a call takes exactly its arguments', () => {
    expect(error('package p\nx := ceil(1, 2)\n', 'p/x')).toMatch(/^p\.rego:2:6: rego_type_error: ceil: too many arguments/);
  });
});

describe('declarations', () => {
  test.each([
    ['x := 1\n  x := 2', /var x assigned above/],
    ['x = 1\n  some x in [1]', /var x referenced above/],
    ['some x in [1]\n  x := 1', /var x assigned above/],
    ['[x, y] = [1, 2, 3]', /match error: arrays of 2 and 3 elements/],
    ['{"a": x} = {"b": 1}', /match error: object keys/],
    ['some x in null', /the collection must be an array, object or set/],
  ])('%s', (body, message) => {
    expect(error(`package p\nq if {\n  ${body}\n}\n`, 'p/q')).toMatch(message);
  });

  test('function parameters cannot be assigned again', () => {
    expect(error('package p\nf(x) := y if {\n  x := 1\n  y := x\n}\n', 'p')).toMatch(/var x assigned above/);
  });

  test('v0 lets a local or a rule be named input or data; v1 does not', async () => {
    expect(await run(['package p\nx {\n  input := 1\n  input > 0\n}\n'], 'p/x', undefined, {}, true)).toBe(true);
    expect(await run(['package p\ndata = 1\n'], 'p/data', undefined, {}, true)).toBe(1);
    expect(error('package p\nx if {\n  input := 1\n}\n', 'p')).toMatch(/variables must not shadow input/);
  });
});
