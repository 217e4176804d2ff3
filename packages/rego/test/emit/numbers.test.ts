/**
 * Numbers as OPA treats them: + - * / on decimals (exact scaled integers whenever the operands are
 * short decimals), integers exact to 64 bits, numbers kept as written (json.Number: `101.00` prints
 * as written and is a float to sprintf) but compared by value, and the JSON text of results,
 * including objects whose keys are not strings. Checked through the stock SDK on both ABI paths;
 * expected values are OPA's (topdown).
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile } from '../../src';
import { evalBoth, evalErrors, hostBuiltins, load, modules } from './sdk-helpers';

async function value(expr: string, input: unknown = {}): Promise<unknown> {
  const p = await load(`package t\nx := ${expr}\n`, ['t/x']);
  return evalBoth(p, 't/x', input);
}

test('sums, differences, products and quotients of decimals are the decimal results', async () => {
  expect(
    await value('[0.1 + 0.2, 0.3 - 0.1, -0.1 - 0.2, 1.1 * 3, 0.07 * 100, 1.005 * 1000, 100 - 0.01, 0.3 / 0.1, 15.3 / 3, -7.5 / 2.5]'),
  ).toEqual([0.3, 0.2, -0.3, 3.3, 7, 1005, 99.99, 3, 5.1, -3]);
  expect(await value('[0.1 + 0.2 == 0.3, 1.1 * 1.1 == 1.21, 0.3 / 0.1 == 3, 1 == 1.0]')).toEqual([true, true, true, true]);
  expect(await value('[sum([0.1, 0.2, 0.3]), product([1.1, 1.1, 10]), sum({0.1, 0.7})]')).toEqual([0.6, 12.1, 0.8]);
  // input numbers are decimals too
  expect(await value('input.price * input.qty', { price: 19.99, qty: 3 })).toBe(59.97);
});

test('operands with more digits fall back to doubles, the closest doubles get', async () => {
  expect(await value('[1 / 3, 2 / 3, 2 / 1e18, 0.1 + 1e-20, 1e300 * 10, 0.30000000000000004 - 0.3]')).toEqual([
    1 / 3,
    2 / 3,
    2e-18,
    0.1,
    1e301,
    0.30000000000000004 - 0.3,
  ]);
});

test('integer arithmetic is exact up to 2^53', async () => {
  expect(
    await value(
      '[9007199254740991 + 1, 9007199254740992 - 1, 94906265 * 94906265, 9007199254740991 % 10, 4503599627370496 * 2, -9007199254740991 - 1]',
    ),
  ).toEqual([9007199254740992, 9007199254740991, 9007199136250225, 1, 9007199254740992, -9007199254740992]);
  expect(await value('[9007199254740991 > 9007199254740990, 12345678901234 / 2, 7 / 2, -7 / 2]')).toEqual([true, 6172839450617, 3.5, -3.5]);
});

test('number text: literals as written, computed integers with all their digits, other numbers in their shortest form', async () => {
  expect(
    await value(
      'json.marshal([1152921504606846976, -4611686018427387904, 1e21, 0.1 + 0.2, 1e-7, 0.000001, -0, 0 * -1, 123456789, -2.5, 1e300 * 1e300])',
    ),
  ).toBe('[1152921504606846976,-4611686018427387904,1e21,0.3,1e-7,0.000001,-0,0,123456789,-2.5,1e+400]');
  expect(await value('json.marshal([1e21 * 1, 1e-7 * 1, 0.000001 * 1, 4 / 2])')).toBe('[1000000000000000000000,1e-7,0.000001,2]');
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
  const { wasm } = compile({
    modules: modules('package t\nx := {"s": {2, 1}, "e": set(), 1: [true, null, "q\\""]}\n'),
    entrypoints: ['t/x'],
  });
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

/** JSON text as the input document, unchanged (the SDK passes an ArrayBuffer input as it is). */
const jsonInput = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer;

/** The result text opa_eval (ABI 1.2) writes, before the SDK's JSON.parse reads it. */
async function resultText(source: string, inputText: string): Promise<string> {
  const { wasm } = compile({ modules: modules(source), entrypoints: ['t/x'] });
  const p = (await loadPolicy(wasm, undefined, hostBuiltins())) as unknown as {
    wasmInstance: WebAssembly.Instance;
    mem: WebAssembly.Memory;
    dataAddr: number;
    dataHeapPtr: number;
  };
  const ex = p.wasmInstance.exports as Record<string, (...a: number[]) => number>;
  const input = new TextEncoder().encode(inputText);
  new Uint8Array(p.mem.buffer).set(input, p.dataHeapPtr);
  let at = ex.opa_eval(0, 0, p.dataAddr, p.dataHeapPtr, input.length, p.dataHeapPtr + input.length, 0);
  const bytes = new Uint8Array(p.mem.buffer);
  let text = '';
  while (bytes[at] !== 0) text += String.fromCharCode(bytes[at++]);
  return text;
}

