#!/usr/bin/env node
/**
 * Builds the value runtime (runtime/assembly, AssemblyScript) into runtime/build/runtime.wasm,
 * the module the compiler splices each policy's plan into (src/emit). Runs at `npm install`
 * (root `prepare`) and through `npm run build:runtime`; fails loudly with asc's diagnostics.
 */
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const here = __dirname;
const outFile = path.join(here, 'build', 'runtime.wasm');

/**
 * asc flags, each for a reason:
 * - custom runtime rt.ts: a bump allocator the SDK's opa_heap_ptr_set resets (no second allocator, no GC)
 * - importMemory: the SDK owns the memory (5 pages, no maximum); no --initialMemory/--maximumMemory
 * - abort routed to opa_abort with an ASCII message
 * - -O3 for speed, noAssert: failures the runtime cares about are explicit opa_abort calls
 */
const args = [
  'runtime/assembly/index.ts',
  '--baseDir',
  path.join(here, '..'),
  '--outFile',
  path.relative(path.join(here, '..'), outFile),
  '--runtime',
  'runtime/assembly/rt',
  '--importMemory',
  '--noExportMemory',
  '--use',
  'abort=runtime/assembly/host/asAbort',
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
];

async function main() {
  let asc;
  try {
    asc = await import('assemblyscript/asc');
  } catch (e) {
    throw new Error(`build:runtime needs the assemblyscript devDependency (npm install): ${e.message}`);
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  // A failed build must not leave the previous runtime behind looking current.
  fs.rmSync(outFile, { force: true });
  const started = Date.now();
  let stderrText = '';
  const { error, stderr } = await asc.main(args, {
    stdout: process.stdout,
    stderr: {
      write: (s) => {
        stderrText += s;
        return true;
      },
    },
  });
  if (error) {
    process.stderr.write(stderrText || String(stderr));
    throw new Error(`build:runtime: asc failed: ${error.message}`);
  }
  if (stderrText.trim()) process.stderr.write(stderrText);
  const bytes = fs.readFileSync(outFile);
  checkModule(bytes);
  console.log(`build:runtime: ${path.relative(process.cwd(), outFile)} (${bytes.length} bytes, ${Date.now() - started} ms)`);
}

/** The properties the emitter and the SDK rely on; a failure here means the runtime source or asc changed. */
function checkModule(bytes) {
  const mod = new WebAssembly.Module(bytes);
  const exports = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
  const required = [
    'opa_wasm_abi_version',
    'opa_wasm_abi_minor_version',
    'builtins',
    'entrypoints',
    'opa_malloc',
    'opa_free',
    'opa_heap_ptr_get',
    'opa_heap_ptr_set',
    'opa_json_parse',
    'opa_json_dump',
    'opa_eval_ctx_new',
    'opa_eval_ctx_set_input',
    'opa_eval_ctx_set_data',
    'opa_eval_ctx_set_entrypoint',
    'opa_eval_ctx_get_result',
    'eval',
    'opa_eval',
    '__opa_load_plan',
    'opajwt_arm_budget',
  ];
  const missing = required.filter((n) => !exports.has(n));
  if (missing.length) throw new Error(`build:runtime: runtime.wasm lacks exports ${missing.join(', ')}`);
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.module !== 'env') throw new Error(`build:runtime: unexpected import ${imp.module}.${imp.name}`);
  }
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
