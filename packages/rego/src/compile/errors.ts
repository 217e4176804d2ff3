import type { Location } from '../parse/ast';
import { RegoCompileError } from '../errors';

/** Throw a compile error whose text starts with OPA's error code (`rego_type_error: ...`). */
export function compileError(code: string, message: string, loc?: Location): never {
  throw new RegoCompileError(code, `${code}: ${message}`, loc);
}
