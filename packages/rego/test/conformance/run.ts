/**
 * Running one conformance case: compile its modules with our compiler, run the module with the
 * stock SDK (`loadPolicy(wasm, undefined, hostBuiltins)`, `setData`, `evaluate`) and compare.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { RegoCompileError } from '../../src/errors';
import { parseModule, parseQuery } from '../../src/parse';
import { exprVars } from '../../src/compile/safety';
import { ConformanceCase, Many, hasRegoOnlyValues } from './cases';
import { matches, show } from './match';

export interface Outcome {
  status: 'pass' | 'fail' | 'skip';
  /** Why it failed (or was skipped), one line. */
  reason?: string;
}

export interface ModuleSource {
  path: string;
  source: string;
  v0Compatible?: boolean;
}

export interface Compiler {
  compile(opts: { modules: ModuleSource[]; entrypoints: string[] }): { wasm: Uint8Array };
  hostBuiltins: Record<string, (...args: unknown[]) => unknown>;
}

/** The package of the module made from a query that is not a plain `data...` ref. */
const QUERY_PACKAGE = 'conformance_query';

/**
 * Each module in the syntax it is written in, as the cases' README defines it: v1 when it imports
 * `rego.v1` or uses `if`/`contains` without importing them (then it does not parse as v0), v0
 * (`opa build --v0-compatible`) otherwise.
 */
function withSyntax(c: ConformanceCase): ModuleSource[] {
  return (c.raw.modules ?? []).map((source, i) => {
    const file = `${c.id}#module${i}.rego`;
    try {
      parseModule(source, file, { v0Compatible: true });
      return { path: file, source, v0Compatible: true };
    } catch {
      return { path: file, source }; // v1; its errors are reported when compiling
    }
  });
}

/**
 * The entry point for the case's query. `data.a.b` is entry point `a/b` (`data` the whole
 * document). Any other query becomes a rule in a module of its own: its value is the object of
 * the variables the query binds (as an interpreter reports bindings), or `true` when it binds none.
 */
export function queryPlan(c: ConformanceCase): { extra?: ModuleSource; entrypoint: string } {
  const q = (c.raw.query ?? '').trim();
  if (/^data(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(q)) {
    const path = q.split('.').slice(1);
    return { entrypoint: path.length ? path.join('/') : 'data' };
  }
  const body = parseQuery(q, `${c.id}#query`);
  const vars = new Set<string>();
  for (const e of body) exprVars(e, vars);
  const bound = [...vars].filter((v) => !v.startsWith('$') && v !== 'input' && v !== 'data').sort();
  const value = bound.length ? `{${bound.map((v) => `${JSON.stringify(v)}: ${v}`).join(', ')}}` : 'true';
  const source = `package ${QUERY_PACKAGE}\n\nresult := ${value} if {\n${q}\n}\n`;
  return { extra: { path: `${c.id}#query.rego`, source }, entrypoint: `${QUERY_PACKAGE}/result` };
}

function errorText(e: unknown): string {
  if (e instanceof RegoCompileError) return e.message.split('\n')[0];
  if (e instanceof Error) return `${e.name}: ${e.message}`.split('\n')[0];
  // The SDK throws strings (opa_abort) and plain objects (missing builtins).
  if (typeof e === 'object' && e !== null) return JSON.stringify(e).split('\n')[0];
  return String(e).split('\n')[0];
}

/** The modules and entry point of a case, or the reason they cannot be made. */
export function prepare(c: ConformanceCase): { modules: ModuleSource[]; entrypoint: string } | { error: string } {
  let plan: ReturnType<typeof queryPlan>;
  try {
    plan = queryPlan(c);
  } catch (e) {
    return { error: `query: ${errorText(e)}` };
  }
  const modules = withSyntax(c);
  if (plan.extra) modules.push(plan.extra);
  return { modules, entrypoint: plan.entrypoint };
}

export async function runCase(c: ConformanceCase, compiler: Compiler): Promise<Outcome> {
  const prepared = prepare(c);
  if ('error' in prepared) return { status: 'fail', reason: prepared.error };
  const expectError = c.raw.error !== undefined;

  let wasm: Uint8Array;
  try {
    wasm = compiler.compile({ modules: prepared.modules, entrypoints: [prepared.entrypoint] }).wasm;
  } catch (e) {
    if (expectError) return { status: 'pass' };
    return { status: 'fail', reason: `compile error: ${errorText(e)}` };
  }

  const data = c.raw.data ?? {};
  if (hasRegoOnlyValues(data)) return { status: 'fail', reason: 'data holds sets or non-string keys, which JSON cannot carry' };
  const inputs = c.input instanceof Many ? c.input.items : [c.input];
  if (inputs.some(hasRegoOnlyValues)) return { status: 'fail', reason: 'input holds sets or non-string keys, which JSON cannot carry' };

  const results: unknown[] = [];
  try {
    const policy = await loadPolicy(wasm, undefined, compiler.hostBuiltins);
    policy.setData(data);
    for (const input of inputs) {
      const rs = policy.evaluate(input, prepared.entrypoint) as Array<{ result: unknown }>;
      if (!Array.isArray(rs)) return { status: 'fail', reason: `SDK returned ${JSON.stringify(rs)}` };
      if (rs.length > 1) return { status: 'fail', reason: `${rs.length} result sets for one entry point` };
      results.push(rs.length === 0 ? undefined : rs[0].result);
    }
  } catch (e) {
    if (expectError) return { status: 'pass' };
    return { status: 'fail', reason: `evaluation error: ${errorText(e)}` };
  }

  const got = c.input instanceof Many ? results : results[0];
  if (expectError) return { status: 'fail', reason: `expected an error (${String(c.raw.error).split('\n')[0]}), got ${show(got)}` };
  if (c.raw.no_result || c.want === undefined) {
    const undef = c.input instanceof Many ? results.every((r) => r === undefined) : got === undefined;
    return undef ? { status: 'pass' } : { status: 'fail', reason: `expected no result, got ${show(got)}` };
  }
  if (got === undefined) return { status: 'fail', reason: `expected ${show(c.want)}, got undefined` };
  if (c.input instanceof Many && !(c.want instanceof Many)) {
    return { status: 'fail', reason: 'several inputs but a single expected result' };
  }
  return matches(c.want, got) ? { status: 'pass' } : { status: 'fail', reason: `expected ${show(c.want)}, got ${show(got)}` };
}
