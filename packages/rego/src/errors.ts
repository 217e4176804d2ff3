import type { Location } from './parse/ast';

/**
 * A problem in a policy's source found while parsing, checking or planning it.
 * `message` reads `file:line:col: text`, the form editors and CI logs link to.
 */
export class RegoCompileError extends Error {
  readonly code: string;
  readonly location?: Location;
  /** The message without its location prefix. */
  readonly text: string;

  constructor(code: string, text: string, location?: Location) {
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
