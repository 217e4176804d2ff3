/**
 * Compiles Rego sources with compile() and runs them on the stock @open-policy-agent/opa-wasm SDK,
 * through both ABI paths: 1.2 (`opa_eval`, what the SDK picks for our modules) and 1.1 (the
 * context exports), chosen through the SDK's own `minorVersion` switch on LoadedPolicy.
 */
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import * as rego from '../../src';

type Impl = (...args: unknown[]) => unknown;

/** The package's host builtins, as an SDK user passes them to loadPolicy. */
export function hostBuiltins(): Record<string, Impl> {
  return rego.hostBuiltins as Record<string, Impl>;
}

export function modules(sources: string | string[]): { path: string; source: string }[] {
  return (Array.isArray(sources) ? sources : [sources]).map((source, i) => ({ path: `policy${i}.rego`, source }));
}

export async function load(sources: string | string[], entrypoints: string[], builtins?: Record<string, Impl>): Promise<LoadedPolicy> {
  const { wasm } = rego.compile({ modules: modules(sources), entrypoints });
  return loadPolicy(wasm, undefined, builtins ?? hostBuiltins());
}

type ResultSet = Array<{ result: unknown }>;

/** Evaluates on ABI 1.2 and 1.1; both must agree. Returns the value, or undefined for an empty result set. */
export function evalBoth(policy: LoadedPolicy, entrypoint: string, input?: unknown): unknown {
  const p = policy as LoadedPolicy & { minorVersion: number };
  const saved = p.minorVersion;
  try {
    p.minorVersion = 2;
    const fast = policy.evaluate(input, entrypoint) as ResultSet;
    p.minorVersion = 1;
    const slow = policy.evaluate(input, entrypoint) as ResultSet;
    expect(slow).toEqual(fast);
    if (fast.length > 1) throw new Error(`result set of ${fast.length}`);
    return fast.length === 0 ? undefined : fast[0].result;
  } finally {
    p.minorVersion = saved;
  }
}

/** The error each ABI path throws (the SDK throws opa_abort's text as a string). */
export function evalErrors(policy: LoadedPolicy, entrypoint: string, input?: unknown): string[] {
  const p = policy as LoadedPolicy & { minorVersion: number };
  const saved = p.minorVersion;
  const errors: string[] = [];
  for (const minor of [2, 1]) {
    p.minorVersion = minor;
    try {
      policy.evaluate(input, entrypoint);
      errors.push('(no error)');
    } catch (e) {
      errors.push(String((e as Error)?.message ?? e));
    }
  }
  p.minorVersion = saved;
  return errors;
}
