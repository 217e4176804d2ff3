import type { Location } from '../parse/ast';
import { RegoCompileError } from '../errors';

/** A compile error whose text starts with OPA's error code (`rego_type_error: ...`), for collecting several. */
export function compileErrorOf(code: string, message: string, loc?: Location): RegoCompileError {
  return new RegoCompileError(code, `${code}: ${message}`, loc);
}

/** Throw a compile error whose text starts with OPA's error code (`rego_type_error: ...`). */
export function compileError(code: string, message: string, loc?: Location): never {
  throw compileErrorOf(code, message, loc);
}
