/** Command-line parsing for `opa-jwt`, with the flags of `opa build -t wasm` and `opa test`. */
import { compileRe2 } from '../builtins/host/re2';
import { isSigningFlag, parseSignArgs, takeSigningFlag, type SignCommand, type SigningFlags } from './sign';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'build'; target: string; entrypoints: string[]; output: string; v0Compatible: boolean; paths: string[]; signing?: SigningFlags }
  | SignCommand
  | TestCommand;

export interface TestCommand {
  kind: 'test';
  /** `-v`: list every test, not only those that did not pass. */
  verbose: boolean;
  /** `--run <regex>`: only tests whose full name (`data.pkg.test_x`) matches. */
  run?: string;
  v0Compatible: boolean;
  /** `--ignore <pattern>`: file and directory names skipped while searching directories (`*` and `?` wildcards). */
  ignore: string[];
  /** `-z`: skipped (`todo_test_`) tests do not make the exit code non-zero. */
  exitZeroOnSkipped: boolean;
  paths: string[];
}

/** Flags that take a value, long and short spellings. */
const VALUE_FLAGS: Record<string, 'target' | 'entrypoint' | 'output'> = {
  '-t': 'target',
  '--target': 'target',
  '-e': 'entrypoint',
  '--entrypoint': 'entrypoint',
  '-o': 'output',
  '--output': 'output',
};

export function parseArgs(argv: string[]): Command {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return { kind: 'help' };
  const [command, ...rest] = argv;
  if (command === 'version' || command === '--version') return { kind: 'version' };
  if (command === 'test') return parseTestArgs(rest);
  if (command === 'sign') return parseSignArgs(rest);
  if (command !== 'build') throw new UsageError(`unknown command "${command}"`);

  const build = { kind: 'build' as const, target: 'rego', entrypoints: [] as string[], output: 'bundle.tar.gz', v0Compatible: false, paths: [] as string[], signing: undefined as SigningFlags | undefined };
  let targetGiven = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--v0-compatible') {
      build.v0Compatible = true;
      continue;
    }
    if (arg === '--') {
      build.paths.push(...rest.slice(i + 1));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (isSigningFlag(flag)) {
      build.signing ??= { algorithm: 'RS256' };
      takeSigningFlag(flag, eq > 0 ? arg.slice(eq + 1) : rest[++i], build.signing);
      continue;
    }
    const key = VALUE_FLAGS[flag];
    if (key) {
      const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined || value === '') throw new UsageError(`flag ${flag} needs a value`);
      if (key === 'target') {
        build.target = value;
        targetGiven = true;
      } else if (key === 'entrypoint') build.entrypoints.push(normalizeEntrypoint(value));
      else build.output = value;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown flag ${flag}`);
    build.paths.push(arg);
  }
  if (!targetGiven || build.target !== 'wasm') {
    throw new UsageError(`only "-t wasm" is supported${targetGiven ? ` (got "${build.target}")` : ''}`);
  }
  if (build.entrypoints.length === 0) throw new UsageError('wasm compilation requires at least one entrypoint (-e)');
  if (build.paths.length === 0) throw new UsageError('no policy files or directories given');
  if (build.signing && !build.signing.key) throw new UsageError('--signing-alg and --claims-file need --signing-key');
  return build;
}

/** Flags of `opa-jwt test` that take a value. */
const TEST_VALUE_FLAGS: Record<string, 'run' | 'ignore'> = { '-r': 'run', '--run': 'run', '--ignore': 'ignore' };

function parseTestArgs(rest: string[]): TestCommand | { kind: 'help' } {
  const test: TestCommand = { kind: 'test', verbose: false, v0Compatible: false, ignore: [], exitZeroOnSkipped: false, paths: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '-v' || arg === '--verbose') test.verbose = true;
    else if (arg === '--v0-compatible') test.v0Compatible = true;
    else if (arg === '-z' || arg === '--exit-zero-on-skipped') test.exitZeroOnSkipped = true;
    else if (arg === '--') {
      test.paths.push(...rest.slice(i + 1));
      break;
    } else {
      const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const key = TEST_VALUE_FLAGS[flag];
      if (key) {
        const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
        if (value === undefined || value === '') throw new UsageError(`flag ${flag} needs a value`);
        if (key === 'run') {
          const re = compileRe2(value);
          if (re instanceof Error) throw new UsageError(`--run: invalid regular expression: ${re.message}`);
          test.run = value;
        } else test.ignore.push(value);
      } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown flag ${flag}`);
      else test.paths.push(arg);
    }
  }
  if (test.paths.length === 0) throw new UsageError('specify at least one file or directory to test');
  return test;
}

