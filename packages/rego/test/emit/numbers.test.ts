/**
 * Numbers as OPA's own wasm runtime treats them: + - * / on decimals (libmpdec there; here exact
 * scaled integers whenever the operands are short decimals), integers exact, and the JSON text of
 * results, including objects whose keys are not strings. Checked through the stock SDK on both ABI paths.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile } from '../../src';
import { evalBoth, hostBuiltins, load, modules } from './sdk-helpers';

async function value(expr: string, input: unknown = {}): Promise<unknown> {
  const p = await load(`package t\nx := ${expr}\n`, ['t/x']);
  return evalBoth(p, 't/x', input);
}

test('sums, differences, products and quotients of decimals are the decimal results', async () => {
  expect(await value('[0.1 + 0.2, 0.3 - 0.1, -0.1 - 0.2, 1.1 * 3, 0.07 * 100, 1.005 * 1000, 100 - 0.01, 0.3 / 0.1, 15.3 / 3, -7.5 / 2.5]')).toEqual([
    0.3, 0.2, -0.3, 3.3, 7, 1005, 99.99, 3, 5.1, -3,
  ]);
  expect(await value('[0.1 + 0.2 == 0.3, 1.1 * 1.1 == 1.21, 0.3 / 0.1 == 3, 1 == 1.0]')).toEqual([true, true, true, true]);
  expect(await value('[sum([0.1, 0.2, 0.3]), product([1.1, 1.1, 10]), sum({0.1, 0.7})]')).toEqual([0.6, 12.1, 0.8]);
  // input numbers are decimals too
  expect(await value('input.price * input.qty', { price: 19.99, qty: 3 })).toBe(59.97);
});

test('operands with more digits fall back to doubles, the closest doubles get', async () => {
  expect(await value('[1 / 3, 2 / 3, 2 / 1e18, 0.1 + 1e-20, 1e300 * 10, 0.30000000000000004 - 0.3]')).toEqual([
    1 / 3, 2 / 3, 2e-18, 0.1, 1e301, 0.30000000000000004 - 0.3,
  ]);
});

test('integer arithmetic is exact up to 2^53', async () => {
  expect(await value('[9007199254740991 + 1, 9007199254740992 - 1, 94906265 * 94906265, 9007199254740991 % 10, 4503599627370496 * 2, -9007199254740991 - 1]')).toEqual([
    9007199254740992, 9007199254740991, 9007199136250225, 1, 9007199254740992, -9007199254740992,
  ]);
  expect(await value('[9007199254740991 > 9007199254740990, 12345678901234 / 2, 7 / 2, -7 / 2]')).toEqual([true, 6172839450617, 3.5, -3.5]);
});

test('number text: literals as written, computed integers with all their digits, other numbers in their shortest form', async () => {
  expect(await value('json.marshal([1152921504606846976, -4611686018427387904, 1e21, 0.1 + 0.2, 1e-7, 0.000001, -0, 0 * -1, 123456789, -2.5, 1e300 * 1e300])')).toBe(
    '[1152921504606846976,-4611686018427387904,1e21,0.3,1e-7,0.000001,-0,0,123456789,-2.5,1e+400]',
  );
  expect(await value('json.marshal([1e21 * 1, 1e-7 * 1, 0.000001 * 1, 4 / 2])')).toBe('[1e+21,1e-7,0.000001,2]');
  // the result document itself: what the SDK's JSON.parse reads from it
  expect(await value('[1e300 * 1e300, -1e300 * 1e300, 1e21, 5e-324 * 1]')).toEqual([Infinity, -Infinity, 1e21, 5e-324]);
});

test('object keys that are not strings are written as their JSON text, as OPA does', async () => {
  const obj = '{1: "a", [1, "x"]: 2, {2}: 3, null: 4, true: 5, {"k": 1}: 6, "s": 7}';
  expect(await value(obj)).toEqual({ 1: 'a', '[1,"x"]': 2, '[2]': 3, null: 4, true: 5, '{"k":1}': 6, s: 7 });
  expect(await value(`json.marshal(${obj})`)).toBe('{"null":4,"true":5,"1":"a","s":7,"[1,\\"x\\"]":2,"{\\"k\\":1}":6,"[2]":3}');
  // inside the policy they stay what they are
  expect(await value(`[${obj}[1], ${obj}[{2}], count(${obj})]`)).toEqual(['a', 3, 7]);
});

test('opa_value_dump writes set literals and keys of any type, as OPA', async () => {
  const { wasm } = compile({ modules: modules('package t\nx := {"s": {2, 1}, "e": set(), 1: [true, null, "q\\""]}\n'), entrypoints: ['t/x'] });
  const p = await loadPolicy(wasm, undefined, hostBuiltins());
  const ex = (p as unknown as { wasmInstance: WebAssembly.Instance }).wasmInstance.exports as Record<string, (...a: number[]) => number>;
  const ctx = ex.opa_eval_ctx_new();
  ex.opa_eval_ctx_set_entrypoint(ctx, 0);
  ex.eval(ctx);
  const bytes = new Uint8Array(p.mem.buffer);
  let at = ex.opa_value_dump(ex.opa_eval_ctx_get_result(ctx));
  let text = '';
  while (bytes[at] !== 0) text += String.fromCharCode(bytes[at++]);
  expect(text).toBe('[{"result":{1:[true,null,"q\\""],"e":set(),"s":{1,2}}}]');
});
