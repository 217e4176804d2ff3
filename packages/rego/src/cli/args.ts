/** Command-line parsing for `opa-jwt`, with the flags of `opa build -t wasm`. */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'build'; target: string; entrypoints: string[]; output: string; v0Compatible: boolean; paths: string[] };

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
  if (command !== 'build') throw new UsageError(`unknown command "${command}"`);

  const build = { kind: 'build' as const, target: 'rego', entrypoints: [] as string[], output: 'bundle.tar.gz', v0Compatible: false, paths: [] as string[] };
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
  return build;
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

export const HELP = `opa-jwt: compile Rego policies to WebAssembly bundles that run on @open-policy-agent/opa-wasm

Usage:
  opa-jwt build -t wasm -e <entrypoint> [-e <entrypoint> ...] [-o <file>] [--v0-compatible] <path> [<path> ...]
  opa-jwt version
  opa-jwt --help

build: like "opa build -t wasm". Each <path> is a .rego file, a data.json file or a directory searched
recursively for both. A data.json is placed at its directory's path relative to the <path> that
contains it (policies/users/data.json under "policies" becomes data.users).

Flags:
  -t, --target <wasm>        output target; only "wasm" is supported
  -e, --entrypoint <path>    rule or package to export, e.g. authz/allow (repeatable)
  -o, --output <file>        bundle to write (default "bundle.tar.gz")
      --v0-compatible        parse policies with Rego v0 syntax (no "if"/"contains" keywords required)
  -h, --help                 show this help

The bundle holds /policy.wasm, /data.json, the .rego sources and /.manifest, as "opa build" writes them.
`;
