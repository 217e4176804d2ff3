/**
 * json.filter, json.remove, json.patch and walk, which run in wasm: their paths address set
 * members by value and object keys of any type. Checked through the stock SDK on both ABI paths;
 * answers are OPA's (topdown/json.go and the edit tree behind json.patch).
 */
import { evalBoth, load } from './sdk-helpers';

async function value(expr: string, input: unknown = {}): Promise<unknown> {
  const p = await load(`package t\nx := ${expr}\n`, ['t/x']);
  return evalBoth(p, 't/x', input);
}

/** Whether a Rego condition holds (sets compared as sets, which the SDK's JSON cannot show). */
async function holds(cond: string): Promise<boolean> {
  const p = await load(`package t\nx if {\n${cond}\n}\n`, ['t/x']);
  return evalBoth(p, 't/x', {}) === true;
}

describe('json.filter', () => {
  test('keeps the named paths, string or array form, JSON-pointer escapes undone', async () => {
    const obj = '{"a": 5, "b": {"c": {"d": 6}, "d": 7}, "c": 8, "x/y": {"~k": 1, "z": 2}}';
    expect(await value(`json.filter(${obj}, ["a", "b/c"])`)).toEqual({ a: 5, b: { c: { d: 6 } } });
    expect(await value(`json.filter(${obj}, {"c", ["b", "d"]})`)).toEqual({ b: { d: 7 }, c: 8 });
    expect(await value(`json.filter(${obj}, ["/x~1y/~0k"])`)).toEqual({ 'x/y': { '~k': 1 } });
    // a shorter path takes the whole subtree, whichever comes first
    expect(await value(`json.filter(${obj}, ["b/c", "b"])`)).toEqual({ b: { c: { d: 6 }, d: 7 } });
    expect(await value(`json.filter(${obj}, ["b", "b/c"])`)).toEqual({ b: { c: { d: 6 }, d: 7 } });
  });

  test('array elements are named by their index as a string, set members by themselves', async () => {
    const s = '{"a": [[1, [7, 8, 9], 2], {"a": 1, "b": 2}]}';
    expect(await value(`json.filter(${s}, ["a/0/1/2", ["a", "0", "2"]])`)).toEqual({ a: [[[9], 2]] });
    // OPA looks array elements up by the string index: a number segment keeps nothing
    expect(await value(`json.filter(${s}, [["a", 1]])`)).toEqual({ a: [] });
    const t = '{"a": {1, 2, {"x"}, {8, 9, 10}}}';
    expect(await holds(`json.filter(${t}, [["a", 1]]) == {"a": {1}}`)).toBe(true);
    expect(await holds(`json.filter(${t}, [["a", {"x"}]]) == {"a": {{"x"}}}`)).toBe(true);
    expect(await holds(`json.filter(${t}, [["a", {8, 9, 10}, 9]]) == {"a": {{9}}}`)).toBe(true);
    expect(await holds(`json.filter({1: {"k": 1, "j": 2}, "1": 3}, [[1, "k"]]) == {1: {"k": 1}}`)).toBe(true);
  });

  test('undefined for a non-object document or malformed paths', async () => {
    expect(await value('json.filter(input.a, ["a"])', { a: [1] })).toBeUndefined();
    expect(await value('json.filter({"a": 1}, input.p)', { p: 'a' })).toBeUndefined();
    expect(await value('json.filter({"a": 1}, input.p)', { p: [1] })).toBeUndefined();
  });
});

describe('json.remove', () => {
  test('removes the named paths; arrays close up, sets lose members by value', async () => {
    const obj = '{"a": {"b": 1, "c": 2}, "l": [1, 2, 3], "s": {1, {"x"}, 3}}';
    expect(await holds(`json.remove(${obj}, ["a/b", "l/1", ["s", {"x"}]]) == {"a": {"c": 2}, "l": [1, 3], "s": {1, 3}}`)).toBe(true);
    expect(await holds(`json.remove(${obj}, {"a", "s"}) == {"l": [1, 2, 3]}`)).toBe(true);
    expect(await holds(`json.remove({1: "one", "1": "str"}, [[1]]) == {"1": "str"}`)).toBe(true);
    expect(await value(`json.remove(${obj}, ["nope/x", "l/9"])`)).toEqual({ a: { b: 1, c: 2 }, l: [1, 2, 3], s: [1, 3, ['x']] });
  });

  test('undefined for a non-object document or malformed paths', async () => {
    expect(await value('json.remove(input.a, ["a"])', { a: 'x' })).toBeUndefined();
    expect(await value('json.remove({"a": 1}, input.p)', { p: [{}] })).toBeUndefined();
  });
});

