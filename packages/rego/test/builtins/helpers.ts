/**
 * Calls host builtins the way the SDK does: each argument goes through JSON (sets would arrive as
 * sorted arrays), the function is looked up in hostBuiltins under its host call name, and the result
 * goes back through JSON (undefined stays undefined: "no result"; an ArrayBuffer is JSON text already).
 */
import { BuiltinError, hostBuiltins, hostCallName } from '../../src/builtins';

/** What the module receives: JSON text of the value, or the text itself when it is an ArrayBuffer (as the SDK does). */
const viaJson = (v: unknown): unknown =>
  v === undefined ? undefined : JSON.parse(v instanceof ArrayBuffer ? new TextDecoder().decode(v) : JSON.stringify(v));

export function call(name: string, ...args: unknown[]): unknown {
  const impl = hostBuiltins[hostCallName(name)];
  if (!impl) throw new Error(`no host implementation for ${name}`);
  return viaJson(impl(...args.map(viaJson)));
}

/** The BuiltinError a call raises; fails the test when the call returns instead. */
export function callError(name: string, ...args: unknown[]): BuiltinError {
  try {
    const result = call(name, ...args);
    throw new Error(`${name} returned ${JSON.stringify(result)} instead of raising an error`);
  } catch (e) {
    if (!(e instanceof BuiltinError)) throw e;
    expect(e.builtin).toBe(name);
    return e;
  }
}