test('a number keeps its literal text: sprintf formats 101.00 as a float and 101 as an int', async () => {
  expect(
    await value(
      '[sprintf("%.2f", [101.00]), sprintf("%.2f", [101]), sprintf("%v", [101.00]), sprintf("%d", [1e0]), sprintf("%v", [1e3]), ' +
        'sprintf("%.2f", [to_number("101.00")]), sprintf("%d", [to_number("101")]), sprintf("%v", [[101.00, 1e0]]), ' +
        'sprintf("%s", [1.50]), sprintf("%e", [2.0]), sprintf("%g", [5]), sprintf("%.1f", [101.00 + 0]), sprintf("%d", [4 / 2])]',
    ),
  ).toEqual([
    '101.00',
    '%!f(int=101)',
    '101',
    '%!d(float64=1)',
    '1000',
    '101.00',
    '101',
    '[101.00, 1e0]',
    '%!s(float64=1.5)',
    '2.000000e+00',
    '%!g(int=5)',
    '%!f(int=101)',
    '2',
  ]);
  // input numbers keep the text the input document gives them
  const p = await load('package t\nx := [sprintf("%.1f|%v|%d", [input.a, input.a, input.b]), json.marshal(input)]\n', ['t/x']);
  expect(evalBoth(p, 't/x', jsonInput('{"a": 2.50, "b": 3}'))).toEqual(['2.5|2.5|3', '{"a":2.50,"b":3}']);
});

test('untouched numbers print as written; computed ones in canonical form', async () => {
  expect(
    await value('json.marshal([101.00, 1e0, 1.50, to_number("2.50"), 101.00 + 0, abs(-2.0), round(2.0), ceil(1.00), max([1.0, 0.5])])'),
  ).toBe('[101.00,1e0,1.50,2.50,101,2,2,1,1.0]');
  expect(
    await resultText(
      'package t\nx := {"a": 101.00, "b": input.n, "c": input.n + 0, "d": [input.big, input.big - 1]}\n',
      '{"n": 1.50, "big": 1700000000000000001}',
    ),
  ).toBe('[{"result":{"a":101.00,"b":1.50,"c":1.5,"d":[1700000000000000001,1700000000000000000]}}]');
});

test('json.unmarshal keeps the text of the numbers it reads, as OPA (json.Number)', async () => {
  expect(
    await value(
      '[json.marshal(json.unmarshal("{\\"a\\": 1.50, \\"b\\": [1700000000000000001, 1e0]}")), sprintf("%.1f|%d", [json.unmarshal("2.0"), json.unmarshal("2")]), json.unmarshal("[1.0]")[0] == 1]',
    ),
  ).toEqual(['{"a":1.50,"b":[1700000000000000001,1e0]}', '2.0|2', true]);
  const p = await load('package t\nx := json.unmarshal(input.s)\n', ['t/x']);
  expect(evalErrors(p, 't/x', { s: '{"a": 1' })).toEqual([
    expect.stringMatching(/json\.unmarshal/),
    expect.stringMatching(/json\.unmarshal/),
  ]);
});

test('numbers compare by value whatever their spelling: 1, 1.0 and 1e0 are one number', async () => {
  expect(
    await value(
      '[1 == 1.0, 1 == 1e0, 1.0 == 1e0, 10 == 1e1, 0.1e1 == 1, count({1, 1.0, 1e0}), {1: "a"}[1.0], {1.0: "b"}[1], ' +
        '1 < 1.5, 1e0 < 2, 2.50 == 2.5, count({[1], [1.0]}), 100 in {1e2}, 1.0 != 1, sort([2, 1.0, 1.5e0])]',
    ),
  ).toEqual([true, true, true, true, true, 1, 'a', 'b', true, true, true, 1, true, false, [1, 1.5, 2]]);
  const p = await load(
    'package t\nx := [input.a == input.b, count({input.a, input.b, 1}), input.c == 1700000000000000001, input.c == 1700000000000000000]\n',
    ['t/x'],
  );
  expect(evalBoth(p, 't/x', jsonInput('{"a": 1.0, "b": 1, "c": 1700000000000000001}'))).toEqual([true, 1, true, false]);
});

test('arrays are indexed by integers as written: arr[1.0] is undefined, as in OPA', async () => {
  const p = await load(
    'package t\nx := [[v | v := input.a[1]], [v | v := input.a[1.0]], [v | v := input.a[1e0]], object.get(input, ["a", 1.0], "none"), object.get(input, ["a", 1], "none"), [v | v := input.a[2 - 1.0]]]\n',
    ['t/x'],
  );
  expect(evalBoth(p, 't/x', { a: [10, 20] })).toEqual([[20], [], [], 'none', 20, [20]]);
});

