/**
 * Runs Rego unit tests (`test_` rules) the way `opa test` does, on the stock @open-policy-agent/opa-wasm SDK: every
 * test is an entry point of ONE compiled module, loaded once, evaluated one entry point at a time without input.
 *
 * Flow: parse, discover the tests (discover.ts) and keep those the name filter selects; give each table test its
 * companion rule (table.ts); compile, with the project's custom builtins declared and unsupported builtins left to
 * fail at evaluation; load with the host builtins wrapped non-strict (a failing builtin makes its expression
 * undefined and its error is kept for the test's message), `trace` collecting notes and print() captured per test.
 * An evaluation that aborts gets the next test a fresh instance.
 */
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { hostBuiltins, type HostBuiltin } from '../builtins';
import { hostCallName, withCustomBuiltins } from '../builtins/catalog';
import { compileRe2 } from '../builtins/host/re2';
import { compileModules } from '../compile';
import { emitWasm } from '../emit';
import { parseModule } from '../parse';
import { routingPrints } from '../sdk-prints';
import type { Module } from '../parse/ast';
import { discoverTests, type DiscoveredTest } from './discover';
import { addCaseRules, tableOutcome } from './table';

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
  /**
   * Extra host builtins the policies call (custom builtins of the project under test, as `opa test` gets them from
   * its embedding program), keyed by name; they win over our host builtins of the same name (not over those the module
   * runs itself, NATIVE_BUILTINS in src/emit/natives.ts). A name OPA does not know becomes a builtin taking as many
   * arguments as the function declares (`fn.length`), of any type.
   */
  builtins?: Readonly<Record<string, HostBuiltin>>;
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
  /** The messages of the `trace(...)` calls the test evaluated, in order (`opa test -v` shows them as notes). */
  notes?: string[];
  /** Evaluation time of this test alone (0 when not evaluated). */
  durationNs: number;
}

/** The test-name filter: a string is Go (RE2) syntax, as `opa test --run` reads it. */
function nameFilter(filter: RegExp | string): (name: string) => boolean {
  if (filter instanceof RegExp) {
    // Without the stateful flags: a /g or /y RegExp's test() would resume at lastIndex and skip matches.
    const re = new RegExp(filter.source, filter.flags.replace(/[gy]/g, ''));
    return (name) => re.test(name);
  }
  const re = compileRe2(filter);
  if (re instanceof Error) throw new TypeError(`runRegoTests: option "filter" is not a valid regular expression: ${re.message}`);
  return (name) => re.test(name);
}

function locationOf(test: DiscoveredTest): string {
  const { file, line, col } = test.rule.loc;
  return `${file}:${line}:${col}`;
}

/** The SDK throws strings (opa_abort: conflicts, builtin errors) as well as Errors. */
function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/** Calls `fn` while collecting what the policy prints. */
function capturingPrints<T>(fn: () => T): { value?: T; error?: unknown; printed: string } {
  let printed = '';
  try {
    return { value: routingPrints((line) => (printed += line), fn), printed };
  } catch (error) {
    return { error, printed };
  }
}

/** The value of an entry point's result set; undefined when it has none. */
function resultOf(resultSet: unknown): unknown {
  return Array.isArray(resultSet) && resultSet.length > 0 ? (resultSet[0] as { result: unknown }).result : undefined;
}

function outcome(resultSet: unknown): { status: 'pass' | 'fail'; message?: string } {
  if (!Array.isArray(resultSet) || resultSet.length === 0) return { status: 'fail', message: 'undefined' };
  const value = (resultSet[0] as { result: unknown }).result;
  if (value === true) return { status: 'pass' };
  return { status: 'fail', message: JSON.stringify(value) };
}

async function loadTests(
  wasm: Uint8Array<ArrayBuffer>,
  data: Record<string, unknown>,
  builtins: Record<string, HostBuiltin>,
): Promise<LoadedPolicy> {
  const policy = await loadPolicy(wasm, undefined, builtins);
  policy.setData(data);
  return policy;
}

/**
 * Compiles `modules` once with every selected test as an entry point and runs each test. Throws RegoCompileError(s)
 * (with `file:line:col`) when the modules do not compile, as `opa test` stops on compile errors.
 */
