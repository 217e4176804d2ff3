/**
 * Turns the `policy` option into a WebAssembly module plus its base data:
 *
 * - a `.rego` file or a folder of them: compiled in-process by @opa-jwt/rego, with every rule of every package as
 *   an entrypoint (so per-route overrides can name any rule), `data.json` files placed by their folder as OPA does;
 *   `*_test.rego` files are left out (they are for `opa test`, not for decisions);
 * - a `.wasm` module: used as is;
 * - an OPA bundle (`.tar.gz` from `opa build -t wasm` or `opa-jwt build`): its `/policy.wasm`, `/data.json` files
 *   and the entrypoints of its `/.manifest`;
 * - bytes: a `.wasm` module or a bundle, told apart by their magic numbers.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { compile, normaliseEntrypoint, parseModule, readBundle } from '@opa-jwt/rego';
import { PolicyLoadError } from '../errors';
import type { PolicySpec } from '../options';

export interface PolicyArtifact {
  wasm: Uint8Array;
  /** The base document the artifact ships with (bundle data, data.json files); `{}` when none. */
  data: Record<string, unknown>;
  /** Entrypoints known before instantiation (bundle manifest, compiled rules); the module's own list wins. */
  entrypoints: string[];
  /** What was loaded, for logs: `policies/authz.rego (2 modules compiled)`. */
  description: string;
  /** Hash of every input file: a reload whose sources did not change is skipped. */
  fingerprint: string;
}

