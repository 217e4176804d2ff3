/**
 * Which parts of the input document a plan can read: a host that knows it may hand the policy only those parts
 * (less JSON to write and for the module to parse) and get exactly the same answer.
 *
 * The plan reaches the input only through the `input` statement; from there, `dot` statements with a constant
 * string key walk down one member at a time. A value reached that way is *seen whole* as soon as it is used in
 * any other way: compared, passed to a builtin or function, scanned, put into a collection, type-tested, looked up
 * with a key that is not a constant string, and so on (whether it is defined is no use of it). So the analysis
 * follows every local of every function that holds a part of the input (`input`, `dot` by a constant key, `move`,
 * and the two below), to a fixed point, and records:
 *   - every path reached by a `dot` (the member must stay present, or a lookup that succeeds would fail), and
 *   - every path whose value is used in any other way (the whole value must stay as it is).
 * A path reached but never used further is kept whole too (its lookup alone may be the condition). Anything the
 * analysis does not recognise counts as a use, so it can only keep more than needed, never less.
 *
 * A function's result is followed into its callers (`http := input.request.http` then `http.method`): what a
 * function's result local may hold is its summary, grown to a fixed point over every function, and a `callfn`
 * holds its callee's summary. Returning a value is no use of it; the caller's uses decide, and an entry point's
 * result, the answer, is used whole. `assignonce` is a move when it cannot compare (its local is written nowhere
 * else in the function and it is not inside a `scan`: it runs at most once per call); else both values are used.
 *
 * `with input.a as v` needs nothing special: the runtime writes `v` into the document it was given, and every read
 * below `input` is recorded whatever document it meets.
 */
import type { Func, Local, Program, Stmt } from './ir';

/** A projection: `true` for a value needed whole; otherwise the members needed, each with its own projection. */
export type InputReads = true | { readonly [member: string]: InputReads };

type Path = readonly string[];

const key = (path: Path): string => JSON.stringify(path);

/**
 * The parts of the input `plan` can read when evaluating `entrypoint` (`pkg/rule`, as the plan names it; every
 * entrypoint when absent); `true` when the whole document may be read.
 */
