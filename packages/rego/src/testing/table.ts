/**
 * Table tests (`test_cases[name] if { some name, tc in cases; ... }`), run as `opa test` runs them: the test's value
 * is an object of cases, and a case fails when its value is not `true` or when its body fails after the case's name
 * was bound. OPA notices the second kind by injecting a marker right after the first expression that mentions each
 * variable of the name and tracing the evaluation. Without tracing, each table test gets a companion rule with the
 * same head whose body stops at that point: its keys are the cases that started, and every started case must be
 * `true` in the test's own value.
 */
import type { Expr, Rule } from '../parse/ast';
import { exprVars, termVars } from '../compile/safety';
import type { DiscoveredTest } from './discover';

/** `#` never appears in a parsed name, so the companion cannot clash with a rule of the module. */
const CASES_SUFFIX = '#cases';

/** The body up to and including the first expression naming each variable of the case name (OPA's marker point). */
function startedCaseBody(rule: Rule, keyVars: Set<string>): Expr[] | undefined {
  let last = -1;
  for (const name of keyVars) {
    // `some x` declarations are not expressions once OPA has rewritten the body's local variables.
    const first = rule.body.findIndex((e) => e.type !== 'some' && exprVars(e, new Set()).has(name));
    if (first > last) last = first;
  }
  return last < 0 ? undefined : rule.body.slice(0, last + 1);
}

/**
 * Adds the companion rule of each table test to its module (modules are freshly parsed, see discoverTests) and
 * returns its entry point by test; `undo()` takes them out again.
 */
export function addCaseRules(tests: DiscoveredTest[]): { entrypoints: Map<DiscoveredTest, string>; undo: () => void } {
  const entrypoints = new Map<DiscoveredTest, string>();
  const added: { rules: Rule[]; rule: Rule }[] = [];
  for (const test of tests) {
    const keyVars = new Set<string>();
    for (const term of test.rule.head.ref.slice(test.segment + 1)) termVars(term, keyVars);
    const body = startedCaseBody(test.rule, keyVars);
    if (!body) continue;
    const head = structuredClone(test.rule.head);
    const segment = head.ref[test.segment];
    const name = `${segment.type === 'var' ? segment.name : segment.type === 'string' ? segment.value : ''}${CASES_SUFFIX}`;
    head.ref[test.segment] = segment.type === 'var' ? { ...segment, name } : { type: 'string', value: name, loc: segment.loc };
    delete head.value;
    const rule: Rule = { head, body: structuredClone(body), default: false, loc: test.rule.loc };
    test.module.rules.push(rule);
    added.push({ rules: test.module.rules, rule });
    const path = test.entrypoint.split('/');
    path[path.length - 1] += CASES_SUFFIX;
    entrypoints.set(test, path.join('/'));
  }
  const undo = (): void => {
    for (const { rules, rule } of added) rules.splice(rules.indexOf(rule), 1);
  };
  return { entrypoints, undo };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The paths of a case object's failed leaves: `true` passes, an object has cases of its own, anything else fails. */
function failedLeaves(value: Record<string, unknown>, path: string[], out: string[][]): string[][] {
  for (const [key, v] of Object.entries(value)) {
    if (isObject(v)) failedLeaves(v, [...path, key], out);
    else if (v !== true) out.push([...path, key]);
  }
  return out;
}

/** The cases (key paths `depth` deep) of the companion's value. */
function startedCases(value: unknown, depth: number, path: string[], out: string[][]): string[][] {
  if (depth === 0) out.push(path);
  else if (isObject(value)) for (const [key, v] of Object.entries(value)) startedCases(v, depth - 1, [...path, key], out);
  return out;
}

/**
 * The outcome of a table test from its value (undefined when the test is undefined) and its companion's value.
 * `depth`: how many keys follow the test name in its head.
 */
export function tableOutcome(value: unknown, started: unknown, depth: number): { status: 'pass' | 'fail'; message?: string } {
  if (value === undefined) return { status: 'fail', message: 'undefined' };
  if (!isObject(value)) return { status: 'fail', message: JSON.stringify(value) };
  const failed = failedLeaves(value, [], []);
  for (const path of startedCases(started, depth, [], [])) {
    let v: unknown = value;
    for (const key of path) v = isObject(v) ? v[key] : undefined;
    if (v === undefined && !failed.some((f) => f.join('\u0000') === path.join('\u0000'))) failed.push(path);
  }
  if (failed.length === 0) return { status: 'pass' };
  const names = failed.map((path) => path.map((key) => JSON.stringify(key)).join('.'));
  return { status: 'fail', message: `failed cases: ${names.join(', ')}` };
}
