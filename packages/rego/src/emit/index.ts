/**
 * The emitter: a plan (src/plan/ir.ts) becomes a WebAssembly module that the stock OPA SDK runs.
 * No code is generated: the plan travels as JSON text inside the prebuilt value runtime, which
 * decodes it once at instantiation and interprets it (runtime/assembly). The emitter adds what
 * the runtime needs besides the plan: entry point ids as the SDK numbers them, the host
 * builtins the plan calls (the module's `builtins()` export) and which of their results are sets.
 */
import type { Program, Stmt } from '../plan/ir';
import { hostCallName, lookupBuiltin } from '../builtins/catalog';
import { NATIVE_BUILTINS, NATIVES_WITH_HOST_FALLBACK } from './natives';
import { spliceIntoRuntime } from './runtime-module';
import { containsNumberLiteral, planJson } from '../plan/number-literal';
import { EVALUATION_BUDGET_BUILTIN } from './budget';

export { RuntimeNotBuiltError, RUNTIME_WASM_PATH } from './runtime-module';
export { NATIVE_BUILTINS, NATIVES_WITH_HOST_FALLBACK } from './natives';
export { EVALUATION_BUDGET_BUILTIN, EVALUATION_BUDGET_ARM } from './budget';

/** What travels inside the module (runtime/assembly/plan.ts reads it). */
export interface PlanEnvelope {
  plan: Program;
  /** Entry point name → the id the SDK passes to eval (0..n-1, in the order of plan.entrypoints). */
  entrypoints: Record<string, number>;
  /** Function index of each entry point id. */
  entrypointFuncs: number[];
  /**
   * The module's `builtins()` export: import name → id passed to opa_builtinN. The import name is
   * hostCallName(name): OPA's name, except where the SDK's own builtin would shadow hostBuiltins'.
   * The last id is EVALUATION_BUDGET_BUILTIN's (./budget), which only a host that arms the budget is asked for.
   */
  builtins: Record<string, number>;
  /** The same ids by the name plan `call` statements use (OPA's name). */
  hostIds: Record<string, number>;
  /** Host builtins whose JSON array result the runtime turns into a set: 1 always, 2 when the first argument is a set. */
  setResults: Record<string, number>;
  /** Host builtins that get one array argument's non-number, non-string elements as Rego text: name → argument index. */
  textArgs: Record<string, number>;
}

/**
 * Host builtins that see some arguments as OPA's Go code does: OPA's sprintf formats every
 * argument that is not a number or a string as the string of its Rego text (`{1, 2}` for a set,
 * `{1: "a"}` for a non-string key), which the JSON a host function receives cannot show. The
 * runtime replaces such elements of that argument (the array) by their text before the call.
 * (sprintf runs natively; this applies to the calls it hands to the host.)
 */
const TEXT_ARGS: Readonly<Record<string, number>> = { sprintf: 1 };

/** The SDK imports opa_builtin0..opa_builtin4. */
const MAX_HOST_ARGS = 4;

/** Every builtin the plan calls, with the most arguments any of its calls passes. */
function calledBuiltins(plan: Program): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (stmts: Stmt[]): void => {
    for (const s of stmts) {
      if (s[0] === 'call') out.set(s[1], Math.max(out.get(s[1]) ?? 0, s[2].length));
      else if (s[0] === 'scan' || s[0] === 'with') walk(s[4]);
      else if (s[0] === 'block') walk(s[1]);
      else if (s[0] === 'withmock') walk(s[3]);
    }
  };
  for (const f of plan.funcs) walk(f.body);
  return out;
}

/** The host ones among `called`, sorted (stable ids for the same policy). */
function hostNames(called: Map<string, number>): string[] {
  return [...called.keys()].filter((n) => !NATIVE_BUILTINS.has(n) || NATIVES_WITH_HOST_FALLBACK.has(n)).sort();
}

/**
 * Names of the builtins the plan may call on the host, sorted (stable ids for the same policy):
 * those the runtime lacks, and natives that fall back to the host for rare calls.
 */
export function hostBuiltinNames(plan: Program): string[] {
  return hostNames(calledBuiltins(plan));
}

export function planEnvelope(plan: Program): PlanEnvelope {
  const names = Object.keys(plan.entrypoints);
  if (names.length === 0) throw new Error('emitWasm: the plan has no entry points');
  const entrypoints: Record<string, number> = {};
  const entrypointFuncs: number[] = [];
  names.forEach((name, id) => {
    entrypoints[name] = id;
    entrypointFuncs.push(plan.entrypoints[name]);
  });
  const builtins: Record<string, number> = {};
  const hostIds: Record<string, number> = {};
  const setResults: Record<string, number> = {};
  const textArgs: Record<string, number> = {};
  const arity = calledBuiltins(plan);
  hostNames(arity).forEach((name, id) => {
    const sig = lookupBuiltin(name);
    if (!sig) throw new Error(`emitWasm: the plan calls unknown builtin ${name}`);
    if ((arity.get(name) ?? 0) > MAX_HOST_ARGS) {
      throw new Error(`emitWasm: builtin ${name} takes ${arity.get(name)} arguments; the SDK passes at most ${MAX_HOST_ARGS} to the host`);
    }
    builtins[hostCallName(name)] = id;
    hostIds[name] = id;
    if (sig.setResult === 'always') setResults[name] = 1;
    else if (sig.setResult === 'when-first-arg-is-set') setResults[name] = 2;
    if (Object.prototype.hasOwnProperty.call(TEXT_ARGS, name)) textArgs[name] = TEXT_ARGS[name];
  });
  builtins[EVALUATION_BUDGET_BUILTIN] = Object.keys(builtins).length;
  return { plan, entrypoints, entrypointFuncs, builtins, hostIds, setResults, textArgs };
}

/** The wasm module for a plan. Throws RuntimeNotBuiltError when runtime/build/runtime.wasm is missing. */
export function emitWasm(plan: Program): Uint8Array<ArrayBuffer> {
  const envelope = planEnvelope(plan);
  const text = containsNumberLiteral(plan.consts) ? planJson(envelope) : JSON.stringify(envelope);
  return spliceIntoRuntime(new TextEncoder().encode(text));
}
