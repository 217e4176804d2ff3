/**
 * Builtins policy libraries use: trace, json.verify_schema / json.match_schema, graph.reachable(_paths),
 * yaml.unmarshal / yaml.is_valid and the deprecated v0 builtins, compiled and run on the stock SDK
 * (expected values as OPA's topdown gives them), plus the compile error for v0-only builtins in v1 modules.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, RegoCompileError, runRegoTests } from '../../src';

const RUNTIME = path.join(__dirname, '..', '..', 'runtime', 'build', 'runtime.wasm');
const runtimeBuilt = existsSync(RUNTIME);
if (!runtimeBuilt) {
  console.warn(`skipping SDK tests of v0 and schema builtins: ${RUNTIME} is not built (npm run build:runtime -w packages/rego)`);
}

/** Evaluates `x := <expr>` in a module of the given syntax; undefined when the result set is empty. */
async function value(expr: string, input?: unknown, v0Compatible = false): Promise<unknown> {
  const source = v0Compatible ? `package p\n\nx = y { y := ${expr} }\n` : `package p\n\nx := ${expr}\n`;
  const { wasm } = compile({ modules: [{ path: 'p.rego', source }], entrypoints: ['p/x'], v0Compatible });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins as Record<string, (...a: unknown[]) => unknown>);
  const rs = policy.evaluate(input, 'p/x') as Array<{ result: unknown }>;
  return rs.length === 0 ? undefined : rs[0].result;
}
const v0 = (expr: string, input?: unknown) => value(expr, input, true);

(runtimeBuilt ? describe : describe.skip)('deprecated v0 builtins', () => {
  it('casts return their argument when it has the type, else undefined', async () => {
    expect(await v0('cast_array({3, 1, 2})')).toEqual([1, 2, 3]);
    expect(await v0('cast_array([2, 1, 2])')).toEqual([2, 1, 2]);
    expect(await v0('cast_array(input.s)', { s: 'x' })).toBeUndefined();
    expect(await v0('is_set(cast_set([2, 1, 2]))')).toBe(true);
    expect(await v0('cast_set([2, 1, 2]) == {1, 2}')).toBe(true);
    expect(await v0('cast_string("a")')).toBe('a');
    expect(await v0('cast_string(input.n)', { n: 1 })).toBeUndefined();
    expect(await v0('cast_boolean(false)')).toBe(false);
    expect(await v0('cast_boolean(input.n)', { n: 0 })).toBeUndefined();
    expect(await v0('cast_null(null)')).toBeNull();
    expect(await v0('cast_null(input.n)', { n: 0 })).toBeUndefined();
    expect(await v0('cast_object({"a": 1})')).toEqual({ a: 1 });
    expect(await v0('cast_object(input.a)', { a: [] })).toBeUndefined();
  });

  it('any and all look for the boolean true', async () => {
    expect(await v0('any([false, true])')).toBe(true);
    expect(await v0('any({false, "true", 1})')).toBe(false);
    expect(await v0('any([])')).toBe(false);
    expect(await v0('all([true, true])')).toBe(true);
    expect(await v0('all({true, 1})')).toBe(false);
    expect(await v0('all([])')).toBe(true);
    expect(await v0('any(input.x)', { x: 'true' })).toBeUndefined();
  });

  it('set_diff, re_match, net.cidr_overlap', async () => {
    expect(await v0('set_diff({1, 2, 3}, {2, 4})')).toEqual([1, 3]);
    expect(await v0('set_diff({1, 2, 3}, {2, 4}) == {1, 3}')).toBe(true);
    expect(await v0('re_match("^a+b$", "aab")')).toBe(true);
    expect(await v0('re_match("^a+b$", "abc")')).toBe(false);
    expect(await v0('net.cidr_overlap("10.0.0.0/8", "10.1.2.3")')).toBe(true);
    expect(await v0('net.cidr_overlap("10.0.0.0/8", "11.1.2.3")')).toBe(false);
  });

  it('are refused in v1 modules (and in v0 mode under import rego.v1) with a clear compile error', () => {
    const refused = (source: string, v0Compatible: boolean): RegoCompileError => {
      try {
        compile({ modules: [{ path: 'p.rego', source }], entrypoints: ['p/x'], v0Compatible });
      } catch (e) {
        if (e instanceof RegoCompileError) return e;
        throw e;
      }
      throw new Error('compiled');
    };
    for (const call of [
      'any([true])',
      'all([true])',
      'cast_array([1])',
      're_match("a", "a")',
      'set_diff({1}, {2})',
      'net.cidr_overlap("10.0.0.0/8", "10.0.0.1")',
    ]) {
      const name = call.slice(0, call.indexOf('('));
      const e = refused(`package p\n\nx := ${call}\n`, false);
      expect(e.message).toContain(`p.rego:3:6`);
      expect(e.message).toContain(`deprecated builtin ${name} was removed in Rego v1`);
      expect(refused(`package p\nimport rego.v1\n\nx := ${call}\n`, true).message).toContain(`deprecated builtin ${name}`);
    }
  });

  it('do not shadow a v1 module function of the same name', async () => {
    const source = 'package p\n\nany(xs) := count(xs) > 0\n\nx := any([1])\n';
    const { wasm } = compile({ modules: [{ path: 'p.rego', source }], entrypoints: ['p/x'] });
    const policy = await loadPolicy(wasm, undefined, hostBuiltins as Record<string, (...a: unknown[]) => unknown>);
    expect(policy.evaluate(undefined, 'p/x')).toEqual([{ result: true }]);
  });
});

