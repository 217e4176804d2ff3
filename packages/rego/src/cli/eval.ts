/**
 * `opa-jwt eval`: evaluates a query against policies, data and an input, like `opa eval`.
 *
 * The query is compiled with the policies: each of its expressions becomes a literal of one generated rule in a
 * package of its own, and the rule collects, for every way the query is satisfied, the expressions' values and the
 * query's variable bindings. A term expression (`data.authz.decision`, `count(input.roles)`) is captured into a
 * variable first, so that a value `false` is reported rather than failing the query, as OPA does. The module is
 * then evaluated on the stock SDK with the input and the data documents.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { hostBuiltins } from '../builtins';
import { buildRuleTree, type TreeNode } from '../compile/ruletree';
import { compile } from '../index';
import { parseModule, parseQuery } from '../parse';
import type { Expr, Term } from '../parse/ast';
import { RegoCompileError } from '../errors';
import { routingPrints } from '../sdk-prints';
import { UsageError } from './args';
import type { LoadedModule } from './sources';

const QUERY_PACKAGE = 'opa_jwt_eval_query';
const RESULTS_RULE = 'results';
const QUERY_FILE = 'query';

/** Calls that are conditions: as literals they hold or fail, and their value is `true`. Others are captured. */
const CONDITIONS = new Set(['assign', 'eq', 'equal', 'neq', 'lt', 'lte', 'gt', 'gte', 'internal.member_2', 'internal.member_3']);

export interface EvalExpression {
  value: unknown;
  text: string;
  location: { row: number; col: number };
}

export interface EvalResult {
  expressions: EvalExpression[];
  bindings?: Record<string, unknown>;
}

interface PlannedQuery {
  module: string;
  texts: string[];
  locations: Array<{ row: number; col: number }>;
}

/** Variables the query binds (shown as `bindings`): vars outside comprehensions and `every` bodies, not `_`. */
function queryVars(exprs: Expr[]): string[] {
  const names = new Set<string>();
  const visit = (t: Term | undefined): void => {
    if (!t) return;
    switch (t.type) {
      case 'var':
        if (!t.name.startsWith('$') && t.name !== 'data' && t.name !== 'input') names.add(t.name);
        return;
      case 'ref':
        visit(t.head);
        t.path.forEach(visit);
        return;
      case 'array':
      case 'set':
        t.items.forEach(visit);
        return;
      case 'object':
        t.items.forEach(([k, v]) => (visit(k), visit(v)));
        return;
      case 'call':
        t.args.forEach(visit);
        return;
      default:
        return;
    }
  };
  for (const e of exprs) {
    if (e.type === 'term') visit(e.term);
    else if (e.type === 'some') e.vars.forEach(visit);
    else if (e.type === 'somein') {
      visit(e.key);
      visit(e.value);
      visit(e.collection);
    }
  }
  return [...names].sort();
}

/** The source text of each expression: from its start to the start of the next one, without separators. */
function offsetIn(query: string, line: number, col: number): number {
  return (
    query
      .split('\n')
      .slice(0, line - 1)
      .reduce((n, l) => n + l.length + 1, 0) +
    col -
    1
  );
}

function expressionTexts(query: string, exprs: Expr[]): string[] {
  const starts = exprs.map((e) => offsetIn(query, e.loc.line, e.loc.col));
  return starts.map((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1] : query.length;
    return query.slice(start, end).replace(/[\s;]+$/, '');
  });
}

function isCondition(expr: Expr): boolean {
  if (expr.type !== 'term') return true;
  if (expr.negated) return true;
  return expr.term.type === 'call' && CONDITIONS.has(expr.term.name.join('.'));
}

/** Builds the module that evaluates `query`; throws UsageError when the query does not parse. */
export function planQuery(query: string): PlannedQuery {
  let exprs: Expr[];
  try {
    exprs = parseQuery(query, QUERY_FILE);
  } catch (error) {
    if (error instanceof RegoCompileError) throw new UsageError(`invalid query: ${error.message}`);
    throw error;
  }
  const texts = expressionTexts(query, exprs);
  const values: string[] = [];
  const literals: string[] = [];
  texts.forEach((text, i) => {
    if (isCondition(exprs[i])) {
      literals.push(text);
      values.push('true');
    } else {
      // `data.x with input as {...}`: the modifiers apply to the capturing assignment as a whole.
      const withs = exprs[i].with;
      const split =
        withs.length > 0
          ? offsetIn(query, withs[0].loc.line, withs[0].loc.col) - offsetIn(query, exprs[i].loc.line, exprs[i].loc.col)
          : text.length;
      const modifiers = text.slice(split).trim();
      literals.push(`__value${i}__ := (${text.slice(0, split).trim()})${modifiers ? ` ${modifiers}` : ''}`);
      values.push(`__value${i}__`);
    }
  });
  const bindings = queryVars(exprs).map((name) => `${JSON.stringify(name)}: ${name}`);
  const module = [
    `package ${QUERY_PACKAGE}`,
    '',
    `${RESULTS_RULE} contains {"expressions": [${values.join(', ')}], "bindings": {${bindings.join(', ')}}} if {`,
    ...literals.map((l) => `\t${l.split('\n').join('\n\t')}`),
    '}',
    '',
  ].join('\n');
  return { module, texts, locations: exprs.map((e) => ({ row: e.loc.line, col: e.loc.col })) };
}

export interface EvalOptions {
  modules: LoadedModule[];
  data: Record<string, unknown>;
  input?: unknown;
  v0Compatible: boolean;
  /** Where print() output goes (opa eval writes it to stderr). */
  print: (line: string) => void;
}

