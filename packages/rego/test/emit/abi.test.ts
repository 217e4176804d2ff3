/**
 * The module's contract with the stock SDK: exports, memory declaration, builtins() listing,
 * host builtin results, loading paths, large plans and flat memory over many evaluations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPolicy, loadPolicySync } from '@open-policy-agent/opa-wasm';
import { compile } from '../../src';
import {
  EVALUATION_BUDGET_ARM,
  EVALUATION_BUDGET_BUILTIN,
  NATIVE_BUILTINS,
  NATIVES_WITH_HOST_FALLBACK,
  hostBuiltinNames,
} from '../../src/emit';
import { Reader, SECTION, readSections } from '../../src/emit/binary';
import { evalBoth, evalErrors, hostBuiltins, load, modules } from './sdk-helpers';

const MCP_POLICY = path.join(__dirname, '..', '..', '..', '..', 'policies', 'mcp-tools.rego');

function memoryImportLimits(wasm: Uint8Array): { min: number; max?: number } {
  const imports = readSections(wasm).find((s) => s.id === SECTION.import)!;
  const r = new Reader(imports.body);
  for (let n = r.u32(); n > 0; n--) {
    const mod = r.name();
    const name = r.name();
    const kind = r.byte();
    if (kind === 0) r.u32();
    else if (kind === 2) {
      const flags = r.byte();
      const min = r.u32();
      const max = flags & 1 ? r.u32() : undefined;
      if (`${mod}.${name}` === 'env.memory') return { min, max };
    } else throw new Error(`unexpected import kind ${kind}`);
  }
  throw new Error('no env.memory import');
}

describe('module shape', () => {
  const { wasm } = compile({ modules: modules('package t\nx := upper(input.s)\ny := count(input.s)\n'), entrypoints: ['t/x', 't/y'] });
  const mod = new WebAssembly.Module(wasm);

  test('imports only what the SDK offers; memory with no maximum and at most 5 pages', () => {
    const offered = new Set([
      'memory',
      'opa_abort',
      'opa_println',
      'opa_builtin0',
      'opa_builtin1',
      'opa_builtin2',
      'opa_builtin3',
      'opa_builtin4',
    ]);
    for (const imp of WebAssembly.Module.imports(mod)) {
      expect(imp.module).toBe('env');
      expect(offered.has(imp.name)).toBe(true);
    }
    const limits = memoryImportLimits(wasm);
    expect(limits.max).toBeUndefined();
    expect(limits.min).toBeLessThanOrEqual(5);
  });

  test('exports the ABI 1.2 functions and globals, nothing of the runtime internals', () => {
    const names = WebAssembly.Module.exports(mod)
      .map((e) => e.name)
      .sort();
    expect(names).toEqual(
      [
        'builtins',
        'entrypoints',
        'eval',
        'opa_eval',
        'opa_eval_ctx_get_result',
        'opa_eval_ctx_new',
        'opa_eval_ctx_set_data',
        'opa_eval_ctx_set_entrypoint',
        'opa_eval_ctx_set_input',
        'opa_free',
        'opa_heap_ptr_get',
        'opa_heap_ptr_set',
        'opa_json_dump',
        'opa_json_parse',
        'opa_malloc',
        'opa_value_dump',
        'opa_wasm_abi_minor_version',
        'opa_wasm_abi_version',
        EVALUATION_BUDGET_ARM,
      ].sort(),
    );
  });

  test('builtins() lists the host builtins the plan calls, entrypoints() numbers entry points in order', async () => {
    const p = await loadPolicy(wasm, undefined, hostBuiltins());
    const inst = (p as unknown as { wasmInstance: WebAssembly.Instance }).wasmInstance;
    const e = inst.exports as Record<string, WebAssembly.Global | ((...a: number[]) => number)>;
    expect((e.opa_wasm_abi_version as WebAssembly.Global).value).toBe(1);
    expect((e.opa_wasm_abi_minor_version as WebAssembly.Global).value).toBe(2);
    const dump = (addr: number): unknown => {
      const at = (e.opa_json_dump as (a: number) => number)(addr);
      const bytes = new Uint8Array(p.mem.buffer);
      let end = at;
      while (bytes[end] !== 0) end++;
      return JSON.parse(new TextDecoder().decode(bytes.subarray(at, end)));
    };
    // The budget builtin comes last; the module asks for it only once a host armed the budget.
    expect(dump((e.builtins as () => number)())).toEqual({ upper: 0, [EVALUATION_BUDGET_BUILTIN]: 1 });
    expect(p.entrypoints).toEqual({ 't/x': 0, 't/y': 1 });
    // The SDK's default entry point is id 0.
    expect(p.evaluate({ s: 'ab' })).toEqual([{ result: 'AB' }]);
  });

  test('the compiler and the runtime agree on which builtins are native', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'runtime', 'assembly', 'natives.ts'), 'utf8');
    const list = /NATIVE_NAMES: StaticArray<string> = \[([^\]]*)\]/.exec(source);
    expect(list).not.toBeNull();
    const runtimeNames = [...list![1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(runtimeNames)).toEqual(new Set(NATIVE_BUILTINS));
    expect(runtimeNames.length).toBe(NATIVE_BUILTINS.size);
  });

  test('native builtins never reach the host, except those that hand rare calls to it', () => {
    const calls = [...NATIVE_BUILTINS].filter((n) => !n.startsWith('internal.'));
    expect(
      hostBuiltinNames({
        consts: [],
        funcs: [{ name: 'f', params: 0, locals: 1, result: 0, memo: false, body: calls.map((n) => ['call', n, [], 0]) }],
        entrypoints: {},
      }),
    ).toEqual([...NATIVES_WITH_HOST_FALLBACK].sort());
  });
});

describe('loading', () => {
  test('loadPolicySync, and several modules of the same policy side by side', async () => {
    const { wasm } = compile({ modules: modules('package t\nx := input.a + 1\n'), entrypoints: ['t/x'] });
    const a = loadPolicySync(wasm, undefined, hostBuiltins());
    const b = await loadPolicy(wasm, undefined, hostBuiltins());
    expect(evalBoth(a, 't/x', { a: 1 })).toBe(2);
    expect(evalBoth(b, 't/x', { a: 41 })).toBe(42);
    expect(evalBoth(a, 't/x', { a: 2 })).toBe(3);
  });

  test('a plan much larger than the initial 5 pages of memory', async () => {
    const rules: string[] = [];
    for (let i = 0; i < 2500; i++) rules.push(`r${i} := "value number ${i} with some padding to make the plan bigger" if input.n == ${i}`);
    const hit = 'package q\nhit := [v | some i in numbers.range(0, 2499); v := data.t[sprintf("r%d", [i])]]\n';
    const compiled = compile({ modules: modules([`package t\n${rules.join('\n')}\n`, hit]), entrypoints: ['q/hit', 't/r2499'] });
    expect(compiled.wasm.length).toBeGreaterThan(5 * 65536);
    const p = await loadPolicy(compiled.wasm, undefined, hostBuiltins());
    expect(evalBoth(p, 't/r2499', { n: 2499 })).toBe('value number 2499 with some padding to make the plan bigger');
    expect(evalBoth(p, 'q/hit', { n: 7 })).toEqual(['value number 7 with some padding to make the plan bigger']);
  });
});

describe('host builtins', () => {
  test('an undefined host result makes the expression undefined; array results become sets where the signature says so', async () => {
    const src = `package t
up := upper(input.s)
cidrs := net.cidr_expand(input.c)
is_a_set if is_set(cidrs)
n := count(cidrs | {"extra"})
`;
    const builtins = {
      upper: (s: unknown) => (typeof s === 'string' ? s.toUpperCase() : undefined),
      'net.cidr_expand': (c: unknown) => (c === '10.0.0.0/31' ? ['10.0.0.0', '10.0.0.1'] : undefined),
    };
    const p = await load(src, ['t/up', 't/cidrs', 't/is_a_set', 't/n'], builtins);
    expect(evalBoth(p, 't/up', { s: 'abc' })).toBe('ABC');
    expect(evalBoth(p, 't/up', { s: 1 })).toBeUndefined();
    expect(evalBoth(p, 't/is_a_set', { c: '10.0.0.0/31' })).toBe(true);
    expect(evalBoth(p, 't/n', { c: '10.0.0.0/31' })).toBe(3);
    expect(evalBoth(p, 't/cidrs', { c: 'x' })).toBeUndefined();
  });

  test('a host builtin that throws fails the evaluation', async () => {
    const p = await load('package t\nup := upper(input.s)\n', ['t/up'], {
      upper: () => {
        throw new Error('boom');
      },
    });
    // upper runs natively on ASCII and hands other text to the host
    for (const e of evalErrors(p, 't/up', { s: 'é' })) expect(e).toMatch(/boom/);
  });

  test('the SDK reports a builtin nobody implements', async () => {
    const p = await load('package t\nup := upper(input.s)\n', ['t/up'], {});
    for (const e of evalErrors(p, 't/up', { s: 'é' })) expect(e).toMatch(/not implemented: built-in function 0: upper/);
  });
});

describe('memory', () => {
  test('stays flat over 100k evaluations on the 1.2 path, and data survives them', async () => {
    const compiled = compile({
      modules: [{ path: 'mcp-tools.rego', source: fs.readFileSync(MCP_POLICY, 'utf8') }],
      entrypoints: ['mcp/tools/result'],
    });
    const p = await loadPolicy(compiled.wasm, undefined, hostBuiltins());
    p.setData({ keep: { me: ['intact'] } });
    const input = {
      jwt: { payload: { sub: 'agent', scope: 'tickets:read tickets:write' } },
      request: { mcp: { type: 'tool', tool: { params: { name: 'book_ticket', arguments: { seats: 2 } } } } },
    };
    const expected = [{ result: { allowed: true } }];
    for (let i = 0; i < 1000; i++) p.evaluate(input, 'mcp/tools/result');
    const before = p.mem.buffer.byteLength;
    for (let i = 0; i < 100_000; i++) {
      // vary the input length so the unaligned heap pointer of ABI 1.2 moves around
      input.jwt.payload.sub = i % 2 ? 'agent' : 'agent-x';
      const r = p.evaluate(input, 'mcp/tools/result');
      if (i % 10_000 === 0) expect(r).toEqual(expected);
    }
    expect(p.mem.buffer.byteLength).toBe(before);
    const probe = await loadPolicy(compile({ modules: modules('package t\nk := data.keep\n'), entrypoints: ['t/k'] }).wasm, undefined, {});
    probe.setData({ keep: { me: ['intact'] } });
    expect(evalBoth(probe, 't/k', {})).toEqual({ me: ['intact'] });
  });

  test('the base data document is intact after many evaluations on both paths', async () => {
    const p = await load('package t\nroles := data.users[input.u]\nall := data.users\n', ['t/roles', 't/all']);
    const data = { users: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`u${i}`, [`r${i}`, 'common']])) };
    p.setData(data);
    for (let i = 0; i < 20_000; i++) {
      const got = evalBoth(p, 't/roles', { u: `u${i % 50}`, pad: 'x'.repeat(i % 7) });
      if (i % 1000 === 0) expect(got).toEqual([`r${i % 50}`, 'common']);
    }
    expect(evalBoth(p, 't/all', {})).toEqual(data.users);
  });
});
