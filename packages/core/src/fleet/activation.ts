/**
 * Turns the set of current bundles into one policy engine, as OPA combines several bundles: their roots must not
 * overlap, their data documents merge, and their policies form one program. `.rego` sources from every bundle are
 * compiled together in-process; a bundle's `policy.wasm` is used as is when it is the only policy of the set (a
 * compiled module cannot be linked with other policies here). The engine is built completely before it is put in
 * force, so requests see the old set or the new one, never a mix.
 */
import { compile, normaliseEntrypoint } from '@opa-jwt/rego';
import { createHash } from 'node:crypto';
import type { Logger } from '../logger';
import { PolicyEngine, type EvaluationLimits } from '../policy/engine';
import { ruleEntrypoints } from '../policy/source';
import type { BundleContents } from './bundle-contents';

export class ActivationError extends Error {
  override readonly name = 'ActivationError';
}

export interface ActivationOptions {
  entrypoint?: string;
  data?: Record<string, unknown>;
  v0Compatible: boolean;
  limits?: EvaluationLimits;
  logger: Logger;
}

function rootsOverlap(a: string, b: string): boolean {
  const x = a.split('/').filter(Boolean);
  const y = b.split('/').filter(Boolean);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>, bundle: string): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (existing === undefined) target[key] = value;
    else if (isObject(existing) && isObject(value)) mergeInto(existing, value, bundle);
    else throw new ActivationError(`bundle ${bundle}: data key "${key}" is also defined by another bundle`);
  }
}

export async function buildEngine(bundles: BundleContents[], options: ActivationOptions): Promise<PolicyEngine> {
  for (let i = 0; i < bundles.length; i++) {
    for (let j = i + 1; j < bundles.length; j++) {
      for (const a of bundles[i].roots) {
        for (const b of bundles[j].roots) {
          if (rootsOverlap(a, b))
            throw new ActivationError(`bundles ${bundles[i].name} and ${bundles[j].name} have overlapping roots ("${a}", "${b}")`);
        }
      }
    }
  }
  const data: Record<string, unknown> = {};
  for (const bundle of bundles) mergeInto(data, bundle.data, bundle.name);
  const withWasm = bundles.filter((b) => b.wasm !== undefined);
  const modules = bundles.flatMap((b) => b.modules);
  const description = bundles.map((b) => `bundle ${b.name}${b.revision ? ` (revision ${b.revision})` : ''}`).join(', ');
  const fingerprint = createHash('sha256');
  for (const bundle of bundles) fingerprint.update(bundle.archive);

  let wasm: Uint8Array;
  let entrypoints: string[];
  if (withWasm.length > 0) {
    if (withWasm.length > 1)
      throw new ActivationError(
        `bundles ${withWasm.map((b) => b.name).join(' and ')} each hold a policy.wasm; only one compiled module can be active`,
      );
    const others = bundles.filter((b) => b !== withWasm[0] && b.modules.length > 0);
    if (others.length > 0)
      throw new ActivationError(
        `bundle ${withWasm[0].name} holds a policy.wasm and bundle ${others[0].name} holds .rego sources; they cannot be combined`,
      );
    wasm = withWasm[0].wasm!;
    entrypoints = withWasm[0].wasmEntrypoints;
  } else {
    if (modules.length === 0) throw new ActivationError(`${description}: no policy (neither .rego files nor policy.wasm)`);
    if (options.entrypoint === undefined)
      throw new ActivationError('the bundles hold only .rego sources: the `entrypoint` option must name the deciding rule');
    try {
      entrypoints = ruleEntrypoints(modules, options.v0Compatible);
      const wanted = normaliseEntrypoint(options.entrypoint).name;
      if (!entrypoints.includes(wanted)) entrypoints.push(wanted);
      const result = compile({ modules, entrypoints, v0Compatible: options.v0Compatible });
      wasm = result.wasm;
      entrypoints = result.entrypoints;
    } catch (error) {
      throw new ActivationError(`${description}: ${(error as Error).message}`);
    }
  }
  return PolicyEngine.load(
    { wasm, data, entrypoints, description, fingerprint: fingerprint.digest('hex') },
    { entrypoint: options.entrypoint, data: options.data, limits: options.limits, logger: options.logger },
  );
}
