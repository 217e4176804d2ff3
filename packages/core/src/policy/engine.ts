/**
 * One instantiated policy: the module compiled once and instantiated through the stock @open-policy-agent/opa-wasm
 * SDK, its data set, and evaluation by entrypoint name. The instance is reused for every request; each evaluation
 * starts from the heap's end after the data (the SDK resets it; for modules of ABI 1.2, whose `opa_eval` the request
 * path calls itself with the input already serialised, `opa_eval` does). Evaluation is synchronous: nothing else runs
 * on the instance while it evaluates, which is what makes sharing it between concurrent requests safe.
 *
 * Evaluation is bounded, because it blocks the process while it runs:
 * - time: each evaluation gets a deadline (`evaluationTimeout`). Modules of @opa-jwt/rego are armed to ask for the
 *   budget builtin every few thousand interpreter steps and whenever their memory grows; it throws past the
 *   deadline, which unwinds the evaluation. Host builtins check the deadline before and after they run. Modules
 *   built by `opa build` cannot be interrupted: for them the deadline is checked between host builtin calls and
 *   when the evaluation returns. Either way an evaluation that ran past its deadline fails (500, fail closed).
 * - memory: wasm memory never shrinks. An evaluation that leaves the module with more than `maxPolicyMemory` bytes
 *   beyond what the plan and data occupy gets the instance replaced by a fresh one of the same compiled module,
 *   with the same data, so one hostile request cannot keep the process at gigabytes. The memory also has a
 *   maximum below 2 GiB, where the SDK's pointers would turn negative: growing past it fails the evaluation.
 *
 * A deterministic entrypoint of a module of our compiler (no clock, randomness or print can run: the same input and
 * data always give the same answer) has its answers remembered per input, a bounded number of them, found by the
 * parts the policy can read (answer-memory.ts, input-writer.ts), so requests that differ only in what the policy
 * ignores (another request id, another header) get the answer without evaluating again. Each engine (one policy
 * version with its data) has its own. Results are frozen, so that no caller can change what another is handed.
 */
import { loadPolicy, loadPolicySync, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import {
  EVALUATION_BUDGET_ARM,
  EVALUATION_BUDGET_BUILTIN,
  hostBuiltins,
  entrypointHint,
  normaliseEntrypoint,
  readEntrypointFacts,
  type EntrypointFacts as CompiledFacts,
} from '@opa-jwt/rego';
import { PolicyLoadError } from '../errors';
import { errorFields, type Logger } from '../logger';
import type { PolicyArtifact } from './source';
import { inputWriter, readsMember, type InputWriter, type KnownTexts } from './input-writer';
import { AnswerMemory } from './answer-memory';
import { AnswersByOrigin } from './answer-origins';
import { ALL_INPUT_PARTS, type InputParts } from '../input';
import { deepFreeze } from '../deep-freeze';

/**
 * An input document, with the known texts (input-writer.ts) its text was written with: what a deterministic
 * entrypoint's answers are remembered by. For an entrypoint that reads the input whole, the authorizer gives the
 * text itself, which it has written anyway.
 */
export interface WrittenDocument {
  input: unknown;
  known: KnownTexts | undefined;
}

/** The policy's answer: `defined: false` when the rule was undefined (the SDK's empty result set). */
export interface Evaluation {
  defined: boolean;
  value: unknown;
}

/** The SDK throws strings and plain objects as well as Errors; give callers an Error with the text. */
export class EvaluationFailure extends Error {
  override readonly name: string = 'EvaluationFailure';
}

/** The evaluation ran past its deadline and was stopped (or, for a module that cannot be stopped, refused). */
export class EvaluationBudgetExceeded extends EvaluationFailure {
  override readonly name = 'EvaluationBudgetExceeded';
}

export interface EvaluationLimits {
  /** Milliseconds one evaluation may take. */
  evaluationTimeout: number;
  /** Bytes of memory an evaluation may leave behind (beyond the plan and data) before the instance is replaced. */
  maxPolicyMemory: number;
}

/** A compiled module, as the SDK takes it (@types/node 20 does not declare the WebAssembly API; the DOM library does). */
type CompiledModule = Parameters<typeof loadPolicySync>[0];
type MemoryDescriptor = Exclude<Parameters<typeof loadPolicySync>[1], number | undefined>;
const webAssembly = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledModule> } }).WebAssembly;

