/**
 * Mitigation for a V8 hazard (see packages/rego/runtime/ABI.md): on Node 20, servers
 * whose middleware calls into WebAssembly on every request were seen to die with a V8 fatal error ("unreachable
 * code") when TurboFan deoptimised a JS function into which it had inlined a JS-to-Wasm call. Starting node with
 * `--no-turbo-inline-js-wasm-calls` made it stop; users of a middleware must not be asked for V8 flags, so the core
 * turns the inlining off itself, when it is loaded, before any policy module is instantiated or called.
 *
 * The flag only changes how TurboFan compiles JS functions that call Wasm exports (a plain call through the
 * JS-to-Wasm wrapper instead of an inlined one); it does not affect the Wasm code itself. `v8.setFlagsFromString`
 * applies to code optimised afterwards, which is all the code that calls policies. Set
 * `OPA_JWT_KEEP_V8_WASM_INLINING=1` to leave V8's default alone (for the soak benchmark's comparison run).
 * packages/core/bench/soak.js checks that the flag takes effect and that a server survives sustained load.
 */
import { setFlagsFromString } from 'node:v8';

export const V8_FLAG = '--no-turbo-inline-js-wasm-calls';

let applied = false;

/** Turns off JS-to-Wasm call inlining once per process; returns whether the flag is now set by us. */
export function applyV8Mitigation(env: NodeJS.ProcessEnv = process.env): boolean {
  if (applied) return true;
  if (env.OPA_JWT_KEEP_V8_WASM_INLINING === '1') return false;
  try {
    setFlagsFromString(V8_FLAG);
    applied = true;
  } catch {
    // A runtime without this flag (another engine, a future V8 that dropped it) simply keeps its default.
  }
  return applied;
}

applyV8Mitigation();
