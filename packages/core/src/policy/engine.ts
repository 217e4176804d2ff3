/**
 * One instantiated policy: the module loaded once through the stock @open-policy-agent/opa-wasm SDK, its data set,
 * and evaluation by entrypoint name. The instance is reused for every request; the SDK resets the module's heap
 * before each evaluation, so memory stays flat. Evaluation is synchronous: nothing else runs on the instance
 * while it evaluates, which is what makes sharing it between concurrent requests safe.
 */
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { hostBuiltins, normaliseEntrypoint } from '@opa-jwt/rego';
import { PolicyLoadError } from '../errors';
import type { PolicyArtifact } from './source';

/** The policy's answer: `defined: false` when the rule was undefined (the SDK's empty result set). */
export interface Evaluation {
  defined: boolean;
  value: unknown;
}

/** The SDK throws strings and plain objects as well as Errors; give callers an Error with the text. */
export class EvaluationFailure extends Error {
  override readonly name = 'EvaluationFailure';
}

function failureOf(thrown: unknown): EvaluationFailure {
  if (thrown instanceof Error) return new EvaluationFailure(thrown.message, { cause: thrown });
  if (typeof thrown === 'string') return new EvaluationFailure(thrown);
  if (typeof thrown === 'object' && thrown !== null && typeof (thrown as { message?: unknown }).message === 'string') {
    return new EvaluationFailure((thrown as { message: string }).message);
  }
  return new EvaluationFailure(String(thrown));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `override` over `base`, recursively for objects; the option's values win. */
export function mergeData(base: Record<string, unknown>, override: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!override) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = isObject(out[key]) && isObject(value) ? mergeData(out[key] as Record<string, unknown>, value) : value;
  }
  return out;
}

const utf8 = new TextEncoder();

export class PolicyEngine {
  private constructor(
    private readonly policy: LoadedPolicy,
    /** Entrypoint names (`pkg/rule`) the module exports. */
    readonly entrypoints: ReadonlySet<string>,
    /** The configured entrypoint, or the bundle's / module's first. */
    readonly defaultEntrypoint: string,
    readonly description: string,
    readonly fingerprint: string,
  ) {}

  static async load(artifact: PolicyArtifact, options: { entrypoint?: string; data?: Record<string, unknown> }): Promise<PolicyEngine> {
    let policy: LoadedPolicy;
    try {
      // Builtins the module leaves to the host (the compiler's `builtins()` list) are implemented by @opa-jwt/rego.
      policy = await loadPolicy(artifact.wasm, undefined, hostBuiltins as Record<string, (...args: unknown[]) => unknown>);
    } catch (error) {
      throw new PolicyLoadError(`${artifact.description}: the module cannot be loaded by the OPA Wasm SDK: ${failureOf(error).message}`, { cause: error });
    }
    const exported = policy.entrypoints as Record<string, number>;
    const names = new Set(Object.keys(exported));
    if (names.size === 0) throw new PolicyLoadError(`${artifact.description}: the module exports no entrypoints`);

    let defaultEntrypoint: string;
    if (options.entrypoint !== undefined) {
      defaultEntrypoint = normaliseEntrypoint(options.entrypoint).name;
      if (!names.has(defaultEntrypoint)) {
        throw new PolicyLoadError(`${artifact.description}: entrypoint "${options.entrypoint}" is not in the policy (it has ${[...names].sort().join(', ')})`);
      }
    } else {
      // The bundle's first, as its manifest lists them; else the module's entrypoint 0.
      const first = artifact.entrypoints.find((name) => names.has(name));
      defaultEntrypoint = first ?? Object.entries(exported).sort((a, b) => a[1] - b[1])[0][0];
    }

    const data = mergeData(artifact.data, options.data);
    try {
      policy.setData(data);
    } catch (error) {
      throw new PolicyLoadError(`${artifact.description}: the data document was refused: ${failureOf(error).message}`, { cause: error });
    }
    return new PolicyEngine(policy, names, defaultEntrypoint, artifact.description, artifact.fingerprint);
  }

  /** Bytes of the module's linear memory: flat across evaluations, since the SDK resets the heap before each one. */
  get memoryBytes(): number {
    return (this.policy as unknown as { mem: { buffer: ArrayBuffer } }).mem.buffer.byteLength;
  }

  /** Evaluates `entrypoint` (`pkg/rule`, `data.pkg.rule` or `pkg.rule`); throws EvaluationFailure. */
  evaluate(input: unknown, entrypoint: string = this.defaultEntrypoint): Evaluation {
    return this.run(input, entrypoint);
  }

  /**
   * The same for an input already serialised, `JSON.stringify(input)`: the authorizer serialises each input once,
   * for the SDK and for the decision log, instead of letting the SDK do it again. The SDK takes the encoded text as
   * an ArrayBuffer, the very bytes it would otherwise make itself.
   */
  evaluateJson(json: string, entrypoint: string = this.defaultEntrypoint): Evaluation {
    const bytes = utf8.encode(json);
    // The SDK reads the whole ArrayBuffer: it must hold the text and nothing else.
    return this.run(bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer, entrypoint);
  }

  private run(input: unknown, entrypoint: string): Evaluation {
    // The request path passes SDK names already; only other spellings need normalising.
    const name = this.entrypoints.has(entrypoint) ? entrypoint : normaliseEntrypoint(entrypoint).name;
    if (!this.entrypoints.has(name)) throw new EvaluationFailure(`entrypoint "${entrypoint}" is not in the policy`);
    let resultSet: unknown;
    try {
      resultSet = this.policy.evaluate(input, name);
    } catch (thrown) {
      throw failureOf(thrown);
    }
    if (!Array.isArray(resultSet)) throw new EvaluationFailure('the module returned something other than a result set');
    if (resultSet.length === 0) return { defined: false, value: undefined };
    if (resultSet.length > 1) throw new EvaluationFailure('the entrypoint produced more than one result');
    const first = resultSet[0] as { result?: unknown };
    return { defined: true, value: first.result };
  }
}