/** Interpreter steps (function calls, loop iterations) between two deadline checks: well under a millisecond of work. */
const BUDGET_CHECK_INTERVAL = 8192;
/** Memory pages (64 KiB) the module may grow to: 2 GiB minus one page, below where the SDK's addresses turn negative. */
const MAX_MEMORY_PAGES = 32767;

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
    out[key] = isObject(out[key]) && isObject(value) ? mergeData(out[key], value) : value;
  }
  return out;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const TRUE_RESULT_TEXT = '[{"result":true}]';
const EMPTY_RESULT_TEXT = '[]';
const TRUE_RESULT = utf8.encode(TRUE_RESULT_TEXT);
const TRUE_RESULT_SET = Object.freeze([Object.freeze({ result: true })]);
const EMPTY_RESULT_SET = Object.freeze([]);
const EMPTY_RESULT = utf8.encode(EMPTY_RESULT_TEXT);

/**
 * A result set from its text, frozen to the last member: remembered answers are handed to every request that asks
 * again, so no caller may change them, and fresh ones are frozen alike so that an application sees the same either
 * way. The two most common sets are made without parsing.
 */
function resultSetOf(text: string): unknown {
  if (text === TRUE_RESULT_TEXT) return TRUE_RESULT_SET;
  if (text === EMPTY_RESULT_TEXT) return EMPTY_RESULT_SET;
  return deepFreeze(JSON.parse(text));
}

/** What our compiler told of one entrypoint. */
export interface EntrypointFacts {
  /** Writes the input text with only the parts the entrypoint can read; undefined: the whole document. */
  readonly inputWriter: InputWriter | undefined;
  /** The parts of the input document that cost work per request and that the entrypoint can read. */
  readonly inputParts: InputParts;
  /** Input document → result set (frozen), for deterministic entrypoints; undefined for the others. */
  readonly answers: AnswerMemory | undefined;
  /**
   * The same answers by the origin of a document the core built (answer-origins.ts), for deterministic entrypoints
   * that read no header, host or source; undefined for the others.
   */
  readonly origins: AnswersByOrigin | undefined;
}

const NO_FACTS: EntrypointFacts = Object.freeze({
  inputWriter: undefined,
  inputParts: ALL_INPUT_PARTS,
  answers: undefined,
  origins: undefined,
});

/** The answers an engine remembers. */
const MAX_REMEMBERED_ANSWERS = 10_000;

/** The answer in an entrypoint's result set: none (undefined), or the one value; throws for anything else. */
function evaluationOf(resultSet: unknown): Evaluation {
  if (!Array.isArray(resultSet)) throw new EvaluationFailure('the module returned something other than a result set');
  if (resultSet.length === 0) return { defined: false, value: undefined };
  if (resultSet.length > 1) throw new EvaluationFailure('the entrypoint produced more than one result');
  const first = resultSet[0] as { result?: unknown };
  return { defined: true, value: first.result };
}

function matches(view: Uint8Array, at: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (view[at + i] !== bytes[i]) return false;
  return true;
}

/** The parts of the SDK's LoadedPolicy (not in its typings) that an ABI 1.2 evaluation reads. */
interface DirectPolicy {
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
  minorVersion: number;
  entrypoints: Record<string, number>;
  dataAddr: number;
  dataHeapPtr: number;
  wasmInstance: {
    exports: {
      opa_eval: (
        reserved: number,
        entrypoint: number,
        data: number,
        input: number,
        inputLen: number,
        heap: number,
        format: number,
      ) => number;
    };
  };
}

/** True when the instance speaks ABI 1.2 (`opa_eval`), which the SDK itself would use for it. */
function supportsDirectEvaluation(policy: LoadedPolicy): boolean {
  const direct = policy as unknown as DirectPolicy;
  return (
    direct.minorVersion >= 2 &&
    typeof (direct.wasmInstance.exports.opa_eval as unknown) === 'function' &&
    typeof direct.dataHeapPtr === 'number'
  );
}

