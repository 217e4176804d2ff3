import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins } from '../../src';
async function run(src: string, ep: string, input?: unknown, data: object = {}) {
  try {
    const { wasm } = compile({ modules: [{ path: 'x.rego', source: src }], entrypoints: [ep] });
    const p = await loadPolicy(wasm, undefined, hostBuiltins);
    p.setData(data);
    return JSON.stringify(p.evaluate(input, ep));
  } catch (e) { return 'ERR ' + String((e as Error).message ?? e); }
}
test('x', async () => {
  const out: string[] = [];
  out.push(await run('package p\nq := x if { x := y + 1; y = 1 }', 'p/q'));
  out.push(await run('package p\nq if { every k, v in input { k == v } }', 'p/q', { a: 'a', b: 'b' }));
  out.push(await run('package p\nq if { every k, v in input { k == v } }', 'p/q', { a: 'a', b: 'c' }));
  out.push(await run('package p\nq := y if { y := data.x with data.x as 5 }', 'p/q'));
  out.push(await run('package p\nq := y if { y := r with input.a as 1 }\nr := input', 'p/q'));
  out.push(await run('package p\nq := y if { y := r with input.a.b as 1 }\nr := input', 'p/q', { a: { c: 2 } }));
  out.push(await run('package p\nq := y if { y := r with data.p.s as 9 }\nr := s + 1\ns := 1', 'p/q'));
  out.push(await run('package p\nq := [x | some x in input; x > 1]', 'p/q', [1, 2, 3]));
  out.push(await run('package p\nq := {k: v | some k, v in input}', 'p/q', { a: 1 }));
  out.push(await run('package p\nq := count({x | x := input[_]})', 'p/q', [1, 1, 2]));
  out.push(await run('package p\nq := x if { [x, _] = input }', 'p/q', [1, 2]));
  out.push(await run('package p\nq := x if { {"a": x} = input }', 'p/q', { a: 3 }));
  out.push(await run('package p\nq := x if { input = {"a": x} }', 'p/q', { a: 3 }));
  out.push(await run('package p\nq := 1 / 0', 'p/q'));
  out.push(await run('package p\nq := x if { x := input.a[_]; x > 1 }', 'p/q', { a: [1, 2, 3] }));
  out.push(await run('package p\nimport input.a as aa\nq := aa.b', 'p/q', { a: { b: 7 } }));
  out.push(await run('package p\nq := {1, 2} | {3}', 'p/q'));
  out.push(await run('package p\nq := 5 - 3.5', 'p/q'));
  out.push(await run('package p\nq := 1e400', 'p/q'));
  out.push(await run('package p\nq := 12345678901234567890', 'p/q'));
  out.push(await run('package p\nf(x) := x + 1\nq := y if { f(1, y) }', 'p/q'));
  out.push(await run('package p\nq if { print("hi", input.a, 1) }', 'p/q', {}));
  out.push(await run('package p\nq := x if { x := data.d[k]; k == "b" }', 'p/q', {}, { d: { a: 1, b: 2 } }));
  out.push(await run('package p\nq[k] := v if { some k, v in data.d }\nr := q.b', 'p/r', {}, { d: { a: 1, b: 2 } }));
  console.log(out.join('\n'));
});
