/**
 * What the CLI tests share: a fresh temporary folder per test, files written into it, and the CLI run in it
 * in process (main(), the sources under test) or through bin/opa-jwt.js as `npx opa-jwt` runs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main, type CliIO } from '../../src/cli/main';

export const PACKAGE_ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(PACKAGE_ROOT, 'bin', 'opa-jwt.js');
/** The bin runs the compiled dist/ (built by `npm install`, or `npx tsc -b`): tests through it need it. */
export const BIN_BUILT = existsSync(path.join(PACKAGE_ROOT, 'dist', 'cli', 'main.js'));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  /** This test's folder (a new one for each test). */
  readonly dir: string;
  write(this: void, relative: string, content: string): void;
  /** Runs `opa-jwt <argv>` in process, in `dir`. */
  cli(this: void, ...argv: string[]): Promise<CliRun>;
}

/** Call at the top of a test file: registers the beforeEach/afterEach that make and remove the folder. */
export function useWorkspace(prefix: string): Workspace {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    write(relative, content) {
      const file = path.join(dir, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    },
    async cli(...argv) {
      let stdout = '';
      let stderr = '';
      const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir };
      const code = await main(argv, io);
      return { code, stdout, stderr };
    },
  };
}
