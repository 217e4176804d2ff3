/**
 * Finds the test rules of parsed modules, as `opa test` does: a rule is a test when a segment of its head's ground
 * prefix starts with `test_` (`todo_test_` marks a test to skip). Tests defined more than once in a package are
 * renamed `test_x#01`, `test_x#02`, ... (the first keeps its name) so that each definition runs on its own, exactly
 * as OPA's test runner rewrites them. The parser never accepts `#` in a name, so the new names cannot clash.
 */
import type { Module, Rule, Term } from '../parse/ast';
import { groundPrefix } from '../compile/ruletree';

export const TEST_PREFIX = 'test_';
export const SKIP_TEST_PREFIX = 'todo_test_';

export type DiscoveredKind =
  /** Evaluated: passes when its value is `true`. */
  | 'run'
  /** `todo_test_...`: reported as skipped, never evaluated. */
  | 'skip'
  /**
   * Variables after the test name (`test_cases[name] if ...`, an object of cases): OPA runs such table tests case by
   * case: a case fails when its value is not `true`, or when its body fails after the case's name was bound.
   */
  | 'table';

export interface DiscoveredTest {
  /** `data.<package>`, as `opa test` prints it. */
  package: string;
  /** The head up to the test segment, after renaming: `test_x`, `test_x#01`, `suite.test_y`. */
  name: string;
  /** `data.<package>.<name>`: what `--run` / `filter` is matched against, as in OPA. */
  fullName: string;
  /** The SDK entry point (`pkg/path/test_x`). */
  entrypoint: string;
  rule: Rule;
  module: Module;
  /** Index of the test segment in the rule's head ref. */
  segment: number;
  kind: DiscoveredKind;
}

function rename(term: Term, name: string): void {
  if (term.type === 'var') term.name = name;
  else if (term.type === 'string') term.value = name;
}

/**
 * The tests of `modules` in module order, then rule order. Renames repeated test definitions in place (the modules
 * are then compiled as they are), so call it on freshly parsed modules.
 */
export function discoverTests(modules: Module[]): DiscoveredTest[] {
  const tests: DiscoveredTest[] = [];
  const definitions = new Map<string, number>();
  for (const module of modules) {
    for (const rule of module.rules) {
      // Functions cannot be evaluated without arguments; OPA's runner has no use for them either.
      if (rule.head.kind === 'function') continue;
      const { prefix, rest } = groundPrefix(rule.head.ref);
      const at = prefix.findIndex((segment) => segment.startsWith(TEST_PREFIX) || segment.startsWith(SKIP_TEST_PREFIX));
      if (at < 0) continue;
      const segments = prefix.slice(0, at + 1);
      const testSegment = prefix[at];

      if (testSegment.startsWith(TEST_PREFIX)) {
        const key = [...module.package, ...segments].join('.');
        const seen = definitions.get(key) ?? 0;
        definitions.set(key, seen + 1);
        if (seen > 0) {
          const renamed = `${testSegment}#${String(seen).padStart(2, '0')}`;
          rename(rule.head.ref[at], renamed);
          segments[at] = renamed;
        }
      }

      const name = segments.join('.');
      // A v0 `test_x[name] { ... }` is a partial set: `opa test` runs it as any test, and a set is not `true`.
      const isTable = rest.length > 0 && rule.head.kind !== 'partial-set';
      tests.push({
        package: ['data', ...module.package].join('.'),
        name,
        fullName: ['data', ...module.package, name].join('.'),
        entrypoint: [...module.package, ...segments].join('/'),
        rule,
        module,
        segment: at,
        kind: testSegment.startsWith(SKIP_TEST_PREFIX) ? 'skip' : isTable ? 'table' : 'run',
      });
    }
  }
  return tests;
}
