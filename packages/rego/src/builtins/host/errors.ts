/**
 * OPA distinguishes two kinds of builtin failure. A wrong argument *type* at run time makes the
 * expression undefined (OPA's default, non-strict behaviour): our implementations return `undefined`.
 * Everything else OPA reports as a builtin error (a malformed JWT, an invalid regular expression, a
 * non-integer where an integer is required, division by zero...): those throw a BuiltinError, which the
 * SDK lets propagate out of `evaluate()`, so the decision fails closed instead of silently changing meaning.
 */
export class BuiltinError extends Error {
  constructor(
    /** OPA name of the builtin, e.g. `io.jwt.decode` */
    readonly builtin: string,
    /** OPA's wording where known, without the builtin name */
    readonly reason: string,
  ) {
    super(`${builtin}: ${reason}`);
    this.name = 'BuiltinError';
  }
}

/** Throws a BuiltinError; typed `never` so it can end an expression. */
export function fail(builtin: string, reason: string): never {
  throw new BuiltinError(builtin, reason);
}