/** `data.authz.allow` and `authz.allow` become `authz/allow`, the form OPA's manifest uses. */
export function normalizeEntrypoint(entrypoint: string): string {
  let path = entrypoint.trim();
  if (path.includes('.') && !path.includes('/')) path = path.split('.').join('/');
  path = path.replace(/^\/+|\/+$/g, '');
  if (path === 'data' || path.startsWith('data/')) path = path.slice(5);
  if (path === '' || path.split('/').some((segment) => segment === '')) throw new UsageError(`invalid entrypoint "${entrypoint}"`);
  return path;
}

export const HELP = `opa-jwt: compile Rego policies to WebAssembly bundles that run on @open-policy-agent/opa-wasm,
and run their unit tests

Usage:
  opa-jwt build -t wasm -e <entrypoint> [-e <entrypoint> ...] [-o <file>] [--v0-compatible] <path> [<path> ...]
  opa-jwt sign --signing-key <file> [--signing-alg <alg>] [--claims-file <file>] [-o <file>] <bundle.tar.gz>
  opa-jwt test [-v] [--run <regex>] [--v0-compatible] [--ignore <pattern>] [-z] <path> [<path> ...]
  opa-jwt version
  opa-jwt --help

build: like "opa build -t wasm". Each <path> is a .rego file, a data.json file or a directory searched
recursively for both. A data.json is placed at its directory's path relative to the <path> that
contains it (policies/users/data.json under "policies" becomes data.users).

Flags of build:
  -t, --target <wasm>        output target; only "wasm" is supported
  -e, --entrypoint <path>    rule or package to export, e.g. authz/allow (repeatable)
  -o, --output <file>        bundle to write (default "bundle.tar.gz")
      --v0-compatible        parse policies with Rego v0 syntax (no "if"/"contains" keywords required)
      --signing-key <file>   sign the bundle with this PEM private key (HS*: the secret, or a file holding it)
      --signing-alg <alg>    RS256 (default), RS384, RS512, PS256/384/512, ES256/384/512, HS256/384/512
      --claims-file <file>   JSON object of extra claims for the signature (e.g. "scope", "keyid")
  -h, --help                 show this help

sign: like "opa sign --bundle", for a bundle archive: adds /.signatures.json (a JWS over the SHA-256 digest
of every file, as OPA computes them) and writes the bundle back in place, or to -o <file>. OPA and
opa-jwt's bundle client verify it with the public key configured under "keys".

The bundle holds /policy.wasm, /data.json, the .rego sources and /.manifest, as "opa build" writes them.

test: like "opa test". Loads <path>s as build does, compiles them to WebAssembly and runs every test
rule (a rule named test_*, usually in *_test.rego files) on the @open-policy-agent/opa-wasm SDK. A test
passes when it is defined and true; false or undefined fails; an evaluation error (e.g. a conflict) is
an error. todo_test_* rules are reported as skipped. Tests defined several times in one package run
one by one as test_x, test_x#01, ... Lists the tests that did not pass (with -v every test) with
their location and print() output, then PASS/FAIL/SKIPPED/ERROR counts.

Flags of test:
  -v, --verbose              list every test and its duration
  -r, --run <regex>          run only tests whose full name (data.pkg.test_x) matches
      --v0-compatible        parse policies and tests with Rego v0 syntax
      --ignore <pattern>     skip files and directories with this name while searching directories,
                             "*" and "?" wildcards (repeatable), e.g. --ignore v0
  -z, --exit-zero-on-skipped skipped tests do not fail the run

Exit codes: 0 success (test: every test passed), 1 a policy or data file is wrong (compile errors read
file:line:col: ...), 2 test: some test failed, errored or was skipped; 2 also for a wrong command line.
`;