export function inputReads(plan: Program, entrypoint?: string): InputReads {
  const reached = new Map<string, Path>();
  const whole = new Map<string, Path>();
  const indexOf = new Map(plan.funcs.map((func, index) => [func, index]));
  const funcs = reachableFunctions(plan, entrypoint).map((func) => ({
    func,
    index: indexOf.get(func)!,
    constantKeys: constantKeysOf(plan, func.body),
    moving: movingAssignments(func.body),
  }));
  // What each function's result may hold, by function index: grows until no function's changes. The locals' paths
  // of that last round are final.
  const summaries = new Map<number, Map<string, Path>>();
  const holdsOf = new Map<Func, Holds>();
  for (let changed = true; changed;) {
    changed = false;
    for (const facts of funcs) {
      const holds = followFunction(facts, summaries, reached);
      holdsOf.set(facts.func, holds);
      let summary = summaries.get(facts.index);
      if (!summary) summaries.set(facts.index, (summary = new Map()));
      for (const [k, path] of holds.get(facts.func.result) ?? []) {
        if (summary.has(k)) continue;
        summary.set(k, path);
        changed = true;
      }
    }
  }
  const answers = new Set(entrypoint === undefined ? Object.values(plan.entrypoints) : [plan.entrypoints[entrypoint]]);
  for (const facts of funcs) {
    const holds = holdsOf.get(facts.func)!;
    recordUses(facts, holds, whole);
    // The entry point's result is the answer, which depends on all of it.
    if (answers.has(facts.index)) for (const [k, path] of holds.get(facts.func.result) ?? []) whole.set(k, path);
  }
  if (whole.has(key([]))) return true;
  // The tree of reached paths; a leaf, or a path used whole, keeps its whole value.
  type Node = { whole: boolean; children: Map<string, Node> };
  const root: Node = { whole: false, children: new Map() };
  for (const path of reached.values()) {
    let node = root;
    for (const member of path) {
      let child = node.children.get(member);
      if (!child) node.children.set(member, (child = { whole: false, children: new Map() }));
      node = child;
    }
  }
  for (const path of whole.values()) {
    let node = root;
    for (const member of path) node = node.children.get(member)!;
    node.whole = true;
  }
  const toReads = (node: Node): InputReads => {
    if (node.whole || node.children.size === 0) return true;
    const out: Record<string, InputReads> = {};
    for (const [member, child] of [...node.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      // defineProperty: `__proto__` is a member name like any other here.
      Object.defineProperty(out, member, { value: toReads(child), enumerable: true, writable: true, configurable: true });
    return out;
  };
  // A plan that never reads the input needs none of it: an empty object stands for "nothing".
  if (root.children.size === 0) return {};
  return toReads(root);
}

/** The constant string(s) each local of `body` may hold; a local also set by anything else is not a constant key. */
function constantKeysOf(plan: Program, body: Stmt[]): (local: Local) => Set<string> | undefined {
  const strings = new Map<Local, Set<string>>();
  const notConstant = new Set<Local>();
  visit(body, (stmt) => {
    if (stmt[0] !== 'const') {
      for (const local of defined(stmt)) notConstant.add(local);
      return;
    }
    const [, local, index] = stmt;
    const value = plan.consts[index];
    if (typeof value !== 'string') notConstant.add(local);
    else {
      let set = strings.get(local);
      if (!set) strings.set(local, (set = new Set()));
      set.add(value);
    }
  });
  return (local) => (notConstant.has(local) ? undefined : strings.get(local));
}

/**
 * The `assignonce` statements of `body` that cannot compare: their local is written by no other statement (but
 * `reset`) and they are not inside a `scan`, so they run at most once per call, on an undefined local.
 */
function movingAssignments(body: Stmt[]): Set<Stmt> {
  const writes = new Map<Local, number>();
  visit(body, (stmt) => {
    if (stmt[0] === 'reset') return;
    for (const local of defined(stmt)) writes.set(local, (writes.get(local) ?? 0) + 1);
  });
  const moving = new Set<Stmt>();
  const walk = (stmts: Stmt[], inScan: boolean): void => {
    for (const stmt of stmts) {
      if (stmt[0] === 'assignonce' && !inScan && writes.get(stmt[1]) === 1) moving.add(stmt);
      if (stmt[0] === 'scan') walk(stmt[4], true);
      else if (stmt[0] === 'with') walk(stmt[4], inScan);
      else if (stmt[0] === 'block') walk(stmt[1], inScan);
      else if (stmt[0] === 'withmock') walk(stmt[3], inScan);
    }
  };
  walk(body, false);
  return moving;
}

/** A function with what its statements say once and for all: its constant keys and its assignments that move. */
interface FunctionFacts {
  func: Func;
  index: number;
  constantKeys: (local: Local) => Set<string> | undefined;
  moving: Set<Stmt>;
}

/** The input paths each local may hold. */
type Holds = Map<Local, Map<string, Path>>;

/**
 * The input paths each local of a function may hold, grown to a fixed point (loops may define a local after its
 * use); every path a constant-key `dot` reaches is added to `reached`. A call holds what `summaries` says its
 * callee's result may hold.
 */
function followFunction(
  { func, constantKeys, moving }: FunctionFacts,
  summaries: ReadonlyMap<number, ReadonlyMap<string, Path>>,
  reached: Map<string, Path>,
): Holds {
  const { body } = func;
  const holds: Holds = new Map();
  const add = (local: Local, path: Path): boolean => {
    let paths = holds.get(local);
    if (!paths) holds.set(local, (paths = new Map()));
    const k = key(path);
    if (paths.has(k)) return false;
    paths.set(k, path);
    return true;
  };
  const copy = (dst: Local, paths: ReadonlyMap<string, Path> | undefined): boolean => {
    let changed = false;
    for (const path of paths?.values() ?? []) changed = add(dst, path) || changed;
    return changed;
  };
  for (let changed = true; changed;) {
    changed = false;
    visit(body, (stmt) => {
      switch (stmt[0]) {
        case 'input':
          changed = add(stmt[1], []) || changed;
          return;
        case 'move':
          changed = copy(stmt[1], holds.get(stmt[2])) || changed;
          return;
        case 'assignonce':
          if (moving.has(stmt)) changed = copy(stmt[1], holds.get(stmt[2])) || changed;
          return;
        case 'callfn':
          changed = copy(stmt[3], summaries.get(stmt[1])) || changed;
          return;
        case 'dot': {
          const [, src, keyLocal, dst] = stmt;
          const paths = holds.get(src);
          if (!paths) return;
          const keys = constantKeys(keyLocal);
          if (!keys) return; // src is used whole (recordUses)
          for (const path of paths.values())
            for (const member of keys) {
              const next = [...path, member];
              reached.set(key(next), next);
              changed = add(dst, next) || changed;
            }
          return;
        }
        default:
          return;
      }
    });
  }
  return holds;
}

/**
 * Every read of an input-holding local of `func` other than a constant-key `dot`, a `move`, an `assignonce` that
 * cannot compare or a test of its definedness sees its value whole: its paths go to `whole`.
 */
function recordUses({ func, constantKeys, moving }: FunctionFacts, holds: Holds, whole: Map<string, Path>): void {
  const useWhole = (local: Local): void => {
    for (const [k, path] of holds.get(local) ?? []) whole.set(k, path);
  };
  visit(func.body, (stmt) => {
    if (stmt[0] === 'dot') {
      if (!constantKeys(stmt[2])) useWhole(stmt[1]);
      useWhole(stmt[2]);
      return;
    }
    // Whether a local is defined is not its value: the member that defined it is reached, so kept.
    if (stmt[0] === 'move' || stmt[0] === 'isdef' || stmt[0] === 'isundef' || moving.has(stmt)) return;
    for (const local of read(stmt)) useWhole(local);
  });
}

/** The functions an evaluation of `entrypoint` may run (all of them without one): its function and what it calls. */
export function reachableFunctions(plan: Program, entrypoint?: string): Func[] {
  if (entrypoint === undefined) return plan.funcs;
  const start = plan.entrypoints[entrypoint];
  if (start === undefined) throw new Error(`the plan has no entrypoint ${JSON.stringify(entrypoint)}`);
  const seen = new Set<number>([start]);
  const pending = [start];
  while (pending.length > 0) {
    visit(plan.funcs[pending.pop()!].body, (stmt) => {
      if (stmt[0] === 'callfn' && !seen.has(stmt[1])) {
        seen.add(stmt[1]);
        pending.push(stmt[1]);
      }
    });
  }
  return [...seen].sort((a, b) => a - b).map((index) => plan.funcs[index]);
}

/** Calls `f` on every statement, nested bodies included. */
function visit(body: Stmt[], f: (stmt: Stmt) => void): void {
  for (const stmt of body) {
    f(stmt);
    switch (stmt[0]) {
      case 'scan':
      case 'with':
        visit(stmt[4], f);
        break;
      case 'block':
        visit(stmt[1], f);
        break;
      case 'withmock':
        visit(stmt[3], f);
        break;
      default:
        break;
    }
  }
}

/** The locals a statement writes. */
function defined(stmt: Stmt): Local[] {
  switch (stmt[0]) {
    case 'const':
    case 'move':
    case 'input':
    case 'data':
    case 'reset':
    case 'makearray':
    case 'makeobject':
    case 'makeset':
      return [stmt[1]];
    case 'dot':
      return [stmt[3]];
    case 'scan':
      return [stmt[2], stmt[3]].filter((l) => l >= 0);
    case 'call':
    case 'callfn':
      return [stmt[3]];
    case 'mockvalue':
      return [stmt[2]];
    case 'assignonce':
      return [stmt[1]];
    // Collections built in place: the local is changed, which makes it no constant.
    case 'arrayappend':
    case 'setadd':
    case 'objectinsert':
    case 'objectinsertonce':
      return [stmt[1]];
    default:
      return [];
  }
}

/** The locals a statement reads (for `dot` and `move`, see the caller). */
function read(stmt: Stmt): Local[] {
  switch (stmt[0]) {
    case 'move':
      return [stmt[2]];
    case 'dot':
      return [stmt[1], stmt[2]];
    case 'scan':
      return [stmt[1]];
    case 'equal':
      return [stmt[1], stmt[2]];
    case 'isdef':
    case 'isundef':
    case 'istype':
    case 'arraylen':
      return [stmt[1]];
    case 'call':
    case 'callfn':
      return stmt[2];
    case 'arrayappend':
    case 'setadd':
      return [stmt[1], stmt[2]];
    case 'objectinsert':
    case 'objectinsertonce':
      return [stmt[1], stmt[2], stmt[3]];
    case 'assignonce':
      return [stmt[1], stmt[2]];
    case 'with':
      return [stmt[3]];
    case 'withmock':
      return [stmt[2]];
    case 'print':
      return stmt[1];
    case 'const':
    case 'input':
    case 'data':
    case 'block':
    case 'break':
    case 'reset':
    case 'makearray':
    case 'makeobject':
    case 'makeset':
    case 'mockvalue':
    case 'error':
      return [];
  }
}

/**
 * `value` with only the parts `reads` names: what a host that knows the reads may pass instead. Objects are cut
 * down to the members named; any other value at a named path is kept whole (a lookup by a string key on an
 * array, a string or a number fails either way).
 */
export function projectInput(value: unknown, reads: InputReads): unknown {
  if (reads === true || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const member of Object.keys(reads)) {
    if (Object.prototype.hasOwnProperty.call(value, member)) {
      const projected = projectInput((value as Record<string, unknown>)[member], reads[member]);
      // defineProperty: `__proto__` is a member name like any other here.
      Object.defineProperty(out, member, { value: projected, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}