(runtimeBuilt ? describe : describe.skip)('trace', () => {
  it('is true and records its note for the test runner', async () => {
    expect(await value('trace("hello")')).toBe(true);
    const results = await runRegoTests({
      modules: [
        { path: 'p_test.rego', source: 'package p\n\ntest_a if {\n  trace("first")\n  trace(sprintf("n=%d", [2]))\n}\n\ntest_b if true\n' },
      ],
    });
    expect(results.map((r) => [r.name, r.status, r.notes])).toEqual([
      ['test_a', 'pass', ['first', 'n=2']],
      ['test_b', 'pass', undefined],
    ]);
  });
});

const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, n: { type: 'integer', minimum: 3 }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['id'],
  additionalProperties: false,
};

(runtimeBuilt ? describe : describe.skip)('json.verify_schema and json.match_schema', () => {
  it('verify_schema answers [true, null] or [false, "jsonschema: ..."]', async () => {
    expect(await value('json.verify_schema(input.s)', { s: SCHEMA })).toEqual([true, null]);
    expect(await value('json.verify_schema(input.s)', { s: JSON.stringify(SCHEMA) })).toEqual([true, null]);
    const [ok, why] = (await value('json.verify_schema(input.s)', { s: { type: 'no-such-type' } })) as [boolean, string];
    expect(ok).toBe(false);
    expect(why).toMatch(/^jsonschema: /);
    expect(await value('json.verify_schema(input.s)', { s: '{"type": ' })).toEqual([false, 'jsonschema: invalid JSON string']);
    // draft 4 and draft 6 forms
    expect(
      await value('json.verify_schema(input.s)', {
        s: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'number', minimum: 1, exclusiveMinimum: true },
      }),
    ).toEqual([true, null]);
    expect(
      await value('json.verify_schema(input.s)', {
        s: { $schema: 'http://json-schema.org/draft-06/schema#', type: 'number', exclusiveMinimum: 1 },
      }),
    ).toEqual([true, null]);
  });

  it('match_schema gives [true, []] for a matching document', async () => {
    expect(await value('json.match_schema(input.d, input.s)', { d: { id: 'a', n: 3, tags: ['x'] }, s: SCHEMA })).toEqual([true, []]);
    expect(await value('json.match_schema(input.d, input.s)', { d: '{"id": "a"}', s: JSON.stringify(SCHEMA) })).toEqual([true, []]);
  });

  it('match_schema describes each violation as gojsonschema does (error, type, field, desc)', async () => {
    const [ok, errors] = (await value('json.match_schema(input.d, input.s)', {
      d: { id: 5, n: 2, tags: ['a', 1], extra: true },
      s: SCHEMA,
    })) as [boolean, Array<Record<string, string>>];
    expect(ok).toBe(false);
    const byField = Object.fromEntries(errors.map((e) => [e.field, e]));
    expect(byField.id).toEqual({
      error: 'id: Invalid type. Expected: string, given: integer',
      type: 'invalid_type',
      field: 'id',
      desc: 'Invalid type. Expected: string, given: integer',
    });
    expect(byField.n).toEqual({
      error: 'n: Must be greater than or equal to 3',
      type: 'number_gte',
      field: 'n',
      desc: 'Must be greater than or equal to 3',
    });
    expect(byField['tags.1'].type).toBe('invalid_type');
    expect(byField.extra).toEqual({
      error: 'extra: Additional property extra is not allowed',
      type: 'additional_property_not_allowed',
      field: 'extra',
      desc: 'Additional property extra is not allowed',
    });
    expect(errors).toHaveLength(4);

    const [, missing] = (await value('json.match_schema(input.d, input.s)', { d: {}, s: SCHEMA })) as [boolean, unknown[]];
    expect(missing).toEqual([{ error: '(root): id is required', type: 'required', field: '(root)', desc: 'id is required' }]);
  });

  it('match_schema fails with a builtin error for an invalid schema or document', async () => {
    await expect(value('json.match_schema(input.d, input.s)', { d: {}, s: { type: 'no-such-type' } })).rejects.toThrow(
      /json\.match_schema/,
    );
    await expect(value('json.match_schema(input.d, input.s)', { d: 'not json', s: SCHEMA })).rejects.toThrow(/invalid JSON string/);
  });
});

