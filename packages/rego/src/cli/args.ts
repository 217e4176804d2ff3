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
  | TestCommand
  | EvalCommand
  | CheckCommand
  | FmtCommand;

export interface EvalCommand {
  kind: 'eval';
  /** The query text, e.g. `data.authz.decision` or `x := data.a; x > 1`. */
  query: string;
  /** `-d/--data`: .rego and data.json files and directories (repeatable). */
  data: string[];
  /** `-i/--input`: a JSON file. */
  input?: string;
  /** `-I/--stdin-input`: read the input document from stdin. */
  stdinInput: boolean;
  format: 'json' | 'pretty';
  /** `--fail`: exit 1 when the result is undefined. `--fail-defined`: exit 1 when it is defined. */
  fail: 'undefined' | 'defined' | 'never';
  v0Compatible: boolean;
}

export interface CheckCommand {
  kind: 'check';
  format: 'pretty' | 'json';
  v0Compatible: boolean;
  ignore: string[];
  paths: string[];
}

export interface FmtCommand {
  kind: 'fmt';
  /** What to do with each formatted file: print it, print a diff, print its name when it changes, or rewrite it. */
  mode: 'print' | 'diff' | 'list' | 'write';
  /** `--fail`: exit 2 when a file is not formatted. */
  fail: boolean;
  v0Compatible: boolean;
  /** `--drop-v0-imports`: drop `rego.v1` and `future.keywords` imports. */
  dropV0Imports: boolean;
  /** `--v0-v1`: add `import rego.v1` so that v0 parsers read the output too. */
  v0v1: boolean;
  paths: string[];
}

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
  /** `--format pretty|json`: the report as `opa test` prints it, or its JSON array of results. */
  format: 'pretty' | 'json';
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
  if (command === 'eval') return parseEvalArgs(rest);
  if (command === 'check') return parseCheckArgs(rest);
  if (command === 'fmt') return parseFmtArgs(rest);
  if (command === 'sign') return parseSignArgs(rest);
  if (command !== 'build') throw new UsageError(`unknown command "${command}"`);

  const build = {
    kind: 'build' as const,
    target: 'wasm',
    entrypoints: [] as string[],
    output: 'bundle.tar.gz',
    v0Compatible: false,
    paths: [] as string[],
    signing: undefined as SigningFlags | undefined,
  };
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
  if (targetGiven && build.target !== 'wasm') throw new UsageError(`only "-t wasm" is supported (got "${build.target}")`);
  if (build.entrypoints.length === 0) throw new UsageError('wasm compilation requires at least one entrypoint (-e)');
  if (build.paths.length === 0) throw new UsageError('no policy files or directories given');
  if (build.signing && !build.signing.key) throw new UsageError('--signing-alg and --claims-file need --signing-key');
  return build;
}

/** Flags of `opa-jwt test` that take a value. */
const TEST_VALUE_FLAGS: Record<string, 'run' | 'ignore' | 'format'> = {
  '-r': 'run',
  '--run': 'run',
  '--ignore': 'ignore',
  '-f': 'format',
  '--format': 'format',
};

function parseTestArgs(rest: string[]): TestCommand | { kind: 'help' } {
  const test: TestCommand = {
    kind: 'test',
    verbose: false,
    v0Compatible: false,
    ignore: [],
    exitZeroOnSkipped: false,
    format: 'pretty',
    paths: [],
  };
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
        } else if (key === 'format') test.format = oneOf(flag, value, ['pretty', 'json']);
        else test.ignore.push(value);
      } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown flag ${flag}`);
      else test.paths.push(arg);
    }
  }
  if (test.paths.length === 0) throw new UsageError('specify at least one file or directory to test');
  return test;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`flag ${flag}: "${value}" is not one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  return value as T;
}

/**
 * Splits `--flag value`, `--flag=value` and bare flags; `valueFlags` maps each spelling of a flag that takes a
 * value to its name, `boolFlags` each spelling of a switch. Positional arguments (and everything after `--`) are
 * returned in order.
 */
