/**
 * Compiles Rego files with @opa-jwt/rego and evaluates them on the stock @open-policy-agent/opa-wasm SDK,
 * the way @opa-jwt/core does at start-up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, runRegoTests, type RegoTestResult } from '@opa-jwt/rego';

export const ROOT = path.join(__dirname, '..', '..');
export const POLICIES = path.join(ROOT, 'policies');

export interface CompiledPolicy {
  /** Entry point names as the SDK knows them (`pkg/rule`). */
  entrypoints: string[];
  /** The entrypoint's value for `input`, or undefined when the rule is undefined (an empty result set). */
  evaluate(entrypoint: string, input?: unknown): unknown;
}

/** Source files as `compile()` takes them; paths relative to the repository so errors read `policies/x.rego:3:1`. */
function modulesOf(files: string[]): Array<{ path: string; source: string }> {
  return files.map((file) => ({ path: path.relative(ROOT, file), source: readFileSync(file, 'utf8') }));
}

export async function compilePolicy(
  files: string[],
  entrypoints: string[],
  options: { v0Compatible?: boolean } = {},
): Promise<CompiledPolicy> {
  const compiled = compile({ modules: modulesOf(files), entrypoints, v0Compatible: options.v0Compatible });
  const policy = await loadPolicy(compiled.wasm, undefined, hostBuiltins);
  policy.setData({});
  return {
    entrypoints: compiled.entrypoints,
    evaluate(entrypoint, input) {
      const resultSet = policy.evaluate(input, entrypoint) as Array<{ result: unknown }>;
      if (resultSet.length > 1) throw new Error(`${entrypoint}: result set of ${resultSet.length} (expected at most one)`);
      return resultSet.length === 0 ? undefined : resultSet[0].result;
    },
  };
}

/**
 * Runs the `test_` rules of `files` (policies and their tests, compiled together) with @opa-jwt/rego's test runner,
 * the one behind `opa-jwt test`: one result per test, `pass` only when the rule is defined and true.
 */
export async function runPolicyTests(files: string[], options: { v0Compatible?: boolean } = {}): Promise<RegoTestResult[]> {
  return runRegoTests({ modules: modulesOf(files), v0Compatible: options.v0Compatible });
}

export interface PolicySuite {
  /** e.g. `policies/api-authz.rego` */
  name: string;
  policy: string;
  tests: string;
  v0Compatible: boolean;
}

/**
 * Every policy under policies/ paired with its `<name>_test.rego`. Policies under a `v0` directory are
 * v0 syntax. A policy without a test file is returned with `tests` pointing to the missing file, so the
 * caller can fail on it.
 */
export function policySuites(dir = POLICIES): PolicySuite[] {
  const suites: PolicySuite[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.rego') || entry.name.endsWith('_test.rego')) continue;
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
    const policy = path.join(parent, entry.name);
    suites.push({
      name: path.relative(ROOT, policy),
      policy,
      tests: policy.replace(/\.rego$/, '_test.rego'),
      v0Compatible: path.basename(parent) === 'v0',
    });
  }
  return suites.sort((a, b) => a.name.localeCompare(b.name));
}
