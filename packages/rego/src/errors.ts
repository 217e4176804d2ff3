import type { Location } from './parse/ast';

/** OPA's error codes, as `opa build` reports them. */
export type RegoErrorCode =
  'rego_parse_error' | 'rego_compile_error' | 'rego_type_error' | 'rego_recursion_error' | 'rego_unsafe_var_error';

/**
 * A problem in a policy's source found while parsing, checking or planning it.
 * `message` reads `file:line:col: text`, the form editors and CI logs link to.
 */
export class RegoCompileError extends Error {
  readonly code: RegoErrorCode;
  readonly location?: Location;
  /** The message without its location prefix. */
  readonly text: string;

  constructor(code: RegoErrorCode, text: string, location?: Location) {
    super(location ? `${location.file}:${location.line}:${location.col}: ${text}` : text);
    this.name = 'RegoCompileError';
    this.code = code;
    this.text = text;
    this.location = location;
  }
}

/** Several compile errors at once (the compiler reports all it finds, like `opa build`). */
export class RegoCompileErrors extends RegoCompileError {
  readonly errors: RegoCompileError[];

  constructor(errors: RegoCompileError[]) {
    super(errors[0].code, errors.map((e) => e.message).join('\n'));
    this.name = 'RegoCompileErrors';
    this.errors = errors;
  }
}
