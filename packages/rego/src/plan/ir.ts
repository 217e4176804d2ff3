/**
 * The plan: the compiled policy as a small imperative program, the contract between the
 * compiler (TypeScript, `src/compile`) and the value runtime (AssemblyScript, `runtime/assembly`)
 * that executes it inside the wasm module. Like OPA's own planner IR, Rego's backtracking search
 * is already turned into nested loops here, so the runtime needs no backtracking, no closures
 * and no knowledge of Rego syntax.
 *
 * Execution model
 * - A function has a frame of `locals` value slots; slots 0..params-1 hold its arguments.
 *   Every slot starts undefined (no value).
 * - A block is a list of statements run in order. A statement may *fail* (the Rego notion of
 *   "undefined"): the rest of that block is skipped and control returns to the statement that
 *   ran the block (a `block`, `scan`, `with`, or the function itself), which then carries on.
 * - `break n` leaves the n+1 innermost enclosing `block`/`scan`/`with` statements at once
 *   (`break 0` leaves the innermost one, stopping its loop if it is a scan).
 * - Errors (conflicting outputs, division by zero, ...) abort the whole evaluation through
 *   `opa_abort` with an ASCII message: evaluation fails, it never yields a wrong value.
 *
 * Encoding inside the module: the Program below as JSON text, each statement an array whose
 * first element is the op name, in the order of the fields listed for it.
 */

/** Index of a local slot in the current frame. */
export type Local = number;

export interface Program {
  /** JSON constants referenced by `const` (by index). Sets never occur here: build them with makeset/setadd. */
  consts: unknown[];
  funcs: Func[];
  /** Entry point name ("pkg/rule", "pkg") to the index of a 0-parameter function in `funcs`. */
  entrypoints: Record<string, number>;
}

export interface Func {
  /** For messages and debugging only, e.g. "data.test.allow". */
  name: string;
  params: number;
  locals: number;
  /** The function's value is locals[result] after the body ran; undefined if never set. */
  result: Local;
  /**
   * True for rules without arguments: the runtime evaluates them at most once per evaluation
   * and caches the outcome (defined or undefined), except while a `with` is in effect.
   */
  memo: boolean;
  /** Path of the document this function computes (["test", "allow"]), for `with data...` overrides; absent for functions with params. */
  path?: string[];
  body: Stmt[];
}

export type Stmt =
  /** locals[dst] = consts[index] */
  | [op: 'const', dst: Local, index: number]
  /** locals[dst] = locals[src]; fails if src is undefined */
  | [op: 'move', dst: Local, src: Local]
  /** locals[dst] = the input document; fails if there is no input */
  | [op: 'input', dst: Local]
  /** locals[dst] = the base data document (as set through the SDK's setData) */
  | [op: 'data', dst: Local]
  /** locals[dst] = locals[src][locals[key]]: object member, array element (integer index), set member (the element itself). Fails if absent or src is not a collection. */
  | [op: 'dot', src: Local, key: Local, dst: Local]
  /** for each element of locals[src] (array: index/elem, object: key/value in key order, set: elem/elem): set locals[key], locals[value] (-1 = don't store) and run body. Fails (without running body) if src is not a collection. */
  | [op: 'scan', src: Local, key: Local, value: Local, body: Stmt[]]
  /** run body; a failure inside only ends body */
  | [op: 'block', body: Stmt[]]
  /** leave the n+1 innermost enclosing block/scan/with */
  | [op: 'break', levels: number]
  /** fails unless locals[a] and locals[b] are equal Rego values (1 == 1.0) */
  | [op: 'equal', a: Local, b: Local]
  /** fails if locals[src] is defined / undefined */
  | [op: 'isdef', src: Local]
  | [op: 'isundef', src: Local]
  /** make locals[dst] undefined again (flags reused across loop iterations) */
  | [op: 'reset', dst: Local]
  /** fails unless locals[src] is of the type: 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set' */
  | [op: 'istype', src: Local, type: string]
  /** fails unless locals[src] is an array of exactly n elements (destructuring) */
  | [op: 'arraylen', src: Local, length: number]
  /** locals[dst] = builtin(name)(args...); fails if the builtin's result is undefined (including wrong argument types) */
  | [op: 'call', builtin: string, args: Local[], dst: Local]
  /** locals[dst] = funcs[index](args...); fails if the function's result is undefined */
  | [op: 'callfn', func: number, args: Local[], dst: Local]
  /** locals[dst] = new empty array / object / set */
  | [op: 'makearray', dst: Local]
  | [op: 'makeobject', dst: Local]
  | [op: 'makeset', dst: Local]
  /** append locals[value] to the array in locals[arr] (in place; the array is still being built) */
  | [op: 'arrayappend', arr: Local, value: Local]
  /** add locals[value] to the set in locals[set] */
  | [op: 'setadd', set: Local, value: Local]
  /** object[key] = value, overwriting */
  | [op: 'objectinsert', object: Local, key: Local, value: Local]
  /** object[key] = value; error `message` if key exists with a different value (partial object rules) */
  | [op: 'objectinsertonce', object: Local, key: Local, value: Local, message: string]
  /**
   * locals[dst] = locals[src] if dst is undefined; nothing if equal; otherwise error `message`
   * (complete rules and functions whose bodies produce different values).
   */
  | [op: 'assignonce', dst: Local, src: Local, message: string]
  /**
   * Run body with the document at `path` below `target` replaced by locals[value]
   * (`with input.a.b as v`, `with data.x as v`). Memoisation is bypassed while any `with` is active.
   */
  | [op: 'with', target: 'input' | 'data', path: string[], value: Local, body: Stmt[]]
  /**
   * Run body with mock slot `slot` holding locals[value]: a function or builtin replaced (`with f as v`)
   * by a value known only at run time. The functions planned for that `with` read it with `mockvalue`.
   * Memoisation is bypassed while it is active, as for `with`.
   */
  | [op: 'withmock', slot: number, value: Local, body: Stmt[]]
  /** locals[dst] = the value of mock slot `slot`; fails outside its `withmock` */
  | [op: 'mockvalue', slot: number, dst: Local]
  /** print(args...): the values joined by spaces (strings unquoted, undefined as <undefined>) through opa_println */
  | [op: 'print', args: Local[]]
  /** abort evaluation with an error */
  | [op: 'error', message: string];
