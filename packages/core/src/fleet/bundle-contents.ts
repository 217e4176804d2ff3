/**
 * One downloaded bundle, opened: the tarball's files (signature checked first when signing is configured), its
 * `.manifest`, its `.rego` sources, its `policy.wasm` (when the manifest or the layout names one) and its data
 * documents placed by folder (`data.json`, `data.yaml`). Nothing here is activated: see activation.ts.
 */
import { gunzipSync } from 'node:zlib';
import { BundleError, mergeBundleData, normalizeBundlePath, readTar, SIGNATURES_FILE } from '@opa-jwt/rego';
import { parse as parseYaml } from 'yaml';
import type { BundleConfig, KeyConfig } from './config';
import { verifyBundle } from './signing';

export interface BundleContents {
  name: string;
  revision: string;
  roots: string[];
  /** `pkg/rule` entrypoints of the manifest's wasm resolvers. */
  wasmEntrypoints: string[];
  wasm?: Uint8Array;
  modules: Array<{ path: string; source: string }>;
  data: Record<string, unknown>;
  /** The archive as downloaded, for persistence. */
  archive: Buffer;
}

export class BundleContentError extends Error {
  override readonly name = 'BundleContentError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and (when configured) verifies a bundle archive; throws with the reason when it is not usable. */
export async function openBundle(archive: Buffer, config: BundleConfig, keys: Map<string, KeyConfig>): Promise<BundleContents> {
  let tar: Buffer;
  try {
    tar = archive.length >= 2 && archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  } catch (error) {
    throw new BundleContentError(`cannot decompress the bundle: ${(error as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  try {
    for (const entry of readTar(tar)) {
      if (entry.type !== 'file') continue;
      const name = normalizeBundlePath(entry.path);
      if (name === '') continue;
      if (name.split('/').includes('..')) throw new BundleContentError(`the bundle holds a path outside its root: ${entry.path}`);
      if (files.has(name)) throw new BundleContentError(`duplicate file /${name}`);
      files.set(name, entry.content);
    }
  } catch (error) {
    if (error instanceof BundleContentError) throw error;
    throw new BundleContentError(`the bundle is not a valid tarball: ${(error as Error).message}`);
  }
  if (files.size === 0) throw new BundleContentError('the bundle is empty or not a tarball');
  if (config.signing) await verifyBundle(files, config.signing, keys);

  let manifest: Record<string, unknown> = {};
  const manifestFile = files.get('.manifest');
  if (manifestFile) {
    try {
      manifest = JSON.parse(manifestFile.toString('utf8'));
    } catch (error) {
      throw new BundleContentError(`/.manifest: ${(error as Error).message}`);
    }
    if (!isObject(manifest)) throw new BundleContentError('/.manifest must be a JSON object');
  }
  const revision = typeof manifest.revision === 'string' ? manifest.revision : '';
  const roots = Array.isArray(manifest.roots) ? manifest.roots.map(String) : [''];
  const resolvers = Array.isArray(manifest.wasm) ? (manifest.wasm as Array<{ entrypoint?: unknown; module?: unknown }>) : [];
  const modulePaths = new Set(resolvers.map((r) => (typeof r.module === 'string' ? r.module : '').replace(/^\/+/, '')));
  if (modulePaths.size > 1) throw new BundleContentError('the manifest names several wasm modules; one per bundle is supported');
  const wasmPath = modulePaths.size === 1 ? [...modulePaths][0] : files.has('policy.wasm') ? 'policy.wasm' : undefined;
  const wasm = wasmPath === undefined ? undefined : files.get(wasmPath);
  if (wasmPath !== undefined && !wasm) throw new BundleContentError(`the manifest names /${wasmPath}, which is not in the bundle`);

  const modules: BundleContents['modules'] = [];
  const data: Record<string, unknown> = {};
  for (const [name, content] of files) {
    if (name === SIGNATURES_FILE) continue;
    const segments = name.split('/');
    const base = segments[segments.length - 1];
    if (base === 'data.json' || base === 'data.yaml' || base === 'data.yml') {
      let value: unknown;
      try {
        value = base === 'data.json' ? JSON.parse(content.toString('utf8')) : parseYaml(content.toString('utf8'));
      } catch (error) {
        throw new BundleContentError(`/${name}: ${(error as Error).message}`);
      }
      try {
        mergeBundleData(data, segments.slice(0, -1), value, name);
      } catch (error) {
        throw error instanceof BundleError ? new BundleContentError(error.message) : error;
      }
    } else if (base.endsWith('.rego') && !base.endsWith('_test.rego')) {
      modules.push({ path: `${config.name}/${name}`, source: content.toString('utf8') });
    }
  }
  return {
    name: config.name,
    revision,
    roots,
    wasmEntrypoints: resolvers.map((r) => (typeof r.entrypoint === 'string' ? r.entrypoint : '')).filter((e) => e !== ''),
    wasm: wasm === undefined ? undefined : new Uint8Array(wasm),
    modules,
    data,
    archive,
  };
}