(runtimeBuilt ? describe : describe.skip)('graph.reachable and graph.reachable_paths', () => {
  it('reachable: the graph nodes reached from the initial ones, cycles included once', async () => {
    const g = { a: ['b'], b: ['c'], c: ['a'], d: [] };
    expect(await value('graph.reachable(input.g, ["a"])', { g })).toEqual(['a', 'b', 'c']);
    expect(await value('graph.reachable(input.g, {"d"})', { g })).toEqual(['d']);
    expect(await value('graph.reachable(input.g, ["x"])', { g })).toEqual([]);
    expect(await value('is_set(graph.reachable(input.g, ["a"]))', { g })).toBe(true);
    // a neighbour that is not a key of the graph is never reached
    expect(await value('graph.reachable(input.g, ["a"])', { g: { a: ['z'] } })).toEqual(['a']);
    expect(await value('graph.reachable(input.g, input.start)', { g, start: 'a' })).toBeUndefined();
  });

  it('reachable_paths: every path from the initial nodes to a leaf or back into the path', async () => {
    expect(await value('graph.reachable_paths(input.g, ["a"])', { g: { a: ['b', 'c'], b: ['d'], c: [], d: [] } })).toEqual([
      ['a', 'b', 'd'],
      ['a', 'c'],
    ]);
    expect(await value('graph.reachable_paths(input.g, ["a"])', { g: { a: ['b'], b: ['a'] } })).toEqual([['a', 'b']]);
    expect(await value('graph.reachable_paths(input.g, ["a"])', { g: { a: ['z'] } })).toEqual([['a']]);
    expect(await value('graph.reachable_paths(input.g, ["a"])', { g: { a: [] } })).toEqual([['a']]);
  });
});

(runtimeBuilt ? describe : describe.skip)('yaml.unmarshal and yaml.is_valid (go-yaml v2, as OPA reads YAML)', () => {
  it('reads YAML 1.1 scalars, merge keys and the first document; timestamps stay strings', async () => {
    const text =
      'a: yes\nb: 0777\nc: 2001-12-14\nd: 190:20:30\ne: 1.5\nf: ~\n1: x\nbase: &b {k: 1}\nm:\n  <<: *b\n  j: 2\nh: off\n---\nsecond: doc\n';
    expect(await value('yaml.unmarshal(input.t)', { t: text })).toEqual({
      a: true,
      b: 511,
      c: '2001-12-14',
      d: '190:20:30',
      e: 1.5,
      f: null,
      1: 'x',
      base: { k: 1 },
      m: { k: 1, j: 2 },
      h: false,
    });
    expect(await value('yaml.unmarshal(input.t)', { t: '' })).toBeNull();
    expect(await value('yaml.unmarshal(input.t)', { t: '- 1\n- two\n' })).toEqual([1, 'two']);
  });

  it('invalid YAML: a builtin error from unmarshal, false from is_valid', async () => {
    await expect(value('yaml.unmarshal(input.t)', { t: 'a: [1\n' })).rejects.toThrow(/yaml\.unmarshal/);
    expect(await value('yaml.is_valid(input.t)', { t: 'a: [1\n' })).toBe(false);
    expect(await value('yaml.is_valid(input.t)', { t: 'a: 1\n' })).toBe(true);
    expect(await value('yaml.is_valid(input.t)', { t: 1 })).toBeUndefined();
  });
});
