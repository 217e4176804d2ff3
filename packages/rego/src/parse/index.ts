/**
 * The Rego parser's public entry points. Every function throws `RegoCompileError`
 * (code `rego_parse_error`) with the file:line:col of the first problem.
 */
import { RegoCompileError } from '../errors';
import type { Expr, Module, Term } from './ast';
import { ParseFailure } from './failure';
import { Parser } from './parser';

export * from './ast';

export interface ParseModuleOptions {
  /**
   * Accept v0 syntax (`p { ... }`, `p[x] { ... }`, future keywords only when imported), as
   * `opa build --v0-compatible` does. A module that imports `rego.v1` is v1 regardless.
   */
  v0Compatible?: boolean;
}

export const PARSE_ERROR_CODE = 'rego_parse_error';

/** Parses one Rego module (`package ...`, imports, rules). */
export function parseModule(source: string, file: string, opts: ParseModuleOptions = {}): Module {
  if (opts.v0Compatible) return withCompileErrors(file, () => new Parser(source, file, 'v0').parseModule());
  try {
    return withCompileErrors(file, () => new Parser(source, file, 'v1').parseModule());
  } catch (error) {
    throw error instanceof RegoCompileError && error.code === PARSE_ERROR_CODE && parsesAsV0(source, file) ? withV0Hint(error) : error;
  }
}

/** Only asked after a v1 parse failed: whether the module is valid Rego v0 (so the fix is an option, not an edit). */
function parsesAsV0(source: string, file: string): boolean {
  try {
    new Parser(source, file, 'v0').parseModule();
    return true;
  } catch {
    return false;
  }
}

/** Appended to a v1 parse error of a module that is valid Rego v0. */
export const V0_SYNTAX_HINT =
  'this is Rego v0 syntax: set `v0Compatible: true` (`--v0-compatible` on the command line) or rewrite it in Rego v1';

function withV0Hint(error: RegoCompileError): RegoCompileError {
  return new RegoCompileError(error.code, `${error.text}; ${V0_SYNTAX_HINT}`, error.location);
}

/** Parses a query: literals separated by `;` or new lines (`x := split("a", ""); x == 1`), in v1 syntax. */
export function parseQuery(source: string, file: string): Expr[] {
  return withCompileErrors(file, () => new Parser(source, file, 'v1').parseWholeQuery());
}

/** Parses one term or operator expression (`data.a.b`, `count(x) + 1`), in v1 syntax. */
export function parseTerm(source: string, file: string): Term {
  return withCompileErrors(file, () => new Parser(source, file, 'v1').parseWholeTerm());
}

function withCompileErrors<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    // The text starts with OPA's code, as every other compile error's does (`file:line:col: rego_parse_error: ...`).
    if (e instanceof ParseFailure) throw new RegoCompileError(PARSE_ERROR_CODE, `${PARSE_ERROR_CODE}: ${e.text}`, e.location);
    // Recursive descent: absurdly deep nesting exhausts the stack; report it as a parse error.
    if (e instanceof RangeError) throw new RegoCompileError(PARSE_ERROR_CODE, `${file}: ${PARSE_ERROR_CODE}: expression nested too deeply`);
    throw e;
  }
}