export class PolicyEngine {
  /** The instance in use; replaced by a fresh one after an evaluation that grew its memory too much. */
  private policy: LoadedPolicy;
  /** Memory bytes of a fresh instance with the data set: the baseline `maxPolicyMemory` is measured from. */
  private baselineBytes: number;
  /** The running evaluation's deadline (performance.now() milliseconds); undefined between evaluations. */
  private deadline: number | undefined;
  /** True when the module is one of @opa-jwt/rego's, whose evaluation is stopped at the deadline. */
  readonly interruptible: boolean;
  /** Instances replaced to give memory back (for tests and logs). */
  renewals = 0;
  /** The module speaks ABI 1.2: serialised inputs are evaluated by `evaluateDirect`. */
  private readonly direct: boolean;
  /** A view of the instance's memory, made again when the memory grows (which detaches the old buffer). */
  private memoryView: Uint8Array | undefined;
  /** What our compiler told of each entrypoint; entrypoints of other modules have none. */
  private readonly facts = new Map<string, EntrypointFacts>();
  private rememberedCount = 0;
  /** Evaluations answered from `answers` (for tests and the benchmarks). */
  answersReused = 0;

  /** What is known of `entrypoint` (`pkg/rule`); nothing for entrypoints of modules built elsewhere, or unknown ones. */
  factsOf(entrypoint: string): EntrypointFacts {
    return this.facts.get(entrypoint) ?? NO_FACTS;
  }

  /** How many answers are remembered now. */
  get rememberedAnswers(): number {
    return this.rememberedCount;
  }

  private constructor(
    private readonly module: CompiledModule,
    private readonly builtins: Record<string, (...args: unknown[]) => unknown>,
    private readonly data: Record<string, unknown>,
    private readonly limits: EvaluationLimits,
    private readonly logger: Logger | undefined,
    first: LoadedPolicy,
    /** Entrypoint names (`pkg/rule`) the module exports. */
    readonly entrypoints: ReadonlySet<string>,
    /** The configured entrypoint, or the bundle's / module's first. */
    readonly defaultEntrypoint: string,
    readonly description: string,
    readonly fingerprint: string,
    /** What our compiler wrote into the module of each entrypoint; undefined for modules built elsewhere. */
    compiled: Readonly<Record<string, CompiledFacts>> | undefined,
  ) {
    for (const name of entrypoints) {
      const known = compiled !== undefined && Object.prototype.hasOwnProperty.call(compiled, name) ? compiled[name] : undefined;
      const reads = known?.inputReads;
      const inputParts: InputParts = {
        headers: readsMember(reads, ['request', 'http', 'headers']),
        host: readsMember(reads, ['request', 'http', 'host']),
        query: readsMember(reads, ['request', 'http', 'query']),
        source: readsMember(reads, ['source']),
      };
      const answers = known?.deterministic === true && reads !== undefined ? new AnswerMemory(reads) : undefined;
      // The parts of the core's document that its origin does not fix (answer-origins.ts).
      const byOrigin = answers !== undefined && !inputParts.headers && !inputParts.host && !inputParts.source;
      this.facts.set(name, { inputWriter: inputWriter(reads), inputParts, answers, origins: byOrigin ? new AnswersByOrigin() : undefined });
    }
    this.policy = first;
    this.interruptible = armBudget(first);
    this.baselineBytes = memoryOf(first);
    this.direct = supportsDirectEvaluation(first);
  }

