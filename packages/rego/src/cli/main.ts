/**
 * `opa-jwt`: the command-line front of the compiler, with the commands of `opa` that apply to it: `build -t wasm`,
 * `test`, `eval`, `check` and `fmt`.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeBundle } from '../bundle/bundle';
import { RegoCompileError } from '../errors';
import { HELP, parseArgs, UsageError, type CheckCommand, type EvalCommand, type TestCommand } from './args';
import { runSign, signingOptions } from './sign';
import { signBundle } from '../bundle/signatures';
import { loadSources, SourceError } from './sources';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Reads all of standard input (`opa-jwt eval -I`). */
  readStdin?: () => Promise<string>;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const defaultIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  readStdin: readProcessStdin,
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
    if (command.kind === 'sign') return await runSign(command, io);
    if (command.kind === 'eval') return await runEval(command, io);
    if (command.kind === 'check') return await runCheck(command, io);
    if (command.kind === 'fmt') {
      const { runFmt } = await import('./fmt');
      return await runFmt(command, io);
    }
    const { modules, data } = await loadSources(command.paths, io.cwd);
    // Loaded here so that --help and usage errors do not pay for loading the compiler.
    const { compile } = await import('../index');
    const compiled = compile({ modules, entrypoints: command.entrypoints, v0Compatible: command.v0Compatible });
    const unsigned = writeBundle({ wasm: compiled.wasm, entrypoints: command.entrypoints, data, regoFiles: modules });
    const bundle = command.signing ? await signBundle(unsigned, await signingOptions(command.signing, io.cwd)) : unsigned;
    const output = path.resolve(io.cwd, command.output);
    await fs.writeFile(output, bundle);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`opa-jwt: ${error.message}\nRun "opa-jwt --help" for usage.\n`);
      return 2;
    }
    // Compile errors already read `file:line:col: message`, one per line.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(message.endsWith('\n') ? message : `${message}\n`);
    if (error instanceof UsageError) return 2;
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
  if (command.format === 'json') {
    const { formatTestJson } = await import('./test-json');
    io.stdout(formatTestJson(results));
  } else io.stdout(formatTestReport(results, { verbose: command.verbose }));
  const failed = results.some((result) => result.status !== 'pass' && !(result.status === 'skip' && command.exitZeroOnSkipped));
  return failed ? 2 : 0;
}

/** `opa-jwt eval`: exit 0, or 1 on an error, or with --fail (--fail-defined) when the result is (not) undefined. */
async function runEval(command: EvalCommand, io: CliIO): Promise<number> {
  const { evaluateQuery, formatEvalJson, formatEvalPretty, planQuery, undefinedReason } = await import('./eval');
  // A malformed query is a usage error before any file is read.
  planQuery(command.query);
  const { modules, data } =
    command.data.length > 0
      ? await loadSources(command.data, io.cwd, { jsonFilesAsData: true, allowNoModules: true })
      : { modules: [], data: {} };
  let input: unknown;
  if (command.input !== undefined) input = await readJson(path.resolve(io.cwd, command.input), command.input);
  else if (command.stdinInput) {
    if (!io.readStdin) throw new SourceError('standard input is not available');
    input = parseJson(await io.readStdin(), 'stdin');
  }
  const results = await evaluateQuery(command.query, { modules, data, input, v0Compatible: command.v0Compatible, print: io.stderr });
  io.stdout(command.format === 'pretty' ? formatEvalPretty(results) : formatEvalJson(results));
  if (command.format === 'pretty' && results.length === 0) {
    const reason = undefinedReason(command.query, modules, data, command.v0Compatible);
    if (reason) io.stderr(`${reason}\n`);
  }
  if (command.fail === 'undefined' && results.length === 0) return 1;
  if (command.fail === 'defined' && results.length > 0) return 1;
  return 0;
}

function parseJson(text: string, shown: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SourceError(`${shown}: invalid JSON: ${(error as Error).message}`);
  }
}

async function readJson(file: string, shown: string): Promise<unknown> {
  let text;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new SourceError(`${shown}: no such file (looked for ${file})`);
  }
  return parseJson(text, shown);
}

/** `opa-jwt check`: exit 0 when everything compiles, 1 with every error listed otherwise. */
async function runCheck(command: CheckCommand, io: CliIO): Promise<number> {
  const { modules } = await loadSources(command.paths, io.cwd, { ignore: command.ignore });
  const { checkModules, formatCheckJson, formatCheckPretty } = await import('./check');
  const errors = checkModules(modules, command.v0Compatible);
  if (errors.length === 0) return 0;
  if (command.format === 'json') io.stdout(formatCheckJson(errors));
  else io.stderr(formatCheckPretty(errors));
  return 1;
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
