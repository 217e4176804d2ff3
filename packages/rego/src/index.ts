/**
 * @opa-jwt/rego: compiles Rego modules to WebAssembly modules that run on the stock
 * @open-policy-agent/opa-wasm SDK. Pipeline as OPA's: parse → compile (resolve, check, rewrite) → plan → emit.
 */
import { parseModule } from './parse';
import type { Module } from './parse/ast';
import type { Program } from './plan/ir';
import { compileModules } from './compile';
import { emitWasm } from './emit';
import { RegoCompileError } from './errors';
import { entrypointFacts, withEntrypointFacts } from './emit/entrypoint-facts';
import type { InputReads } from './plan/input-reads';

export { parseModule, parseQuery } from './parse';
export { RegoCompileError, RegoCompileErrors } from './errors';
export type { RegoErrorCode } from './errors';
export { hostBuiltins } from './builtins';
export { normaliseEntrypoint } from './compile';
export { entrypointHint } from './compile/suggest';
// Thrown by compile() when runtime/build/runtime.wasm was not built (`npm run build:runtime`).
export { RuntimeNotBuiltError } from './emit';
// How a host bounds evaluations of the modules this compiler makes (see src/emit/budget.ts).
export { EVALUATION_BUDGET_BUILTIN, EVALUATION_BUDGET_ARM } from './emit';
export type { Program } from './plan/ir';
export { inputReads, projectInput } from './plan/input-reads';
export type { InputReads } from './plan/input-reads';
export { isDeterministic } from './plan/determinism';
export { readEntrypointFacts, ENTRYPOINT_FACTS_SECTION } from './emit/entrypoint-facts';
export type { EntrypointFacts } from './emit/entrypoint-facts';
// OPA bundle (.tar.gz) reading and writing, for loaders such as @opa-jwt/core's `policy:` option.
export { readBundle, writeBundle, BundleError, normalizePath as normalizeBundlePath } from './bundle';
// Signed bundles (`.signatures.json`, as OPA writes and checks them): signing here, verification in @opa-jwt/core,
// which reads the tar's files and hashes them the same way.
export { signBundle, readTar, fileDigest, SIGNATURES_FILE, SignatureFormatError } from './bundle';
// Data files placed at their paths, as a bundle's loader must (for loaders that read the files themselves).
export { mergeData as mergeBundleData } from './bundle';
export type { SigningOptions } from './bundle';
export type { Bundle, BundleManifest } from './bundle';
// Rego unit tests (`test_` rules) run like `opa test`, on the stock SDK.
export { runRegoTests, formatTestReport } from './testing';
export type { RegoTestModule, RegoTestOptions, RegoTestResult, RegoTestStatus, ReportOptions } from './testing';

export interface CompileSource {
  /** File name used in error locations. */
  path: string;
  source: string;
  /** Syntax of this module alone (overrides `CompileOptions.v0Compatible`), as bundles may mix v0 and v1 files. */
  v0Compatible?: boolean;
}

export interface CompileOptions {
  modules: CompileSource[];
  /** `pkg/rule`, a whole package `pkg`, or `data.pkg.rule`. */
  entrypoints: string[];
  /** Accept v0 syntax in modules that do not import rego.v1. */
  v0Compatible?: boolean;
}

export interface CompileResult {
  wasm: Uint8Array<ArrayBuffer>;
  /** Entry point names as the SDK knows them (`pkg/rule`). */
  entrypoints: string[];
  plan: Program;
  /** Per entry point: the parts of the input it can read (see `inputReads`); a host may pass only those. */
  inputReads: Record<string, InputReads>;
  /** Per entry point: same input and data, same answer, no other effect (see `isDeterministic`); a host may remember answers. */
  deterministic: Record<string, boolean>;
}

/** Parse and plan, without emitting wasm (for tools and tests of the planner). */
export function planModules(opts: CompileOptions): { plan: Program; entrypoints: string[] } {
  if (!Array.isArray(opts.modules))
    throw new RegoCompileError('rego_compile_error', 'compile: option "modules" must be an array of { path, source }');
  if (!Array.isArray(opts.entrypoints) || opts.entrypoints.length === 0) {
    throw new RegoCompileError('rego_compile_error', 'compile: option "entrypoints" must name at least one entry point');
  }
  const parsed: Module[] = opts.modules.map((m) => parseModule(m.source, m.path, { v0Compatible: m.v0Compatible ?? opts.v0Compatible }));
  const { program, entrypoints } = compileModules(parsed, opts.entrypoints);
  return { plan: program, entrypoints };
}

export function compile(opts: CompileOptions): CompileResult {
  const { plan, entrypoints } = planModules(opts);
  const facts = entrypointFacts(plan);
  // fromEntries defines members: an entry point named `__proto__` is a name like any other.
  const entries = Object.entries(facts);
  return {
    wasm: withEntrypointFacts(emitWasm(plan), facts),
    entrypoints,
    plan,
    inputReads: Object.fromEntries(entries.map(([name, fact]) => [name, fact.inputReads])),
    deterministic: Object.fromEntries(entries.map(([name, fact]) => [name, fact.deterministic])),
  };
}