  static async load(
    artifact: PolicyArtifact,
    options: { entrypoint?: string; data?: Record<string, unknown>; limits?: EvaluationLimits; logger?: Logger },
  ): Promise<PolicyEngine> {
    const limits = options.limits ?? { evaluationTimeout: Infinity, maxPolicyMemory: Infinity };
    // The budget builtin and the host builtins close over the engine, which exists only after the first instance:
    // they reach it through this holder.
    const holder: { engine?: PolicyEngine } = {};
    const builtins = budgetedBuiltins(() => holder.engine?.checkDeadline());
    let module: CompiledModule;
    let policy: LoadedPolicy;
    try {
      module = await webAssembly.compile(artifact.wasm);
      // Builtins the module leaves to the host (the compiler's `builtins()` list) are implemented by @opa-jwt/rego.
      policy = await loadPolicy(module, memoryDescriptor(), builtins);
    } catch (error) {
      throw new PolicyLoadError(`${artifact.description}: the module cannot be loaded by the OPA Wasm SDK: ${failureOf(error).message}`, {
        cause: error,
      });
    }
    const exported = policy.entrypoints as Record<string, number>;
    const names = new Set(Object.keys(exported));
    if (names.size === 0) throw new PolicyLoadError(`${artifact.description}: the module exports no entrypoints`);

    let defaultEntrypoint: string;
    if (options.entrypoint !== undefined) {
      defaultEntrypoint = normaliseEntrypoint(options.entrypoint).name;
      if (!names.has(defaultEntrypoint)) {
        throw new PolicyLoadError(
          `${artifact.description}: entrypoint "${options.entrypoint}" is not in the policy${entrypointHint(defaultEntrypoint, [...names])}`,
        );
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
    const engine = new PolicyEngine(
      module,
      builtins,
      data,
      limits,
      options.logger,
      policy,
      names,
      defaultEntrypoint,
      artifact.description,
      artifact.fingerprint,
      // Our compiler writes them into every module it makes (sources compiled here, `opa-jwt build`, bundles).
      readEntrypointFacts(artifact.wasm),
    );
    holder.engine = engine;
    return engine;
  }

  /** Bytes of the module's linear memory (it never shrinks; a replaced instance starts small again). */
  get memoryBytes(): number {
    return memoryOf(this.policy);
  }

  /** Evaluates `entrypoint` (`pkg/rule`, `data.pkg.rule` or `pkg.rule`); throws EvaluationFailure. */
  evaluate(input: unknown, entrypoint: string = this.defaultEntrypoint): Evaluation {
    return this.run(input, entrypoint);
  }

  /**
   * The same for an input already serialised, `JSON.stringify(input)`: the authorizer serialises each input once,
   * for the SDK and for the decision log, instead of letting the SDK do it again. The SDK takes the encoded text as
   * an ArrayBuffer, the very bytes it would otherwise make itself. `document`: the input the text was written from
   * (with the known texts its writer was given), under which a deterministic entrypoint remembers the answer.
   */
  evaluateJson(json: string, entrypoint: string = this.defaultEntrypoint, document?: WrittenDocument): Evaluation {
    if (this.direct) return this.run(json, entrypoint, document);
    const bytes = utf8.encode(json);
    // The SDK reads the whole ArrayBuffer: it must hold the text and nothing else.
    return this.run(bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer, entrypoint);
  }

  /**
   * The answer remembered for `document` by the entrypoint of `facts` (this engine's `factsOf`), when it remembers
   * it; counted in `answersReused`. Throws what writing the document would throw.
   */
  rememberedAnswer(document: WrittenDocument, facts: EntrypointFacts): Evaluation | undefined {
    return this.reused(facts.answers?.get(document.input, document.known) as Evaluation | undefined);
  }

  /**
   * The answer remembered for the document the core builds from this origin (see answer-origins.ts; `token` is the
   * verified token's result), when the entrypoint of `facts` has such answers; counted in `answersReused`.
   */
  answerByOrigin(
    facts: EntrypointFacts,
    token: object | undefined,
    target: object,
    method: string,
    route: string | undefined,
  ): Evaluation | undefined {
    return this.reused(facts.origins?.get(token, target, method, route) as Evaluation | undefined);
  }

  /** Counts a remembered answer that is handed out again. */
  reused<E extends Evaluation | undefined>(evaluation: E): E {
    if (evaluation !== undefined) this.answersReused++;
    return evaluation;
  }

  /** Remembers by its origin an answer that `rememberedAnswer` gave for the document the core built from it. */
  rememberByOrigin(
    facts: EntrypointFacts,
    token: object | undefined,
    target: object,
    method: string,
    route: string | undefined,
    evaluation: Evaluation,
  ): void {
    facts.origins?.set(token, target, method, route, evaluation);
  }

  private run(input: unknown, entrypoint: string, document?: WrittenDocument): Evaluation {
    // The request path passes SDK names already; only other spellings need normalising.
    const name = this.entrypoints.has(entrypoint) ? entrypoint : normaliseEntrypoint(entrypoint).name;
    if (!this.entrypoints.has(name))
      throw new EvaluationFailure(`entrypoint "${entrypoint}" is not in the policy${entrypointHint(name, [...this.entrypoints])}`);
    let resultSet: unknown;
    const deadline = performance.now() + this.limits.evaluationTimeout;
    this.deadline = deadline;
    try {
      // Direct evaluation hands out frozen results (see resultSetOf); the SDK's are frozen here, to be alike.
      resultSet = typeof input === 'string' ? this.evaluateDirect(input, name, document) : deepFreeze(this.policy.evaluate(input, name));
    } catch (thrown) {
      throw thrown instanceof EvaluationBudgetExceeded ? thrown : failureOf(thrown);
    } finally {
      this.deadline = undefined;
      if (this.memoryBytes - this.baselineBytes > this.limits.maxPolicyMemory) this.renew();
    }
    // A module that cannot be stopped (or the last stretch of one that can) is held to the same deadline.
    if (performance.now() > deadline) throw this.budgetExceeded();
    return evaluationOf(resultSet);
  }

  /**
   * ABI 1.2's `opa_eval` called directly, as the SDK's `evaluate` does for these modules, minus its copies: the
   * input text is encoded straight into the module's memory at the data heap's end (where the SDK puts it), and the
   * result text is found and decoded without a fresh view, decoder and byte-by-byte scan per call. A result that is
   * the one-value set `[{"result":true}]` (or `[]`) is not parsed at all.
   */
  private evaluateDirect(json: string, name: string, document: WrittenDocument | undefined): unknown {
    const policy = this.policy as unknown as DirectPolicy;
    const memory = policy.mem;
    const inputAddr = policy.dataHeapPtr;
    let view = this.memoryView;
    // Growing the memory detaches its buffer, which empties views of it: a cheaper test than reading `memory.buffer`.
    if (view === undefined || view.byteLength === 0) view = this.memoryView = new Uint8Array(memory.buffer);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: with that much room, one encodeInto always writes it all.
    // Short of it, the memory grows by what the text needs, as the SDK's own path grows it.
    if (inputAddr + json.length * 3 > view.byteLength) {
      const needed = inputAddr + Buffer.byteLength(json) - view.byteLength;
      if (needed > 0) {
        memory.grow(Math.ceil(needed / 65536));
        view = this.memoryView = new Uint8Array(memory.buffer);
      }
    }
    const inputLen = utf8.encodeInto(json, view.subarray(inputAddr)).written;
    const resultAddr = policy.wasmInstance.exports.opa_eval(
      0,
      policy.entrypoints[name],
      policy.dataAddr,
      inputAddr,
      inputLen,
      inputAddr + inputLen,
      0,
    );
    // The evaluation may have grown the memory.
    if (view.byteLength === 0) view = this.memoryView = new Uint8Array(memory.buffer);
    const end = view.indexOf(0, resultAddr);
    if (end === -1) throw new EvaluationFailure('the module returned an unterminated result');
    const length = end - resultAddr;
    let text: string;
    if (length === TRUE_RESULT.length && matches(view, resultAddr, TRUE_RESULT)) text = TRUE_RESULT_TEXT;
    else if (length === EMPTY_RESULT.length && matches(view, resultAddr, EMPTY_RESULT)) text = EMPTY_RESULT_TEXT;
    else text = utf8Decoder.decode(view.subarray(resultAddr, end));
    const resultSet = resultSetOf(text);
    // Only sets that are answers: a malformed one is refused by evaluationOf every time, not remembered.
    const answers = this.factsOf(name).answers;
    if (answers !== undefined && document !== undefined && Array.isArray(resultSet) && resultSet.length <= 1)
      this.remember(answers, document, resultSet);
    return resultSet;
  }

  /** Remembers the evaluation itself, frozen: a request that finds it makes no object for it. */
  private remember(answers: AnswerMemory, document: WrittenDocument, resultSet: unknown): void {
    // Full: start again rather than track use; the requests that repeat fill it again at once.
    if (this.rememberedCount >= MAX_REMEMBERED_ANSWERS) {
      for (const facts of this.facts.values()) {
        facts.answers?.clear();
        facts.origins?.clear();
      }
      this.rememberedCount = 0;
    }
    try {
      if (answers.set(document.input, document.known, Object.freeze(evaluationOf(resultSet)))) this.rememberedCount++;
    } catch {
      // A document that no longer walks as it wrote (a hook's toJSON that throws the second time) is not remembered.
    }
  }

  /** Throws EvaluationBudgetExceeded when the running evaluation is past its deadline. */
  private checkDeadline(): void {
    if (this.deadline !== undefined && performance.now() > this.deadline) throw this.budgetExceeded();
  }

  private budgetExceeded(): EvaluationBudgetExceeded {
    const how = this.interruptible ? 'stopped' : 'refused (a module built by opa build cannot be stopped earlier)';
    return new EvaluationBudgetExceeded(
      `evaluation budget exceeded: the policy ran longer than evaluationTimeout (${this.limits.evaluationTimeout} ms) and was ${how}`,
    );
  }

  /** Replaces the instance by a fresh one of the same module with the same data: the only way wasm memory shrinks. */
  private renew(): void {
    const grownBytes = this.memoryBytes;
    try {
      const fresh = loadPolicySync(this.module, memoryDescriptor(), this.builtins);
      armBudget(fresh);
      fresh.setData(this.data);
      this.policy = fresh;
      this.memoryView = undefined; // a view of the old instance's memory
      this.baselineBytes = memoryOf(fresh);
      this.renewals++;
      this.logger?.warn(
        {
          policy: this.description,
          memoryBytes: grownBytes,
          freshMemoryBytes: this.baselineBytes,
          maxPolicyMemory: this.limits.maxPolicyMemory,
        },
        "opa-jwt: an evaluation grew the policy's memory past maxPolicyMemory; the policy instance was replaced by a fresh one to give the memory back",
      );
    } catch (error) {
      // Not expected (the same module and data loaded before); the grown instance still evaluates correctly.
      this.logger?.error(
        { policy: this.description, ...errorFields(error) },
        'opa-jwt: the policy instance could not be replaced; its memory stays grown',
      );
    }
  }
}

function memoryOf(policy: LoadedPolicy): number {
  return (policy as unknown as { mem: { buffer: ArrayBuffer } }).mem.buffer.byteLength;
}

/** A fresh descriptor each time: the SDK writes its default `initial` into the object it is given. */
function memoryDescriptor(): MemoryDescriptor {
  return { initial: 5, maximum: MAX_MEMORY_PAGES };
}

/** Arms the deadline checks of a @opa-jwt/rego module; false for other modules (no such export). */
function armBudget(policy: LoadedPolicy): boolean {
  const arm = (policy as unknown as { wasmInstance: { exports: Record<string, unknown> } }).wasmInstance.exports[EVALUATION_BUDGET_ARM];
  return typeof arm === 'function' && (arm as (interval: number) => number)(BUDGET_CHECK_INTERVAL) === 1;
}

/**
 * @opa-jwt/rego's host builtins, each checking the deadline before and after it runs (one call cannot be
 * interrupted, but the next step of the evaluation does not start past the deadline), and the budget builtin.
 */
function budgetedBuiltins(checkDeadline: () => void): Record<string, (...args: unknown[]) => unknown> {
  const out: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [name, impl] of Object.entries(hostBuiltins as Record<string, (...args: unknown[]) => unknown>)) {
    out[name] = (...args: unknown[]) => {
      checkDeadline();
      const result = impl(...args);
      checkDeadline();
      return result;
    };
  }
  out[EVALUATION_BUDGET_BUILTIN] = () => {
    checkDeadline();
    return undefined;
  };
  return out;
}
