/**
 * Builtins the wasm runtime runs itself: results that depend on sets, non-string keys and OPA's
 * value order (which a host function never sees), checked through the stock SDK on both ABI paths.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, EVALUATION_BUDGET_BUILTIN } from '../../src';
import { evalBoth, hostBuiltins, load, modules } from './sdk-helpers';

async function value(expr: string, input: unknown = {}): Promise<unknown> {
  const p = await load(`package t\nx := ${expr}\n`, ['t/x']);
  return evalBoth(p, 't/x', input);
}

test('comparison follows OPA order across types', async () => {
  expect(await value('[null < false, false < 0, 0 < "", "" < [], [] < {}, {} < set(), "a" < "b", [1, 2] < [1, 3]]')).toEqual([
    true,
    true,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
  expect(await value('[1 == 1.0, {1, 2} == {2, 1}, {"a": 1} != {"a": 2}, 2 >= 2, 3 > 2, 2 <= 1]')).toEqual([
    true,
    true,
    true,
    true,
    true,
    false,
  ]);
});

test('set operators, membership and aggregates keep sets sets', async () => {
  const input = { a: [1, 2, 3], b: [2, 3, 4] };
  expect(await value('{x | some x in input.a} | {x | some x in input.b}', input)).toEqual([1, 2, 3, 4]);
  expect(await value('{x | some x in input.a} & {x | some x in input.b}', input)).toEqual([2, 3]);
  expect(await value('{x | some x in input.a} - {x | some x in input.b}', input)).toEqual([1]);
  expect(
    await value('[is_set({1} | set()), count({1, 2} | {2}), max({3, 1}), min([3, "a"]), sort({3, 1, 2}), sum({1, 2}), product([2, 3])]'),
  ).toEqual([true, 2, 3, 3, [1, 2, 3], 3, 6]);
  expect(await value('[1 in {1}, 2 in {1}, "v" in {"k": "v"}, 1 in input.s]', { s: '1' })).toEqual([true, false, true, false]);
  expect(
    await load('package t\nx if 0, 1 in [1]\ny if "k", "v" in {"k": "v"}\nz if 1, 1 in {1}\n', ['t/x', 't/y', 't/z']).then((p) =>
      ['t/x', 't/y', 't/z'].map((e) => evalBoth(p, e, {})),
    ),
  ).toEqual([true, true, true]);
  expect(await value('[union({{1}, {2, 3}}), intersection({{1, 2}, {2, 3}}), intersection(set())]')).toEqual([[1, 2, 3], [2], []]);
});

test('object builtins preserve set values and non-string keys', async () => {
  expect(await value('object.get({"r": {"admin"}}, "r", set())')).toEqual(['admin']);
  expect(await value('is_set(object.get({"r": {"admin"}}, "r", []))')).toBe(true);
  expect(await value('object.get({"a": {"b": [1, {2}]}}, ["a", "b", 1], 0)')).toEqual([2]);
  expect(await value('object.get({"a": 1}, ["a", "b"], "d")')).toBe('d');
  expect(await value('[is_set(object.keys({"a": 1})), object.keys({"b": 1, "a": 2})]')).toEqual([true, ['a', 'b']]);
  expect(await value('object.union({"a": {"x": 1}, "s": {1}}, {"a": {"y": 2}})')).toEqual({ a: { x: 1, y: 2 }, s: [1] });
  expect(await value('is_set(object.union({"s": {1}}, {}).s)')).toBe(true);
  expect(await value('object.union_n([{"a": 1}, {"b": 2}, {"a": 3}])')).toEqual({ a: 3, b: 2 });
  expect(await value('count(object.remove({1: "a", "b": 2, "c": 3}, {"b"}))')).toBe(2);
  expect(await value('object.filter({"a": 1, "b": 2}, ["a"])')).toEqual({ a: 1 });
  expect(
    await value(
      '[object.subset({"a": {"b": 1, "c": 2}}, {"a": {"b": 1}}), object.subset({1, 2}, {1}), object.subset([1, 2, 3], [2, 3]), object.subset([1, 2, 3], {3, 1}), object.subset([1, 2], [2, 1])]',
    ),
  ).toEqual([true, true, true, true, false]);
});

test('arithmetic', async () => {
  expect(
    await value('[1 + 2, 7 - 10, 3 * 4, 7 / 2, -7 % 3, abs(-2), ceil(1.2), floor(-1.2), round(2.5), round(-2.5), round(2.4999)]'),
  ).toEqual([3, -3, 12, 3.5, -1, 2, 2, -2, 3, -3, 2]);
  // decimal, as OPA computes (see numbers.test.ts), not 5.1000000000000005
  expect(await value('15.3 / 3')).toBe(5.1);
});

test('types and JSON', async () => {
  expect(
    await value('[type_name(null), type_name(true), type_name(1), type_name(""), type_name([]), type_name({}), type_name(set())]'),
  ).toEqual(['null', 'boolean', 'number', 'string', 'array', 'object', 'set']);
  expect(await value('[is_number(1), is_string(1), is_boolean(false), is_array({1}), is_set({1}), is_object({}), is_null(null)]')).toEqual([
    true,
    false,
    true,
    false,
    true,
    true,
    true,
  ]);
  expect(await value('json.marshal({"b": {2, 1}, "a": [1.5, "x\\"y"]})')).toBe('{"a":[1.5,"x\\"y"],"b":[1,2]}');
});

test('strings', async () => {
  expect(
    await value(
      '[concat(", ", ["a", "b"]), concat("-", {"y", "x"}), startswith("abc", "ab"), endswith("abc", "bc"), contains("abc", "d")]',
    ),
  ).toEqual(['a, b', 'x-y', true, true, false]);
  expect(
    await value('[split("a,b,,c", ","), split("", ","), split("héj", ""), trim_prefix("abc", "ab"), trim_suffix("abc", "x")]'),
  ).toEqual([['a', 'b', '', 'c'], [''], ['h', 'é', 'j'], 'c', 'abc']);
  expect(await value('concat(",", input.xs)', { xs: ['a', 1] })).toBeUndefined();
});

test('arrays', async () => {
  expect(
    await value(
      '[array.concat([1], [{2}]), array.reverse([1, 2, 3]), array.slice([1, 2, 3, 4], 1, 3), array.slice([1, 2], -5, 10), array.slice([1, 2], 2, 1)]',
    ),
  ).toEqual([[1, [2]], [3, 2, 1], [2, 3], [1, 2], []]);
  expect(await value('is_set(array.concat([], [{2}])[0])')).toBe(true);
});

test('builtins the SDK also defines are imported under their own name', async () => {
  // The SDK's sprintf (sprintf-js) would shadow hostBuiltins' Go-compatible one under the plain name.
  const { wasm } = compile({ modules: modules('package t\nx := sprintf("%v|%d", [{"a": 1}, 7])\n'), entrypoints: ['t/x'] });
  const p = await loadPolicy(wasm, undefined, hostBuiltins());
  const inst = (p as unknown as { wasmInstance: WebAssembly.Instance }).wasmInstance;
  const builtinsAddr = (inst.exports.builtins as () => number)();
  const dumped = (inst.exports.opa_json_dump as (a: number) => number)(builtinsAddr);
  const bytes = new Uint8Array(p.mem.buffer);
  let end = dumped;
  while (bytes[end] !== 0) end++;
  const names = Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(dumped, end))) as object).filter(
    (name) => name !== EVALUATION_BUDGET_BUILTIN,
  );
  expect(names).toHaveLength(1);
  expect(names[0]).not.toBe('sprintf');
  expect(evalBoth(p, 't/x', {})).toBe('{"a": 1}|7');
});

test("sprintf's host implementation sees sets and non-string keys as OPA's Rego text", async () => {
  // OPA's sprintf turns every argument but numbers and strings into its Rego text; JSON would give [1, 2] for a set
  expect(await value('sprintf("%v|%v|%v|%v|%v|%d|%s|%v", [{2, 1}, {1: "a"}, [1, {"b": set()}], true, null, {3}, "s", 1.5])')).toBe(
    '{1, 2}|{1: "a"}|[1, {"b": set()}]|true|null|%!d(string={3})|s|1.5',
  );
  expect(await value('sprintf("%v", input.xs)', { xs: [{ a: [1] }] })).toBe('{"a": [1]}');
});