export async function runRegoTests(options: RegoTestOptions): Promise<RegoTestResult[]> {
  if (!Array.isArray(options.modules)) throw new TypeError('runRegoTests: option "modules" must be an array of { path, source }');
  const filter = options.filter === undefined ? undefined : nameFilter(options.filter);
  const custom = options.builtins ?? {};
  for (const [name, impl] of Object.entries(custom)) {
    if (typeof impl !== 'function') throw new TypeError(`runRegoTests: option "builtins": ${name} is not a function`);
  }
  const arities = Object.fromEntries(Object.entries(custom).map(([name, impl]) => [name, impl.length]));
  const data = options.data ?? {};

  const parsed: Module[] = options.modules.map((m) =>
    parseModule(m.source, m.path, { v0Compatible: m.v0Compatible ?? options.v0Compatible }),
  );
  const selected = discoverTests(parsed).filter((test) => !filter || filter(test.fullName));
  const toRun = selected.filter((test) => test.kind === 'run' || test.kind === 'table');
  const tables = toRun.filter((test) => test.kind === 'table');
  const cases = addCaseRules(tables);

  // With nothing to run the modules are still compiled, so a broken policy is reported either way.
  const build = (): Uint8Array<ArrayBuffer> | undefined =>
    withCustomBuiltins(arities, () => {
      const entrypoints = [...toRun.map((test) => test.entrypoint), ...cases.entrypoints.values()];
      // A test reaching http.send (or another unsupported builtin) with no mock errors alone, as under `opa test`.
      const { program } = compileModules(parsed, entrypoints, { unsupportedBuiltinCalls: 'evaluation-error' });
      return toRun.length > 0 ? emitWasm(program) : undefined;
    });
  let wasm: Uint8Array<ArrayBuffer> | undefined;
  let tableError: string | undefined;
  try {
    wasm = build();
  } catch (error) {
    if (cases.entrypoints.size === 0) throw error;
    // A companion rule that does not compile on its own (its body cut short): the modules themselves are
    // compiled again without them, and those table tests are reported as errors.
    cases.undo();
    cases.entrypoints.clear();
    tableError = `table test cases could not be followed: ${errorText(error).split('\n')[0]}`;
    wasm = build();
  }
  // trace() records its note for the test being run (evaluation is synchronous, so the notes are that test's).
  let notes: string[] = [];
  // `opa test` evaluates without strict builtin errors: a builtin that fails makes its expression undefined and
  // the test goes on (it then usually fails as undefined). The errors are kept for the test's message.
  let builtinErrors: string[] = [];
  const nonStrict =
    (impl: HostBuiltin): HostBuiltin =>
    (...args: unknown[]) => {
      try {
        return impl(...args);
      } catch (error) {
        builtinErrors.push(errorText(error));
        return undefined;
      }
    };
  const builtins: Record<string, HostBuiltin> = {
    ...Object.fromEntries(Object.entries(hostBuiltins).map(([name, impl]) => [name, nonStrict(impl)])),
    trace: (note: unknown) => {
      if (typeof note !== 'string') return undefined;
      notes.push(note);
      return true;
    },
    // Under the names the module imports them by (ours of sprintf, regex.split, ... are not the SDK's).
    ...Object.fromEntries(Object.entries(custom).map(([name, impl]) => [hostCallName(name), nonStrict(impl)])),
  };
  let policy = wasm ? await loadTests(wasm, data, builtins) : undefined;

  const results: RegoTestResult[] = [];
  for (const test of selected) {
    const base = { package: test.package, name: test.name, location: locationOf(test) };
    if (test.kind === 'skip') {
      results.push({ ...base, status: 'skip', durationNs: 0 });
      continue;
    }
    const casesEntrypoint = cases.entrypoints.get(test);
    if (test.kind === 'table' && casesEntrypoint === undefined) {
      const message = tableError ?? 'table test cases could not be followed: no expression names the case';
      results.push({ ...base, status: 'error', message, durationNs: 0 });
      continue;
    }
    notes = [];
    builtinErrors = [];
    const start = process.hrtime.bigint();
    const run = capturingPrints(() => {
      const value = policy!.evaluate(undefined, test.entrypoint);
      return casesEntrypoint === undefined ? { value } : { value, started: policy!.evaluate(undefined, casesEntrypoint) };
    });
    const durationNs = Number(process.hrtime.bigint() - start);
    const output = { ...(run.printed === '' ? {} : { output: run.printed }), ...(notes.length === 0 ? {} : { notes }) };
    if ('error' in run) {
      results.push({ ...base, status: 'error', message: errorText(run.error), ...output, durationNs });
      // An aborted evaluation may leave the instance's state half-updated: the next test gets a fresh one.
      policy = await loadTests(wasm!, data, builtins);
    } else {
      const result =
        casesEntrypoint === undefined
          ? outcome(run.value!.value)
          : tableOutcome(resultOf(run.value!.value), resultOf(run.value!.started), test.rule.head.ref.length - test.segment - 1);
      // Like `opa test`'s report of a failed test's builtin errors: why the expression was undefined.
      if (result.status === 'fail' && builtinErrors.length > 0)
        result.message = `${result.message} (builtin error: ${builtinErrors.join('; ')})`;
      results.push({ ...base, ...result, ...output, durationNs });
    }
  }
  return results;
}
