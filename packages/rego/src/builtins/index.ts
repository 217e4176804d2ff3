/** Builtin functions: the catalog of signatures for the compiler, and JS host implementations for the SDK. */
export * from './types';
export { BUILTINS, UNSUPPORTED_BUILTINS, lookupBuiltin, isUnsupportedBuiltin, infixOperator } from './catalog';
