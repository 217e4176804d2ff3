/**
 * Compiles Rego modules to wasm and evaluates one entry point on the stock SDK, as a deployment
 * does: the result of the first (only) result set, or undefined when there is none.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, planModules, RegoCompileError } from '../../src';

export interface EvaluateOptions {
  input?: unknown;
  data?: object;
  v0Compatible?: boolean;
}

export async function evaluate(sources: string | string[], entrypoint: string, options: EvaluateOptions = {}): Promise<unknown> {
  const list = typeof sources === 'string' ? [sources] : sources;
  const modules = list.map((source, i) => ({ path: `m${i}.rego`, source }));
  const { wasm } = compile({ modules, entrypoints: [entrypoint], v0Compatible: options.v0Compatible ?? false });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins);
  policy.setData(options.data ?? {});
  const rs = policy.evaluate(options.input, entrypoint) as Array<{ result: unknown }>;
  return rs.length ? rs[0].result : undefined;
}

/** The compile error message for a module; fails the test when it compiles. */
export function compileErrorOf(source: string, entrypoint: string, v0Compatible = false): string {
  try {
    planModules({ modules: [{ path: 'm0.rego', source }], entrypoints: [entrypoint], v0Compatible });
  } catch (e) {
    if (e instanceof RegoCompileError) return e.message;
    throw e;
  }
  throw new Error('expected a compile error');
}