export interface SourceOptions {
  entrypoint?: string;
  v0Compatible: boolean;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function isWasm(bytes: Uint8Array): boolean {
  return WASM_MAGIC.every((byte, index) => bytes[index] === byte);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The path shown in compile errors and logs: relative to the working directory when below it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  const shown = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  return shown.split(path.sep).join('/');
}

function fingerprintOf(parts: Array<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

async function readFile(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    // The absolute path: a relative one leaves the reader guessing which working directory it was taken from.
    throw new PolicyLoadError(`cannot read policy file ${path.resolve(file)}: ${(error as Error).message}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// .rego sources

interface RegoSources {
  modules: Array<{ path: string; source: string }>;
  data: Record<string, unknown>;
  fingerprint: string;
}

async function walk(dir: string, found: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue; // .git, editor swap files
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, found);
    else if (entry.isFile()) found.push(full);
  }
}

/** Puts a folder's data.json at its folder's path below `data` (OPA's rule); overlapping documents are an error. */
function placeData(target: Record<string, unknown>, segments: string[], value: unknown, file: string): void {
  if (segments.length === 0 && !isObject(value))
    throw new PolicyLoadError(`${file}: a data.json at the root of the policy folder must hold a JSON object`);
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined) node = node[segment] = {};
    else if (isObject(next)) node = next;
    else throw new PolicyLoadError(`${file}: data.${segments.join('.')} overlaps data from another file`);
  }
  const incoming = segments.length === 0 ? (value as Record<string, unknown>) : { [segments[segments.length - 1]]: value };
  mergeInto(node, incoming, file);
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>, file: string): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (existing === undefined) target[key] = value;
    else if (isObject(existing) && isObject(value)) mergeInto(existing, value, file);
    else throw new PolicyLoadError(`${file}: data key "${key}" is already defined by another data file`);
  }
}

async function readRegoSources(spec: Extract<PolicySpec, { kind: 'file' | 'directory' }>): Promise<RegoSources> {
  const files: string[] = [];
  if (spec.kind === 'directory') {
    try {
      await walk(spec.path, files);
    } catch (error) {
      throw new PolicyLoadError(`cannot read policy folder ${path.resolve(spec.path)}: ${(error as Error).message}`, { cause: error });
    }
  } else {
    files.push(spec.path);
  }
  const modules: RegoSources['modules'] = [];
  const data: Record<string, unknown> = {};
  const parts: Array<string | Uint8Array> = [];
  for (const file of files) {
    const name = path.basename(file);
    const shown = displayPath(file);
    if (name.endsWith('.rego') && !name.endsWith('_test.rego')) {
      const content = await readFile(file);
      parts.push(shown, content);
      modules.push({ path: shown, source: content.toString('utf8') });
    } else if (name === 'data.json' && spec.kind === 'directory') {
      const content = await readFile(file);
      parts.push(shown, content);
      let value: unknown;
      try {
        value = JSON.parse(content.toString('utf8'));
      } catch (error) {
        throw new PolicyLoadError(`${shown}: invalid JSON: ${(error as Error).message}`);
      }
      const relativeDir = path.relative(spec.path, path.dirname(file));
      placeData(data, relativeDir === '' ? [] : relativeDir.split(path.sep), value, shown);
    }
  }
  if (modules.length === 0) throw new PolicyLoadError(`no .rego files in ${displayPath(spec.path)}`);
  return { modules, data, fingerprint: fingerprintOf(parts) };
}

/**
 * Every rule document of the modules as `pkg/rule` (functions excluded: they cannot be entrypoints), so that any
 * rule can be evaluated, by default or by a per-route override. Parse errors surface here with file:line:col.
 */
export function ruleEntrypoints(modules: Array<{ path: string; source: string }>, v0Compatible: boolean): string[] {
  const names = new Set<string>();
  for (const module of modules) {
    const parsed = parseModule(module.source, module.path, { v0Compatible });
    for (const rule of parsed.rules) {
      const first = rule.head.ref[0];
      if (rule.head.kind === 'function' || first?.type !== 'var') continue;
      names.add([...parsed.package, first.name].join('/'));
    }
  }
  return [...names];
}

async function compileRego(spec: Extract<PolicySpec, { kind: 'file' | 'directory' }>, options: SourceOptions): Promise<PolicyArtifact> {
  const sources = await readRegoSources(spec);
  const entrypoints = ruleEntrypoints(sources.modules, options.v0Compatible);
  if (options.entrypoint !== undefined) {
    const wanted = normaliseEntrypoint(options.entrypoint).name;
    if (!entrypoints.includes(wanted)) entrypoints.push(wanted); // a deeper path (pkg/rule/key) or a whole package
  }
  if (entrypoints.length === 0) throw new PolicyLoadError(`${displayPath(spec.path)} defines no rules`);
  // compile() throws RegoCompileError(s) whose message reads file:line:col: text.
  const result = compile({ modules: sources.modules, entrypoints, v0Compatible: options.v0Compatible });
  const count = sources.modules.length;
  return {
    wasm: result.wasm,
    data: sources.data,
    entrypoints: result.entrypoints,
    description: `${displayPath(spec.path)} (${count} module${count === 1 ? '' : 's'} compiled)`,
    fingerprint: sources.fingerprint,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// .wasm and bundles

function fromBytes(bytes: Uint8Array, description: string): PolicyArtifact {
  const fingerprint = fingerprintOf([bytes]);
  if (isWasm(bytes)) return { wasm: bytes, data: {}, entrypoints: [], description, fingerprint };
  let bundle;
  try {
    bundle = readBundle(bytes);
  } catch (error) {
    throw new PolicyLoadError(`${description} is neither a WebAssembly module nor an OPA bundle: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { wasm: bundle.wasm, data: bundle.data, entrypoints: bundle.entrypoints, description: `${description} (bundle)`, fingerprint };
}

/** Reads (and compiles, for Rego) the configured policy. */
export async function loadArtifact(spec: PolicySpec, options: SourceOptions): Promise<PolicyArtifact> {
  if (spec.kind === 'bytes') return fromBytes(spec.bytes, `policy bytes (${spec.bytes.byteLength} bytes)`);
  if (spec.kind === 'directory' || spec.format === 'rego') return compileRego(spec, options);
  const bytes = await readFile(spec.path);
  if (spec.format === 'wasm' && !isWasm(bytes)) throw new PolicyLoadError(`${displayPath(spec.path)} is not a WebAssembly module`);
  return fromBytes(new Uint8Array(bytes), displayPath(spec.path));
}
