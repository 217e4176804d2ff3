/**
 * OPA bundles (`.tar.gz`) holding a compiled policy, laid out as `opa build -t wasm` lays them out:
 *
 *   /data.json      the data document
 *   /policy.wasm    the module
 *   /<path>.rego    the sources it was compiled from
 *   /.manifest      {"revision":"","roots":[""],"wasm":[{"entrypoint":"authz/allow","module":"/policy.wasm"}]}
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { readTar, writeTar, type TarInput } from './tar';

export interface WasmResolver {
  /** Entrypoint path, e.g. `authz/allow`. */
  entrypoint: string;
  /** Path of the module inside the bundle, e.g. `/policy.wasm`. */
  module: string;
}

export interface BundleManifest {
  revision: string;
  roots?: string[];
  wasm?: WasmResolver[];
  metadata?: Record<string, unknown>;
  rego_version?: number;
  [key: string]: unknown;
}

export interface RegoFile {
  /** Path inside the bundle, without a leading `/`, e.g. `authz/api.rego`. */
  path: string;
  source: string;
}

export interface WriteBundleOptions {
  wasm: Uint8Array;
  /** Entrypoints the module exports; used to build the manifest when none is given. */
  entrypoints?: string[];
  /** The data document; `{}` when omitted. */
  data?: Record<string, unknown>;
  /** Written as given when present; otherwise `{"revision":"","roots":[""],"wasm":[...one per entrypoint]}`. */
  manifest?: BundleManifest;
  regoFiles?: RegoFile[];
}

export interface Bundle {
  /** The module named by `manifest.wasm[0].module`, or `/policy.wasm`. */
  wasm: Uint8Array;
  data: Record<string, unknown>;
  manifest: BundleManifest;
  /** Entrypoints the manifest lists for that module. */
  entrypoints: string[];
  regoFiles: RegoFile[];
}

export class BundleError extends Error {
  constructor(message: string) {
    super(`invalid bundle: ${message}`);
    this.name = 'BundleError';
  }
}

const DEFAULT_MODULE = '/policy.wasm';

export function manifestFor(entrypoints: string[]): BundleManifest {
  return {
    revision: '',
    roots: [''],
    wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: DEFAULT_MODULE })),
  };
}

/** A gzip-compressed bundle in the layout of `opa build -t wasm`. */
export function writeBundle(options: WriteBundleOptions): Buffer {
  const manifest = options.manifest ?? manifestFor(options.entrypoints ?? []);
  const modulePath = manifest.wasm?.[0]?.module ?? DEFAULT_MODULE;
  const files: TarInput[] = [
    { path: '/data.json', content: JSON.stringify(options.data ?? {}) },
    { path: absolute(modulePath), content: Buffer.from(options.wasm) },
  ];
  const regoFiles = [...(options.regoFiles ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of regoFiles) files.push({ path: absolute(normalizePath(file.path)), content: file.source });
  files.push({ path: '/.manifest', content: JSON.stringify(manifest) });
  return gzipSync(writeTar(files));
}

/** Reads a bundle made by `writeBundle` or by OPA (gzip-compressed or plain tar). */
export function readBundle(archive: Uint8Array): Bundle {
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const tar = isGzip(buffer) ? gunzip(buffer) : buffer;
  const files = new Map<string, Buffer>();
  for (const entry of readTar(tar)) {
    if (entry.type !== 'file') continue;
    const path = normalizePath(entry.path);
    if (path === '') continue;
    if (files.has(path)) throw new BundleError(`duplicate file /${path}`);
    files.set(path, entry.content);
  }

  const manifest = readManifest(files.get('.manifest'));
  const modulePath = normalizePath(manifest.wasm?.[0]?.module ?? DEFAULT_MODULE);
  const wasm = files.get(modulePath);
  if (!wasm) throw new BundleError(`no wasm module at /${modulePath}`);
  if (wasm.length < 4 || wasm.readUInt32BE(0) !== 0x0061736d) throw new BundleError(`/${modulePath} is not a WebAssembly module`);
  const entrypoints = (manifest.wasm ?? [])
    .filter((resolver) => normalizePath(resolver.module) === modulePath)
    .map((resolver) => resolver.entrypoint);

  const data: Record<string, unknown> = {};
  const regoFiles: RegoFile[] = [];
  for (const [path, content] of files) {
    const segments = path.split('/');
    const base = segments[segments.length - 1];
    if (base === 'data.json') {
      mergeData(data, segments.slice(0, -1), parseJson(path, content), path);
    } else if (base === 'data.yaml' || base === 'data.yml') {
      throw new BundleError(`/${path}: YAML data files are not supported, use data.json`);
    } else if (base.endsWith('.rego')) {
      regoFiles.push({ path, source: content.toString('utf8') });
    }
  }
  return { wasm: new Uint8Array(wasm), data, manifest, entrypoints, regoFiles };
}

// ---------------------------------------------------------------- helpers

/** `/a/b`, `./a/b` and `a//b` all become `a/b`. */
export function normalizePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

function absolute(path: string): string {
  return '/' + normalizePath(path);
}

function isGzip(buffer: Buffer): boolean {
  return buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

function gunzip(buffer: Buffer): Buffer {
  try {
    return gunzipSync(buffer);
  } catch (error) {
    throw new BundleError(`cannot decompress: ${(error as Error).message}`);
  }
}

function parseJson(path: string, content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new BundleError(`/${path}: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readManifest(content: Buffer | undefined): BundleManifest {
  if (!content) return { revision: '', roots: [''] };
  const manifest = parseJson('.manifest', content);
  if (!isObject(manifest)) throw new BundleError('/.manifest must be a JSON object');
  const wasm = manifest.wasm;
  if (wasm !== undefined) {
    const valid = Array.isArray(wasm) && wasm.every((r) => isObject(r) && typeof r.entrypoint === 'string' && typeof r.module === 'string');
    if (!valid) throw new BundleError('/.manifest "wasm" must be a list of {entrypoint, module}');
  }
  return { ...manifest, revision: typeof manifest.revision === 'string' ? manifest.revision : '' };
}

/**
 * Puts `value` at `segments` under `target`, as OPA does for each directory's data.json; clashes are BundleErrors
 * naming `file`. Also used by loaders that read a bundle's files themselves (@opa-jwt/core's bundle polling).
 */
export function mergeData(target: Record<string, unknown>, segments: string[], value: unknown, file: string): void {
  if (segments.length === 0) {
    if (!isObject(value)) throw new BundleError(`/${file}: the root data document must be an object`);
    mergeObjects(target, value, file);
    return;
  }
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (next === undefined) node = node[segment] = {};
    else if (isObject(next)) node = next;
    else throw new BundleError(`/${file}: conflicts with data at ${segments.join('/')}`);
  }
  mergeObjects(node, { [segments[segments.length - 1]]: value }, file);
}

function mergeObjects(target: Record<string, unknown>, source: Record<string, unknown>, file: string): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (existing === undefined) target[key] = value;
    else if (isObject(existing) && isObject(value)) mergeObjects(existing, value, file);
    else throw new BundleError(`/${file}: key "${key}" is already defined by another data file`);
  }
}
