/**
 * Runs Rego unit tests (`test_` rules) the way `opa test` does, on the stock @open-policy-agent/opa-wasm SDK: every
 * test is an entry point of ONE compiled module, loaded once, evaluated one entry point at a time without input.
 */
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { hostBuiltins } from '../builtins';
import { compileModules } from '../compile';
import { emitWasm } from '../emit';
import { parseModule } from '../parse';
import type { Module } from '../parse/ast';
import { discoverTests, type DiscoveredTest } from './discover';

export interface RegoTestModule {
  /** File name used in locations and error messages. */
  path: string;
  source: string;
  /** Syntax of this module alone (overrides `RegoTestOptions.v0Compatible`). */
  v0Compatible?: boolean;
}

export interface RegoTestOptions {
  /** Policies and their tests, compiled together (tests usually import the policy's package). */
  modules: RegoTestModule[];
  /** Base document (`data`) the tests see, as `opa test` loads it from data.json files. Default `{}`. */
  data?: Record<string, unknown>;
  /** Parse modules with Rego v0 syntax (unless a module sets its own `v0Compatible`). */
  v0Compatible?: boolean;
  /**
   * Run only the tests whose full name (`data.pkg.test_name`) matches, like `opa test --run`.
   * A string is compiled as a regular expression (unanchored, as Go's regexp.MatchString).
   */
  filter?: RegExp | string;
}

export type RegoTestStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface RegoTestResult {
  /** `data.<package>` (as `opa test` prints it). */
  package: string;
  /** `test_x`; a repeated definition is `test_x#01`, `test_x#02`, ... as in OPA. */
  name: string;
  /** Where the test rule starts: `file:line:col`. */
  location: string;
  /** pass: defined and `true`; fail: false, undefined or another value; error: evaluation failed; skip: `todo_test_`. */
  status: RegoTestStatus;
  /** Why it failed (`undefined`, `false`, the value) or the evaluation error. */
  message?: string;
  /** Lines written by `print()` during the test, each ending with a newline. */
  output?: string;
  /** Evaluation time of this test alone (0 when not evaluated). */
  durationNs: number;
}

function toRegExp(filter: RegExp | string): RegExp {
  // Without the stateful flags: a /g or /y RegExp's test() would resume at lastIndex and skip matches.
  if (filter instanceof RegExp) return new RegExp(filter.source, filter.flags.replace(/[gy]/g, ''));
  try {
    return new RegExp(filter);
  } catch (error) {
    throw new TypeError(`runRegoTests: option "filter" is not a valid regular expression: ${(error as Error).message}`);
  }
}

function locationOf(test: DiscoveredTest): string {
  const { file, line, col } = test.rule.loc;
  return `${file}:${line}:${col}`;
}

/** The SDK throws strings (opa_abort: conflicts, builtin errors) as well as Errors. */
function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

/**
 * Calls `fn` while collecting what the policy prints. The SDK hands print() output (its opa_println import) straight
 * to `console.log` and offers no hook; evaluation is synchronous, so swapping console.log around one call captures
 * exactly that test's lines and nothing else.
 */
function capturingPrints<T>(fn: () => T): { value?: T; error?: unknown; printed: string } {
  const original = console.log;
  let printed = '';
  console.log = (...args: unknown[]) => {
    printed += `${args.map(String).join(' ')}\n`;
  };
  try {
    return { value: fn(), printed };
  } catch (error) {
    return { error, printed };
  } finally {
    console.log = original;
  }
}

function outcome(resultSet: unknown): { status: 'pass' | 'fail'; message?: string } {
  if (!Array.isArray(resultSet) || resultSet.length === 0) return { status: 'fail', message: 'undefined' };
  const value = (resultSet[0] as { result: unknown }).result;
  if (value === true) return { status: 'pass' };
  return { status: 'fail', message: JSON.stringify(value) };
}

async function loadTests(wasm: Uint8Array<ArrayBuffer>, data: Record<string, unknown>): Promise<LoadedPolicy> {
  const policy = await loadPolicy(wasm, undefined, hostBuiltins);
  policy.setData(data);
  return policy;
}

/**
 * Compiles `modules` once with every selected test as an entry point and runs each test. Throws RegoCompileError(s)
 * (with `file:line:col`) when the modules do not compile, as `opa test` stops on compile errors.
 */
export async function runRegoTests(options: RegoTestOptions): Promise<RegoTestResult[]> {
  if (!Array.isArray(options.modules)) throw new TypeError('runRegoTests: option "modules" must be an array of { path, source }');
  const filter = options.filter === undefined ? undefined : toRegExp(options.filter);
  const data = options.data ?? {};

  const parsed: Module[] = options.modules.map((m) => parseModule(m.source, m.path, { v0Compatible: m.v0Compatible ?? options.v0Compatible }));
  const selected = discoverTests(parsed).filter((test) => !filter || filter.test(test.fullName));
  const toRun = selected.filter((test) => test.kind === 'run');

  // With nothing to run the modules are still compiled, so a broken policy is reported either way.
  // A test reaching http.send (or another unsupported builtin) with no mock errors alone, as under `opa test`.
  const { program } = compileModules(parsed, toRun.map((test) => test.entrypoint), { unsupportedBuiltinCalls: 'evaluation-error' });
  const wasm = toRun.length > 0 ? emitWasm(program) : undefined;
  let policy = wasm ? await loadTests(wasm, data) : undefined;

  const results: RegoTestResult[] = [];
  for (const test of selected) {
    const base = { package: test.package, name: test.name, location: locationOf(test) };
    if (test.kind === 'skip') {
      results.push({ ...base, status: 'skip', durationNs: 0 });
      continue;
    }
    if (test.kind === 'unsupported') {
      results.push({
        ...base,
        status: 'error',
        message: 'test rules with variables in the head (table tests) are not supported: write one test_ rule per case',
        durationNs: 0,
      });
      continue;
    }
    const start = process.hrtime.bigint();
    const run = capturingPrints(() => policy!.evaluate(undefined, test.entrypoint));
    const durationNs = Number(process.hrtime.bigint() - start);
    const output = run.printed === '' ? {} : { output: run.printed };
    if ('error' in run) {
      results.push({ ...base, status: 'error', message: errorText(run.error), ...output, durationNs });
      // An aborted evaluation may leave the instance's state half-updated: the next test gets a fresh one.
      policy = await loadTests(wasm!, data);
    } else {
      results.push({ ...base, ...outcome(run.value), ...output, durationNs });
    }
  }
  return results;
}
