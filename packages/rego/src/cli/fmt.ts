/**
 * `opa-jwt fmt`: formats .rego files like `opa fmt`: prints the formatted source, or with `--diff` a unified
 * diff, with `--list` the names of the files that would change, with `--write` rewrites those files.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RegoCompileError } from '../errors';
import { formatModule } from '../format';
import type { FmtCommand } from './args';
import type { CliIO } from './main';
import { SourceError } from './sources';
import { unifiedDiff } from './diff';

async function regoFiles(roots: string[], cwd: string): Promise<Array<{ absolute: string; shown: string }>> {
  const found: Array<{ absolute: string; shown: string }> = [];
  const walk = async (dir: string, shownDir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const shown = `${shownDir}/${entry.name}`;
      if (entry.isDirectory()) await walk(full, shown);
      else if (entry.isFile() && entry.name.endsWith('.rego')) found.push({ absolute: full, shown });
    }
  };
  for (const root of roots) {
    const absolute = path.resolve(cwd, root);
    let stat;
    try {
      stat = await fs.stat(absolute);
    } catch {
      throw new SourceError(`${root}: no such file or directory (looked for ${absolute})`);
    }
    if (stat.isDirectory()) await walk(absolute, root.replace(/\/+$/, ''));
    else found.push({ absolute, shown: root });
  }
  return found;
}

/** Exit codes: 0 done, 1 a file does not parse or cannot be read, 2 with `--fail` when a file is not formatted. */
export async function runFmt(command: FmtCommand, io: CliIO): Promise<number> {
  // Without paths the source comes from stdin, as `opa fmt` reads it.
  const files = command.paths.length > 0 ? await regoFiles(command.paths, io.cwd) : [{ absolute: '', shown: 'stdin' }];
  let failed = false;
  let changed = false;
  for (const file of files) {
    let source: string;
    if (file.absolute) source = await fs.readFile(file.absolute, 'utf8');
    else if (io.readStdin) source = await io.readStdin();
    else throw new SourceError('standard input is not available');
    let formatted: string;
    try {
      formatted = formatModule(source, file.shown, {
        v0Compatible: command.v0Compatible,
        dropV0Imports: command.dropV0Imports,
        v0v1: command.v0v1,
      });
    } catch (error) {
      if (!(error instanceof RegoCompileError)) throw error;
      io.stderr(`${error.message}\n`);
      failed = true;
      continue;
    }
    const differs = formatted !== source;
    changed ||= differs;
    if (command.mode === 'print') io.stdout(formatted);
    else if (command.mode === 'list' && differs) io.stdout(`${file.shown}\n`);
    else if (command.mode === 'diff' && differs) io.stdout(unifiedDiff(source, formatted, file.shown));
    else if (command.mode === 'write' && differs) await fs.writeFile(file.absolute, formatted);
  }
  if (failed) return 1;
  return command.fail && changed ? 2 : 0;
}
