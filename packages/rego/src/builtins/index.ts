/** Builtin functions: the catalog of signatures for the compiler, and JS host implementations for the SDK. */
import { BUILTINS, hostCallName } from './catalog';
import { BIGINT_RESULTS, implementations, type Impl } from './host';

export * from './types';
export { BUILTINS, UNSUPPORTED_BUILTINS, lookupBuiltin, isUnsupportedBuiltin, infixOperator, hostCallName } from './catalog';
export { BuiltinError } from './host';

/** A host builtin as the SDK calls it: JSON-decoded arguments in, a JSON-encodable result (undefined: no result) out. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK passes whatever JSON.parse gives
export type HostBuiltin = (...args: any[]) => unknown;

/**
 * An implementation whose bigint results (integers a JS number cannot hold, see exactInt) go to the
 * module as their JSON text: the SDK passes an ArrayBuffer result to the module as JSON text as it is.
 */
function withExactIntegers(impl: Impl): HostBuiltin {
  return (...args: unknown[]) => {
    const result = impl(...args);
    return typeof result === 'bigint' ? new TextEncoder().encode(result.toString()).buffer : result;
  };
}

/**
 * The JS implementations of the builtins our modules call on the host, keyed by the name the module
 * imports them under (hostCallName: OPA's name, except where the SDK's own builtin would shadow ours).
 * Ready for `loadPolicy(wasm, undefined, hostBuiltins)`.
 *
 * It covers every supported builtin, including those the wasm runtime runs natively: the SDK only ever
 * calls the names a module imports, so the extra entries cost nothing, and whichever builtins a module
 * (ours, or one built by `opa build`) leaves to the host find an implementation. For builtins marked
 * `needsNativeValues` the host version is exact only for values without sets or non-string keys.
 * Implementations return undefined for a wrong argument type (OPA's undefined) and throw BuiltinError
 * for what OPA reports as a builtin error; the SDK lets that error end the evaluation.
 */
export const hostBuiltins: Readonly<Record<string, HostBuiltin>> = Object.freeze(
  Object.fromEntries(
    Object.keys(BUILTINS)
      .filter((name) => Object.prototype.hasOwnProperty.call(implementations, name))
      .map((name) => {
        const impl = implementations[name];
        return [hostCallName(name), BIGINT_RESULTS.has(name) ? withExactIntegers(impl) : impl];
      }),
  ),
);