/** Evaluates the query: one result per way the query holds (none when undefined). */
export async function evaluateQuery(query: string, options: EvalOptions): Promise<EvalResult[]> {
  const planned = planQuery(query);
  // The whole data document would include the query's own package: it is evaluated as an entry point of its own.
  if (query.trim() === 'data') {
    const value = options.modules.length === 0 ? options.data : await evaluateEntrypoint(options, options.modules, 'data');
    return value === undefined ? [] : [{ expressions: [{ value, text: planned.texts[0], location: planned.locations[0] }] }];
  }
  const modules = [...options.modules, { path: QUERY_FILE, source: planned.module, v0Compatible: false }];
  let rows: unknown;
  try {
    rows = await evaluateEntrypoint(options, modules, `${QUERY_PACKAGE}/${RESULTS_RULE}`);
  } catch (error) {
    // Errors in the generated module are errors in the query: show them against the query, not generated code.
    if (error instanceof RegoCompileError && error.location?.file === QUERY_FILE) {
      throw new RegoCompileError(error.code, `${error.text.replace(/__value\d+__/g, 'value')} (in the query "${query}")`);
    }
    throw error;
  }
  return ((rows as unknown[] | undefined) ?? []).map((row) => {
    const { expressions, bindings } = row as { expressions: unknown[]; bindings: Record<string, unknown> };
    const result: EvalResult = {
      expressions: expressions.map((value, i) => ({ value, text: planned.texts[i], location: planned.locations[i] })),
    };
    if (Object.keys(bindings).length > 0) result.bindings = bindings;
    return result;
  });
}

/**
 * Why a query that names a document (`data.a.b`) is undefined, for `--format pretty`: no rule and no data defines
 * it (a typo in the package or rule name), or rules define it but none of them applies to this input.
 */
export function undefinedReason(
  query: string,
  modules: LoadedModule[],
  data: Record<string, unknown>,
  v0Compatible: boolean,
): string | undefined {
  let exprs: Expr[];
  try {
    exprs = parseQuery(query, QUERY_FILE);
  } catch {
    return undefined;
  }
  const [expr] = exprs;
  if (exprs.length !== 1 || expr.type !== 'term' || expr.negated || expr.term.type !== 'ref') return undefined;
  const ref = expr.term;
  if (ref.head.type !== 'var' || ref.head.name !== 'data' || ref.path.some((p) => p.type !== 'string')) return undefined;
  const path = ref.path.map((p) => (p as { value: string }).value);
  const shown = `data.${path.join('.')}`;
  let node: TreeNode | undefined;
  try {
    node = buildRuleTree(modules.map((m) => parseModule(m.source, m.path, { v0Compatible }))).root;
  } catch {
    return undefined;
  }
  let base: unknown = data;
  let baseDefined = true;
  for (const [i, segment] of path.entries()) {
    if (node?.leaf) {
      return `no value at ${shown}: the rules of data.${node.path.join('.')} (at ${rulesAt(node)}) give no value for this input, or one without ${path.slice(i).join('.')}`;
    }
    node = node?.children.get(segment);
    if (baseDefined && typeof base === 'object' && base !== null && segment in base) base = (base as Record<string, unknown>)[segment];
    else baseDefined = false;
  }
  if (node?.leaf) return `no rule of ${shown} applies to this input (rules at ${rulesAt(node)}; a default rule would give it a value)`;
  if (!node && !baseDefined)
    return `nothing defines ${shown}: no rule and no data document has this path (check the package and rule names)`;
  return undefined;
}

/** Compiles `modules` for one entry point and evaluates it on the stock SDK: its value, undefined when it has none. */
/** Where the rules of a rule-tree leaf are written: `file:line, ...`. */
function rulesAt(node: TreeNode): string {
  return node.leaf!.rules.map((r) => `${r.rule.loc.file}:${r.rule.loc.line}`).join(', ');
}

async function evaluateEntrypoint(
  options: EvalOptions,
  modules: Array<LoadedModule & { v0Compatible?: boolean }>,
  entrypoint: string,
): Promise<unknown> {
  const compiled = compile({ modules, entrypoints: [entrypoint], v0Compatible: options.v0Compatible });
  const policy = await loadPolicy(compiled.wasm, undefined, hostBuiltins);
  policy.setData(options.data);
  const resultSet = routingPrints(options.print, () => policy.evaluate(options.input, entrypoint)) as Array<{ result?: unknown }>;
  return Array.isArray(resultSet) && resultSet.length > 0 ? resultSet[0].result : undefined;
}

/** `--format json`: OPA's result set; `{}` when undefined. */
export function formatEvalJson(results: EvalResult[]): string {
  return `${JSON.stringify(results.length === 0 ? {} : { result: results }, null, 2)}\n`;
}

/**
 * `--format pretty`: the value of a one-expression query as indented JSON; with several expressions or bindings,
 * each result's bindings and expression values, one per line. Undefined prints `undefined`.
 */
export function formatEvalPretty(results: EvalResult[]): string {
  if (results.length === 0) return 'undefined\n';
  if (results.length === 1 && !results[0].bindings && results[0].expressions.length === 1) {
    return `${JSON.stringify(results[0].expressions[0].value, null, 2)}\n`;
  }
  const blocks = results.map((result) => {
    const lines: string[] = [];
    for (const [name, value] of Object.entries(result.bindings ?? {})) lines.push(`${name}: ${JSON.stringify(value, null, 2)}`);
    for (const e of result.expressions)
      if (e.value !== true || !result.bindings) lines.push(`${e.text}: ${JSON.stringify(e.value, null, 2)}`);
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}