describe('json.patch', () => {
  test('add, remove, replace, move, copy and test on objects and arrays', async () => {
    expect(
      await value(
        'json.patch({"a": {"foo": 1}}, [{"op": "add", "path": "/a/bar", "value": 2}, {"op": "replace", "path": "/a/foo", "value": 42}])',
      ),
    ).toEqual({
      a: { foo: 42, bar: 2 },
    });
    expect(
      await value(
        'json.patch([1, 2], [{"op": "add", "path": "/0", "value": 0}, {"op": "add", "path": "/3", "value": 3}, {"op": "add", "path": "/-", "value": 4}])',
      ),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(await value('json.patch({"arr": [1, 2, 3]}, [{"op": "remove", "path": "/arr/1"}])')).toEqual({ arr: [1, 3] });
    expect(await value('json.patch({"a": {"b": 1}}, [{"op": "move", "from": "/a/b", "path": "/c"}])')).toEqual({ a: {}, c: 1 });
    expect(await value('json.patch({"a": {"foo": 1}, "b": {}}, [{"op": "copy", "from": "/a/foo", "path": "/b/foo"}])')).toEqual({
      a: { foo: 1 },
      b: { foo: 1 },
    });
    expect(await value('json.patch({"foo/bar": {"baz~": 1}}, [{"op": "add", "path": "/foo~1bar/baz~0test", "value": 2}])')).toEqual({
      'foo/bar': { 'baz~': 1, 'baz~test': 2 },
    });
    expect(await value('json.patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1}])')).toEqual({ a: 1 });
    expect(await value('json.patch({"a": 1}, [{"op": "test", "path": "/a", "value": 2}])')).toBeUndefined();
    expect(await value('json.patch({1: "a"}, [{"op": "replace", "path": [1], "value": "b"}])')).toEqual({ 1: 'b' });
  });

  test('set members are addressed by value; a member changed inside is a new member', async () => {
    expect(await holds('json.patch({"a", "b", "c"}, [{"op": "add", "path": ["d"], "value": "d"}]) == {"a", "b", "c", "d"}')).toBe(true);
    expect(await holds('json.patch({"a", "b", "c"}, [{"op": "add", "path": "/d", "value": "d"}]) == {"a", "b", "c", "d"}')).toBe(true);
    expect(await holds('json.patch({"a", "b", "c"}, [{"op": "move", "from": ["a"], "path": ["a"]}]) == {"a", "b", "c"}')).toBe(true);
    expect(await holds('json.patch({"a", "b"}, [{"op": "remove", "path": ["a"]}]) == {"b"}')).toBe(true);
    expect(await value('json.patch({"a", "b"}, [{"op": "replace", "path": ["a"], "value": "c"}])')).toBeUndefined();
    expect(await value('json.patch({"a"}, [{"op": "add", "path": ["a"], "value": "b"}])')).toBeUndefined();
    const m = '{"a": [1]}';
    expect(await holds(`json.patch({${m}}, [{"op": "copy", "from": [${m}, "a", 0], "path": [${m}, "a", "-"]}]) == {{"a": [1, 1]}}`)).toBe(
      true,
    );
    expect(await holds(`json.patch({${m}}, [{"op": "test", "path": [${m}, "a", 0], "value": 1}]) == {${m}}`)).toBe(true);
    // the replace's remove changes the member, so its add no longer finds it
    expect(await value('json.patch({{"a": [1, 2]}}, [{"op": "replace", "path": [{"a": [1, 2]}, "a", 1], "value": 9}])')).toBeUndefined();
  });

  test('the root: replaced by add, removed (undefined) and added back', async () => {
    expect(await value('json.patch({"a": 1}, [{"op": "add", "path": "", "value": [1]}])')).toEqual([1]);
    expect(await value('json.patch({"a": 1}, [{"op": "remove", "path": ""}])')).toBeUndefined();
    expect(await value('json.patch({"a": 1}, [{"op": "remove", "path": []}, {"op": "add", "path": "", "value": {"b": 2}}])')).toEqual({
      b: 2,
    });
    expect(await value('json.patch({"a": 1}, [{"op": "remove", "path": ""}, {"op": "add", "path": "/b", "value": 2}])')).toBeUndefined();
    expect(await value('json.patch(7, [{"op": "replace", "path": "", "value": 8}])')).toBe(8);
  });

  test('an operation that cannot apply makes the whole call undefined and changes nothing', async () => {
    const undef = [
      '[1, 2], [{"op": "remove", "path": [-1]}]',
      '[1, 2], [{"op": "remove", "path": "/01"}]',
      '[1, 2], [{"op": "remove", "path": "/-"}]',
      '[1, 2], [{"op": "add", "path": "/3", "value": 0}]',
      '{}, [{"path": "/a", "value": 1}]',
      '{}, [{"op": "move", "path": "/a"}]',
      '{}, [{"op": "add", "path": "/a"}]',
      '{}, [{"op": "frobnicate", "path": "/a"}]',
      '{}, [{"op": 1, "path": {}, "value": 1}]',
      '{"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/c"}]',
      '{"a": 1}, [{"op": "add", "path": "/x/y", "value": 1}]',
      '{"a": 1}, [{"op": "add", "path": "/a/b", "value": 1}]',
    ];
    for (const args of undef) expect([args, await value(`json.patch(${args})`)]).toEqual([args, undefined]);
    expect(await value('json.patch({"a": 1}, input.ops)', { ops: {} })).toBeUndefined();
    expect(await value('json.patch({"a": 1}, input.ops)', { ops: [1] })).toBeUndefined();
    const p = await load(
      'package t\noriginal := {"a": [1, 2, 3]}\nfailed := json.patch(original, [{"op": "remove", "path": "/a/0"}, {"op": "remove", "path": "/missing"}])\n' +
        'partial := json.patch(original, [{"op": "remove", "path": "/a/0"}])\nx := [original, partial] if not failed\n',
      ['t/x'],
    );
    expect(evalBoth(p, 't/x', {})).toEqual([{ a: [1, 2, 3] }, { a: [2, 3] }]);
  });
});

describe('walk', () => {
  test('every [path, value] pair, pre-order, in OPA order, as a relation', async () => {
    const p = await load('package t\nx := [[path, v] | walk(input, [path, v])]\n', ['t/x']);
    expect(evalBoth(p, 't/x', { b: [10, { c: true }], a: 1 })).toEqual([
      [[], { a: 1, b: [10, { c: true }] }],
      [['a'], 1],
      [['b'], [10, { c: true }]],
      [['b', 0], 10],
      [['b', 1], { c: true }],
      [['b', 1, 'c'], true],
    ]);
    expect(evalBoth(p, 't/x', 'leaf')).toEqual([[[], 'leaf']]);
  });

  test('set members are their own path segments; non-string keys stay what they are', async () => {
    expect(await holds('[p | walk({"s": {2, 1}}, [p, _])] == [[], ["s"], ["s", 1], ["s", 2]]')).toBe(true);
    expect(await holds('[[p, v] | walk({1: "one"}, [p, v])] == [[[], {1: "one"}], [[1], "one"]]')).toBe(true);
  });

  test('output patterns select and destructure, and the pairs are values like any other', async () => {
    const p = await load(
      'package t\nx := [[section, role, members] | walk(data.doc, [[section, role], {"members": members}])]\n' +
        'leaves := count([v | walk(data.doc, [_, v]); is_string(v)])\n' +
        'paths contains concat("/", p) if { walk(data.doc, [p, v]); is_array(v) }\n',
      ['t/x', 't/leaves', 't/paths'],
    );
    p.setData({ doc: { team: { ops: { members: ['alice'] }, dev: { members: ['bob'] } } } });
    expect(evalBoth(p, 't/x', {})).toEqual([
      ['team', 'dev', ['bob']],
      ['team', 'ops', ['alice']],
    ]);
    expect(evalBoth(p, 't/leaves', {})).toBe(2);
    expect(evalBoth(p, 't/paths', {})).toEqual(['team/dev/members', 'team/ops/members']);
  });
});
