/** The facts a module of ours carries (custom section `opa-jwt.entrypoint-facts`), read back from the bytes. */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, readEntrypointFacts } from '../../src';
import { emitWasm } from '../../src/emit';
import { SECTION, Writer } from '../../src/emit/binary';
import { ENTRYPOINT_FACTS_SECTION } from '../../src/emit/entrypoint-facts';

const SOURCE = 'package p\nr := input.a.b\nnow := time.now_ns()';

test('compile() writes each entry point’s reads and determinism into the module, and they read back the same', async () => {
  const result = compile({ modules: [{ path: 'p.rego', source: SOURCE }], entrypoints: ['p/r', 'p/now'] });
  expect(readEntrypointFacts(result.wasm)).toEqual({
    'p/r': { inputReads: { a: { b: true } }, deterministic: true },
    'p/now': { inputReads: {}, deterministic: false },
  });
  expect(result.inputReads).toEqual({ 'p/r': { a: { b: true } }, 'p/now': {} });
  expect(result.deterministic).toEqual({ 'p/r': true, 'p/now': false });
  // The SDK ignores the section.
  const policy = await loadPolicy(result.wasm, undefined, hostBuiltins);
  expect(policy.evaluate({ a: { b: 7 } }, 'p/r')).toEqual([{ result: 7 }]);
});

test('a module without the section, or with one this version does not understand, carries nothing', () => {
  const bare = compile({ modules: [{ path: 'p.rego', source: SOURCE }], entrypoints: ['p/r'] }).plan;
  const plain = emitWasm(bare);
  expect(readEntrypointFacts(plain)).toBeUndefined();
  const withPayload = (payload: string): Uint8Array => {
    const body = new Writer().name(ENTRYPOINT_FACTS_SECTION).bytes(new TextEncoder().encode(payload)).finish();
    return new Writer().bytes(plain).byte(SECTION.custom).sized(body).finish();
  };
  expect(readEntrypointFacts(withPayload('{"version":2,"entrypoints":{}}'))).toBeUndefined();
  expect(readEntrypointFacts(withPayload('not json'))).toBeUndefined();
  expect(
    readEntrypointFacts(withPayload('{"version":1,"entrypoints":{"p/r":{"inputReads":{"a":1},"deterministic":true}}}')),
  ).toBeUndefined();
  expect(readEntrypointFacts(withPayload('{"version":1,"entrypoints":{"p/r":{"inputReads":true}}}'))).toBeUndefined();
  expect(readEntrypointFacts(new Uint8Array([1, 2, 3]))).toBeUndefined();
  // Two such sections: which one would be meant is unclear, so neither.
  const twice = withPayload('{"version":1,"entrypoints":{}}');
  const body = new Writer().name(ENTRYPOINT_FACTS_SECTION).bytes(new TextEncoder().encode('{"version":1,"entrypoints":{}}')).finish();
  expect(readEntrypointFacts(new Writer().bytes(twice).byte(SECTION.custom).sized(body).finish())).toBeUndefined();
});
