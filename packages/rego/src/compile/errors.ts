import type { Location } from '../parse/ast';
import { RegoCompileError, type RegoErrorCode } from '../errors';

/** A compile error whose text starts with OPA's error code (`rego_type_error: ...`), for collecting several. */
export function compileErrorOf(code: RegoErrorCode, message: string, loc?: Location): RegoCompileError {
  return new RegoCompileError(code, `${code}: ${message}`, loc);
}

/** Throw a compile error whose text starts with OPA's error code (`rego_type_error: ...`). */
export function compileError(code: RegoErrorCode, message: string, loc?: Location): never {
  throw compileErrorOf(code, message, loc);
}
