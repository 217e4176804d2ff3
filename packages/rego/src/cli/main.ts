/** `opa-jwt`: the command-line front of the compiler (`opa-jwt build -t wasm ...` like `opa build`, `opa-jwt test` like `opa test`). */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeBundle } from '../bundle/bundle';
import { RegoCompileError } from '../errors';
import { HELP, parseArgs, UsageError, type TestCommand } from './args';
import { loadSources, SourceError } from './sources';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

const defaultIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

/** Exit codes: 0 done, 1 the policy or its files are wrong, 2 the command line is wrong or (test) a test did not pass. */
export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  let command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`opa-jwt: ${error.message}\nRun "opa-jwt --help" for usage.\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.stdout(HELP);
    return 0;
  }
  if (command.kind === 'version') {
    io.stdout(`opa-jwt ${packageVersion()}\n`);
    return 0;
  }

  try {
    if (command.kind === 'test') return await runTests(command, io);
    const { modules, data } = await loadSources(command.paths, io.cwd);
    // Loaded here so that --help and usage errors do not pay for loading the compiler.
    const { compile } = await import('../index');
    const compiled = compile({ modules, entrypoints: command.entrypoints, data, v0Compatible: command.v0Compatible });
    const bundle = writeBundle({ wasm: compiled.wasm, entrypoints: command.entrypoints, data, regoFiles: modules });
    const output = path.resolve(io.cwd, command.output);
    await fs.writeFile(output, bundle);
    return 0;
  } catch (error) {
    // Compile errors already read `file:line:col: message`, one per line.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(message.endsWith('\n') ? message : `${message}\n`);
    if (error instanceof SourceError || error instanceof RegoCompileError) return 1;
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) return 1;
    throw error;
  }
}

/** `opa-jwt test`: exit 0 when every test passed, 2 when one failed, errored or was skipped (as `opa test`). */
async function runTests(command: TestCommand, io: CliIO): Promise<number> {
  const { modules, data } = await loadSources(command.paths, io.cwd, { ignore: command.ignore });
  const { runRegoTests, formatTestReport } = await import('../testing');
  const results = await runRegoTests({ modules, data, v0Compatible: command.v0Compatible, filter: command.run });
  io.stdout(formatTestReport(results, { verbose: command.verbose }));
  const failed = results.some((result) => result.status !== 'pass' && !(result.status === 'skip' && command.exitZeroOnSkipped));
  return failed ? 2 : 0;
}

function packageVersion(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two levels below the package root.
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** Entry point of `bin/opa-jwt.js`. */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`opa-jwt: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