function scanFlags(
  rest: string[],
  valueFlags: Record<string, string>,
  boolFlags: Record<string, string>,
): { values: Array<[string, string, string]>; switches: Set<string>; positional: string[]; help: boolean } {
  const values: Array<[string, string, string]> = [];
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') return { values, switches, positional, help: true };
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (valueFlags[flag]) {
      const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (value === undefined || value === '') throw new UsageError(`flag ${flag} needs a value`);
      values.push([valueFlags[flag], flag, value]);
    } else if (boolFlags[flag] && eq < 0) switches.add(boolFlags[flag]);
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown flag ${flag}`);
    else positional.push(arg);
  }
  return { values, switches, positional, help: false };
}

function parseEvalArgs(rest: string[]): EvalCommand | { kind: 'help' } {
  const scanned = scanFlags(
    rest,
    { '-d': 'data', '--data': 'data', '-i': 'input', '--input': 'input', '-f': 'format', '--format': 'format' },
    { '-I': 'stdin-input', '--stdin-input': 'stdin-input', '--fail': 'fail', '--fail-defined': 'fail-defined', '--v0-compatible': 'v0' },
  );
  if (scanned.help) return { kind: 'help' };
  const command: EvalCommand = {
    kind: 'eval',
    query: '',
    data: [],
    stdinInput: scanned.switches.has('stdin-input'),
    format: 'json',
    fail: 'never',
    v0Compatible: scanned.switches.has('v0'),
  };
  for (const [name, flag, value] of scanned.values) {
    if (name === 'data') command.data.push(value);
    else if (name === 'input') command.input = value;
    else command.format = oneOf(flag, value, ['json', 'pretty']);
  }
  if (scanned.switches.has('fail') && scanned.switches.has('fail-defined'))
    throw new UsageError('specify --fail or --fail-defined but not both');
  if (scanned.switches.has('fail')) command.fail = 'undefined';
  if (scanned.switches.has('fail-defined')) command.fail = 'defined';
  if (command.input !== undefined && command.stdinInput) throw new UsageError('specify --input or --stdin-input but not both');
  if (scanned.positional.length !== 1)
    throw new UsageError(`eval takes exactly one query, e.g. 'data.authz.allow' (got ${scanned.positional.length})`);
  command.query = scanned.positional[0];
  if (command.query.trim() === '') throw new UsageError('the query is empty');
  return command;
}

function parseCheckArgs(rest: string[]): CheckCommand | { kind: 'help' } {
  const scanned = scanFlags(rest, { '-f': 'format', '--format': 'format', '--ignore': 'ignore' }, { '--v0-compatible': 'v0' });
  if (scanned.help) return { kind: 'help' };
  const command: CheckCommand = {
    kind: 'check',
    format: 'pretty',
    v0Compatible: scanned.switches.has('v0'),
    ignore: [],
    paths: scanned.positional,
  };
  for (const [name, flag, value] of scanned.values) {
    if (name === 'format') command.format = oneOf(flag, value, ['pretty', 'json']);
    else command.ignore.push(value);
  }
  if (command.paths.length === 0) throw new UsageError('specify at least one file or directory to check');
  return command;
}

function parseFmtArgs(rest: string[]): FmtCommand | { kind: 'help' } {
  const scanned = scanFlags(
    rest,
    {},
    {
      '-d': 'diff',
      '--diff': 'diff',
      '-l': 'list',
      '--list': 'list',
      '-w': 'write',
      '--write': 'write',
      '--fail': 'fail',
      '--v0-compatible': 'v0',
      '--drop-v0-imports': 'drop',
      '--v0-v1': 'v0v1',
    },
  );
  if (scanned.help) return { kind: 'help' };
  const modes = (['diff', 'list', 'write'] as const).filter((mode) => scanned.switches.has(mode));
  if (modes.length > 1)
    throw new UsageError(`specify only one of --diff, --list and --write (got ${modes.map((m) => `--${m}`).join(', ')})`);
  if (scanned.positional.length === 0 && modes[0] === 'write')
    throw new UsageError('--write needs files or directories (the source is read from stdin otherwise)');
  if (scanned.switches.has('drop') && scanned.switches.has('v0v1'))
    throw new UsageError('specify --drop-v0-imports or --v0-v1 but not both');
  return {
    kind: 'fmt',
    mode: modes[0] ?? 'print',
    fail: scanned.switches.has('fail'),
    v0Compatible: scanned.switches.has('v0'),
    dropV0Imports: scanned.switches.has('drop'),
    v0v1: scanned.switches.has('v0v1'),
    paths: scanned.positional,
  };
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
run their unit tests, evaluate queries, check and format them, as the opa commands of the same names do

Usage:
  opa-jwt build [-t wasm] -e <entrypoint> [-e <entrypoint> ...] [-o <file>] [--v0-compatible]
                [--signing-key <file> [--signing-alg <alg>] [--claims-file <file>]] <path> [<path> ...]
  opa-jwt sign --signing-key <file> [--signing-alg <alg>] [--claims-file <file>] [-o <file>] <bundle.tar.gz>
  opa-jwt test [-v] [--run <regex>] [--v0-compatible] [--ignore <pattern>] [-z] [--format pretty|json] <path> [<path> ...]
  opa-jwt eval [-d <path> ...] [-i <input.json> | -I] [--format json|pretty] [--fail | --fail-defined] [--v0-compatible] <query>
  opa-jwt check [--format pretty|json] [--v0-compatible] [--ignore <pattern>] <path> [<path> ...]
  opa-jwt fmt [-l | -d | -w] [--fail] [--v0-compatible] [--drop-v0-imports | --v0-v1] [<path> ...]
  opa-jwt version
  opa-jwt --help

build: like "opa build -t wasm". Each <path> is a .rego file, a data.json file or a directory searched
recursively for both. A data.json is placed at its directory's path relative to the <path> that
contains it (policies/users/data.json under "policies" becomes data.users).

Flags of build:
  -t, --target <wasm>        output target; only "wasm" is supported (the default)
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
  -f, --format <pretty|json> the report, or opa test's JSON array of results (location, package, name,
                             fail/error/skip, duration in ns, output in base64)

eval: like "opa eval". Compiles the query with the policies and evaluates it on the SDK. The query is
a reference (data.authz.decision, data.authz.decision.allow, data) or any Rego query
('some r in input.roles; r == "admin"'). print() output goes to stderr.

Flags of eval:
  -d, --data <path>          .rego file, .json file (merged at the root of data) or directory (repeatable)
  -i, --input <file>         the input document, a JSON file
  -I, --stdin-input          read the input document from stdin
  -f, --format <json|pretty> json (default): {"result":[{"expressions":[{"value","text","location"}],
                             "bindings"}]}, {} when undefined; pretty: the value as indented JSON, or
                             "undefined" and, on stderr, why (no such rule or data, or no rule applies)
      --fail                 exit 1 when the result is undefined
      --fail-defined         exit 1 when the result is defined
      --v0-compatible        parse policies with Rego v0 syntax

check: like "opa check". Compiles without writing anything and reports every error of every file,
one "file:line:col: code: message" line each (--format json: {"errors":[{message, code, location}]}).
Exit 0 when everything compiles, 1 otherwise.

fmt: like "opa fmt". Writes Rego v1 in opa fmt's layout (tabs, if/contains, spacing, sorted imports,
comments kept); without a path it formats stdin. Prints the formatted source unless one of:
  -l, --list                 list the files whose formatting would change
  -d, --diff                 print a unified diff of the changes
  -w, --write                rewrite the files that change
      --fail                 exit 2 when a file is not formatted
      --v0-compatible        read Rego v0 (the output is Rego v1)
      --drop-v0-imports      drop the rego.v1 and future.keywords imports (kept by default; future
                             imports go anyway when rego.v1 is imported, as it covers them)
      --v0-v1                add "import rego.v1" so that Rego v0 parsers read the output too

Exit codes: 0 success (test: every test passed), 1 a policy or data file is wrong or missing (compile
errors read file:line:col: ...; eval: also --fail/--fail-defined), 2 test: some test failed, errored or
was skipped, fmt --fail: a file is not formatted; 2 also for a wrong command line or query.
`;