test('integers are exact to 64 bits', async () => {
  expect(
    await value(
      'json.marshal([9223372036854775807, -9223372036854775808, 9007199254740993, 9223372036854775807 - 1, -9223372036854775808 + 1, ' +
        '9007199254740993 + 1, 1700000000000000000 + 123456789, 1700000000000000001 * 1, product([1000000000, 1000000000, 9]), ' +
        'sum([1700000000000000001, 1]), 1700000000000000001 % 1000, 1700000000000000002 / 2, abs(-9223372036854775807), ' +
        'max([1700000000000000001, 1700000000000000000]) + 0, min({1700000000000000001, 1700000000000000002}) + 0, 3 / 2, 4 / 2, -7 % 3, ' +
        'floor(9007199254740993), count([1, 2]) * 4611686018427387903])',
    ),
  ).toBe(
    '[9223372036854775807,-9223372036854775808,9007199254740993,9223372036854775806,-9223372036854775807,9007199254740994,' +
      '1700000000123456789,1700000000000000001,9000000000000000000,1700000000000000002,1,850000000000000001,9223372036854775807,' +
      '1700000000000000001,1700000000000000001,1.5,2,-1,9007199254740993,9223372036854775806]',
  );
  expect(
    await value(
      '[9007199254740993 == 9007199254740992, 9007199254740993 > 9007199254740992, 9223372036854775807 > 9223372036854775806, ' +
        'count({9007199254740993, 9007199254740992}), 1700000000000000001 - 1700000000000000000, -9223372036854775808 < -9223372036854775807]',
    ),
  ).toEqual([false, true, true, 2, 1, true]);
  expect(
    await value(
      '[sprintf("%d", [9223372036854775807]), sprintf("%x", [9223372036854775807]), sprintf("%d", [-9223372036854775808]), ' +
        'sprintf("%v", [1700000000000000001 + 1]), sprintf("%d", [12345678901234567890123]), sprintf("%v", [-12345678901234567890123]), ' +
        'sprintf("%d|%v", [1e21 * 1, -1e30 * 1])]',
    ),
  ).toEqual([
    '9223372036854775807',
    '7fffffffffffffff',
    '-9223372036854775808',
    '1700000000000000002',
    '12345678901234567890123',
    '-12345678901234567890123',
    '1000000000000000000000|-1000000000000000000000000000000',
  ]);
  const p = await load('package t\nx := json.marshal([input.t + 1, input.t * 2, input.t % 7])\n', ['t/x']);
  expect(evalBoth(p, 't/x', jsonInput('{"t": 1700000000000000001}'))).toBe('[1700000000000000002,3400000000000000002,2]');
});

test('format_int is exact for 64-bit integers and takes the base as written', async () => {
  expect(
    await value(
      '[format_int(1700000000000000001, 10), format_int(-9223372036854775808, 16), format_int(9223372036854775807, 2), format_int(-3.9, 10), ' +
        'format_int(to_number("1e2"), 8), format_int(18446744073709551617, 10), format_int(1e21 * 1, 10), format_int(-0.5, 10)]',
    ),
  ).toEqual([
    '1700000000000000001',
    '-8000000000000000',
    '1'.repeat(63),
    '-3',
    '144',
    '18446744073709551617',
    '1000000000000000000000',
    '0',
  ]);
  const p = await load('package t\nx := format_int(5, 10.0)\n', ['t/x']);
  expect(evalErrors(p, 't/x')).toEqual([
    expect.stringMatching(/format_int: operand 2 must be one of \{2, 8, 10, 16\}/),
    expect.stringMatching(/operand 2/),
  ]);
});

test('% takes integers only, whatever their spelling', async () => {
  expect(await value('[5.0 % 2, 1e1 % 3]')).toEqual([1, 1]);
  const p = await load('package t\nx := 5.5 % 2\n', ['t/x']);
  expect(evalErrors(p, 't/x')).toEqual([
    expect.stringMatching(/modulo on floating-point number/),
    expect.stringMatching(/modulo on floating-point number/),
  ]);
});

test('nanosecond timestamps are exact', async () => {
  expect(
    await value(
      '[time.parse_rfc3339_ns("2023-11-14T22:13:20.000000001Z") == 1700000000000000001, ' +
        'json.marshal(time.parse_rfc3339_ns("2023-11-14T22:13:20.000000001Z")), ' +
        'json.marshal(time.parse_rfc3339_ns("2023-11-14T22:13:20.000000001Z") + time.parse_duration_ns("1h")), ' +
        'time.parse_ns("2006-01-02T15:04:05.999999999Z07:00", "2023-11-14T22:13:20.123456789Z") % 1000000000, ' +
        'json.marshal(time.parse_rfc3339_ns("2262-04-11T23:47:16.854775807Z")), time.now_ns() % 1000000, ' +
        'json.marshal(time.add_date(1700000000000000000, 0, 0, 1))]',
    ),
  ).toEqual([true, '1700000000000000001', '1700003600000000001', 123456789, '9223372036854775807', 0, '1700086400000000000']);
  expect(String(await value('json.marshal(time.now_ns())'))).toMatch(/^\d{19}$/);
});
