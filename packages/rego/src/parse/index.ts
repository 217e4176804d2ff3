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
  return withCompileErrors(file, () => new Parser(source, file, opts.v0Compatible ? 'v0' : 'v1').parseModule());
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
    if (e instanceof ParseFailure) throw new RegoCompileError(PARSE_ERROR_CODE, e.text, e.location);
    // Recursive descent: absurdly deep nesting exhausts the stack; report it as a parse error.
    if (e instanceof RangeError) throw new RegoCompileError(PARSE_ERROR_CODE, `${file}: expression nested too deeply`);
    throw e;
  }
}
