/** Collects the .rego modules and data.json documents named on the command line, as `opa build` loads them. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface LoadedModule {
  /** The path as the user can open it (relative to the working directory when below it); also the path inside the bundle. */
  path: string;
  source: string;
}

export interface LoadedSources {
  modules: LoadedModule[];
  data: Record<string, unknown>;
}

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shown in messages and used inside the bundle: relative to cwd when possible, with forward slashes. */
function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  return shown.split(path.sep).join('/');
}

/** `--ignore` patterns as OPA's loader applies them: to the base name of each file or directory, `*` and `?` wildcards. */
function nameMatcher(patterns: string[]): (name: string) => boolean {
  const expressions = patterns.map((pattern) => {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    return new RegExp(`^${body}$`);
  });
  return (name) => expressions.some((expression) => expression.test(name));
}

async function walk(dir: string, found: string[], ignored: (name: string) => boolean): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (ignored(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, found, ignored);
    else if (entry.isFile()) found.push(full);
  }
}

function place(data: Record<string, unknown>, segments: string[], value: unknown, file: string): void {
  if (segments.length === 0) {
    if (!isObject(value)) throw new SourceError(`${file}: a data.json at the root must hold a JSON object`);
    merge(data, value, file, '');
    return;
  }
  let node = data;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined) node = node[segment] = {};
    else if (isObject(next)) node = next;
    else throw new SourceError(`${file}: data.${segments.join('.')} conflicts with data loaded from another file`);
  }
  merge(node, { [segments[segments.length - 1]]: value }, file, segments.slice(0, -1).join('.'));
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>, file: string, at: string): void {
  for (const [key, value] of Object.entries(source)) {
    const where = at ? `${at}.${key}` : key;
    const existing = target[key];
    if (existing === undefined) target[key] = value;
    else if (isObject(existing) && isObject(value)) merge(existing, value, file, where);
    else throw new SourceError(`${file}: data.${where} is already defined by another data file`);
  }
}

export interface LoadOptions {
  /** Names of files and directories to skip while searching directories (`opa test --ignore`). */
  ignore?: string[];
  /** A .json file named on the command line is data at the root, whatever its name (as `opa eval -d` loads it). */
  jsonFilesAsData?: boolean;
  /** Data files alone are fine (`opa eval -d data.json`); otherwise at least one .rego file is required. */
  allowNoModules?: boolean;
}

export async function loadSources(roots: string[], cwd: string, options: LoadOptions = {}): Promise<LoadedSources> {
  const ignored = nameMatcher(options.ignore ?? []);
  const modules: LoadedModule[] = [];
  const data: Record<string, unknown> = {};
  for (const root of roots) {
    const absoluteRoot = path.resolve(cwd, root);
    let stat;
    try {
      stat = await fs.stat(absoluteRoot);
    } catch {
      throw new SourceError(`${root}: no such file or directory (looked for ${absoluteRoot})`);
    }
    const files: string[] = [];
    if (stat.isDirectory()) await walk(absoluteRoot, files, ignored);
    else files.push(absoluteRoot);
    const base = stat.isDirectory() ? absoluteRoot : path.dirname(absoluteRoot);

    for (const file of files) {
      const name = path.basename(file);
      const shown = displayPath(file, cwd);
      if (name.endsWith('.rego')) {
        modules.push({ path: shown, source: await fs.readFile(file, 'utf8') });
      } else if (name === 'data.json' || (options.jsonFilesAsData && !stat.isDirectory() && name.endsWith('.json'))) {
        let value: unknown;
        try {
          value = JSON.parse(await fs.readFile(file, 'utf8'));
        } catch (error) {
          throw new SourceError(`${shown}: invalid JSON: ${(error as Error).message}`);
        }
        const relativeDir = path.relative(base, path.dirname(file));
        place(data, relativeDir ? relativeDir.split(path.sep) : [], value, shown);
      } else if (name === 'data.yaml' || name === 'data.yml') {
        throw new SourceError(`${shown}: YAML data files are not supported, convert it to data.json`);
      } else if (!stat.isDirectory()) {
        throw new SourceError(`${shown}: not a .rego or data.json file`);
      }
      // Other files inside a directory are ignored, as OPA ignores them.
    }
  }
  if (modules.length === 0 && !options.allowNoModules) throw new SourceError(`no .rego files found in ${roots.join(', ')}`);
  return { modules, data };
}
