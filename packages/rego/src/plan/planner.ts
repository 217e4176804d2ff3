/**
 * The planner: turns the resolved rule tree into the imperative plan of `ir.ts`, in the manner of
 * OPA's planner. Rego's search becomes nested statements: each expression is planned with a
 * continuation that emits the rest of the body inside it (inside the scan that binds a variable,
 * after the statement that may fail), so backtracking is just "carry on with the next element".
 */
import type { Expr, Location, RefTerm, Term, VarTerm, WithModifier } from '../parse/ast';
import type { Func, Local, Program, Stmt } from './ir';
import { ConstPool, FuncBuilder } from './builder';
import { CallReach } from './reach';
import { Leaf, ModuleScope, TreeNode, findNode } from '../compile/ruletree';
import {
  checkDeclarations,
  closureVars,
  declaredVars,
  displayName,
  localiseClosureVars,
  patternVars,
  reorderBody,
} from '../compile/safety';
import { hoistOperands } from '../compile/dynamics';
import { compileError } from '../compile/errors';
import { checkBuiltinCall, checkReplacementValue } from '../compile/typecheck';
import { lookupBuiltin, unsupportedBuiltinArity } from '../builtins/catalog';
import { numberConstant } from './number-literal';

/** Variable name → its local slot, or null for a declared (`some x`, `x :=`) but not yet bound variable. */
type Env = Map<string, Local | null>;

/** The environment in which a name can only mean a global (a `with` target). */
const NO_LOCALS: Env = new Map();
type Cont = (env: Env) => void;
type ValueCont = (value: Local, env: Env) => void;

const MSG_COMPLETE = 'eval_conflict_error: complete rules must not produce multiple outputs';
const MSG_FUNCTION = 'eval_conflict_error: functions must not produce multiple outputs for same inputs';
const MSG_OBJECT = 'eval_conflict_error: object keys must be unique';
const LOC0: Location = { file: '', line: 0, col: 0 };
/** Builtins that are relations in OPA: each of their results (returned as one array) is a separate binding. */
const RELATIONS = new Set(['walk']);

interface Ctx {
  fb: FuncBuilder;
  scope: ModuleScope;
}

/** What a call runs: a user function or a builtin (possibly one of the unsupported builtins, which only `with` can make run). */
type CallTarget = { kind: 'func'; leaf: Leaf } | { kind: 'builtin'; name: string };

/**
 * What a mocked function or builtin is replaced with: another function or builtin, a constant, or a
 * value computed at run time that the `withmock` statement of its `with` holds in a mock slot.
 */
type Mock = CallTarget | { kind: 'value'; value: unknown } | { kind: 'slot'; slot: number };

/** Builtins OPA forbids as `with` targets (besides internal.*, relations and print, checked apart). */
const IRREPLACEABLE = new Set(['eq', 'rego.metadata.chain', 'rego.metadata.rule']);

/** The number of arguments a builtin takes, supported or not; undefined for a name that is no builtin. */
function builtinArity(name: string): number | undefined {
  return lookupBuiltin(name)?.args.length ?? unsupportedBuiltinArity(name);
}

/** The number of arguments a call target takes (not counting OPA's extra output argument). */
function arityOf(target: CallTarget): number {
  return target.kind === 'func' ? target.leaf.arity : builtinArity(target.name)!;
}

/** The key of a call target among the mocks in effect: `data.lib.f` or the builtin's name. */
function mockKeyOf(target: CallTarget): string {
  return target.kind === 'func' ? `data.${target.leaf.path.join('.')}` : target.name;
}

/** `file:line:col` of a location, for messages. */
function where(loc: Location): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** A reference to a global document: `input...` or `data...`. */
interface RootRef {
  root: 'input' | 'data';
  path: Term[];
  loc: Location;
}

function str(value: string, loc: Location): Term {
  return { type: 'string', value, loc };
}

/** JSON value of a constant term without sets, variables or refs; undefined otherwise. */
function constValue(t: Term): { v: unknown } | undefined {
  switch (t.type) {
    case 'null':
      return { v: null };
    case 'boolean':
      return { v: t.value };
    case 'number': {
      // Values are IEEE doubles at run time: a literal beyond their range would silently become null in JSON.
      const n = Number(t.raw);
      if (!Number.isFinite(n)) compileError('rego_compile_error', `number ${t.raw} is out of range (at most about 1.8e308)`, t.loc);
      return { v: numberConstant(t.raw) };
    }
    case 'string':
      return { v: t.value };
    case 'array': {
      const out: unknown[] = [];
      for (const i of t.items) {
        const c = constValue(i);
        if (!c) return undefined;
        out.push(c.v);
      }
      return { v: out };
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of t.items) {
        if (k.type !== 'string') return undefined;
        const c = constValue(v);
        if (!c) return undefined;
        out[k.value] = c.v;
      }
      return { v: out };
    }
    default:
      return undefined;
  }
}

export class Planner {
  private readonly consts = new ConstPool();
  private readonly funcs: (Func | null)[] = [];
  /** Planned functions per rule and per tree node, for each set of function mocks in effect ('' = none). */
  private readonly leafIndex = new Map<string, Map<Leaf, number>>();
  private readonly nodeIndex = new Map<string, Map<TreeNode, number>>();
  private readonly projectedIndex = new Map<string, Map<string, number>>();
  /**
   * Function and builtin replacements of the `with` being planned (`with data.lib.f as g`), keyed by
   * `data.lib.f` or the builtin's name. Mocks are resolved at compile time: every rule reached while
   * they are in effect is planned again as a separate function that calls the replacements.
   */
  private mocks = new Map<string, Mock>();
  private mockKey = '';
  /** Mock slot of each `with f as v` whose value is known only at run time (one per modifier in the source). */
  private readonly mockSlots = new Map<WithModifier, number>();
  /**
   * Calls of unsupported builtins that no `with` replaces, by the index of the function making them.
   * They compile to an error statement; an entry point that can reach one is a compile error.
   */
  private readonly unavailable = new Map<number, { name: string; loc: Location }>();
  private readonly unavailableIn = new Map<FuncBuilder, { name: string; loc: Location }>();
  /** Rules and packages being planned: meeting one again means recursion. */
  private readonly inProgress: string[] = [];
  private readonly entrypoints: Record<string, number> = {};
  private readonly reach: CallReach;
  /** Counter of the variables that operands moved out of negated expressions are bound to. */
  private dynamics = 0;

  constructor(
    private readonly root: TreeNode,
    private readonly defaultScope: ModuleScope,
  ) {
    this.reach = new CallReach(root);
  }

  // ---------------------------------------------------------------- program

  addEntrypoint(name: string, path: string[], loc: Location): void {
    const fb = new FuncBuilder(`entry:${name}`, 0, this.consts);
    const ctx: Ctx = { fb, scope: this.defaultScope };
    this.planDataPath(
      ctx,
      path.map((p) => str(p, loc)),
      new Map(),
      (v) => fb.emit(['move', fb.result, v]),
    );
    this.entrypoints[name] = this.funcs.length;
    this.funcs.push(fb.finish(false));
  }

  /** Plan every rule so that errors anywhere in the modules are reported. */
  planAllRules(node: TreeNode = this.root): void {
    if (node.leaf) this.leafFunc(node.leaf);
    for (const c of node.children.values()) this.planAllRules(c);
  }

  /**
   * The plan. `unsupportedCallsFailCompile`: fail when an entry point can reach a call of an unsupported
   * builtin that no `with` replaces (else that call fails the evaluation that reaches it).
   */
  program(unsupportedCallsFailCompile = true): Program {
    if (unsupportedCallsFailCompile) this.checkUnavailableUnreached();
    return { consts: this.consts.values, funcs: this.funcs as Func[], entrypoints: this.entrypoints };
  }

  /**
   * A rule calling `http.send` compiles (tests evaluate it with `with http.send as mock`), but an entry
   * point whose evaluation can reach such a call unreplaced fails to compile, naming the call: it could
   * never run. Reachability follows the plan's calls, in which each `with` of functions has its own copies.
   */
  private checkUnavailableUnreached(): void {
    if (this.unavailable.size === 0) return;
    const seen = new Set<number>();
    for (const [name, entry] of Object.entries(this.entrypoints)) {
      const stack = [entry];
      while (stack.length > 0) {
        const f = stack.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        const u = this.unavailable.get(f);
        if (u) {
          compileError(
            'rego_type_error',
            `unsupported builtin ${u.name} (reached from entrypoint ${name}; only a call replaced with \`with\` can run)`,
            u.loc,
          );
        }
        forEachCallee(this.funcs[f]!.body, (callee) => stack.push(callee));
      }
    }
  }

  // ---------------------------------------------------------------- rule and package functions

  private cacheFor<K>(caches: Map<string, Map<K, number>>): Map<K, number> {
    let c = caches.get(this.mockKey);
    if (!c) {
      c = new Map();
      caches.set(this.mockKey, c);
    }
    return c;
  }

  private enter(name: string, loc: Location): void {
    const at = this.inProgress.indexOf(name);
    if (at >= 0) {
      const cycle = [...this.inProgress.slice(at), name].join(' -> ');
      compileError('rego_recursion_error', `rule ${name} is recursive: ${cycle}`, loc);
    }
    this.inProgress.push(name);
  }

  private leafFunc(leaf: Leaf, loc?: Location): number {
    // A rule that cannot reach the replaced functions is the same under the `with`: plan it once.
    if (this.mocks.size > 0 && !this.reach.leafReaches(leaf, this.mocks.keys())) {
      return this.withMocksInEffect(new Map(), '', () => this.leafFunc(leaf, loc));
    }
    const known = this.cacheFor(this.leafIndex).get(leaf);
    if (known !== undefined) return known;
    const name = `data.${leaf.path.join('.')}`;
    this.enter(this.mockKey ? `${name} (with ${this.mockKey})` : name, loc ?? leaf.loc);
    const index = this.funcs.length;
    this.funcs.push(null);
    const fb = new FuncBuilder(name, leaf.arity, this.consts);
    switch (leaf.kind) {
      case 'complete':
        this.planComplete(fb, leaf);
        break;
      case 'set':
        fb.emit(['makeset', fb.result]);
        for (const e of leaf.rules) {
          const ctx: Ctx = { fb, scope: e.module };
          const head = e.rule.head;
          const key = head.key ?? head.value ?? { type: 'boolean', value: true, loc: head.loc };
          fb.block(() =>
            this.planBody(ctx, e.rule.body, new Map(), [key], (env) =>
              this.planTerm(ctx, key, env, (v) => fb.emit(['setadd', fb.result, v])),
            ),
          );
        }
        break;
      case 'object':
        fb.emit(['makeobject', fb.result]);
        for (const e of leaf.rules) {
          const ctx: Ctx = { fb, scope: e.module };
          const head = e.rule.head;
          const isSet = head.kind === 'partial-set';
          const value = (isSet ? head.key : head.value) ?? { type: 'boolean', value: true, loc: head.loc };
          fb.block(() =>
            this.planBody(ctx, e.rule.body, new Map(), [...e.keyPath, value], (env) =>
              this.planTerms(ctx, e.keyPath, env, (keys, env2) =>
                this.planTerm(ctx, value, env2, (v) => this.insertPath(fb, fb.result, keys, v, isSet)),
              ),
            ),
          );
        }
        // Rules with ground paths below this one (`p.a := 1` next to `p[x] := ...`) add their keys.
        for (const [seg, child] of leaf.node.children) {
          if (child.leaf?.kind === 'function') continue;
          fb.block(() => {
            const v = fb.newLocal();
            fb.emit(['callfn', child.leaf ? this.leafFunc(child.leaf, loc) : this.nodeFunc(child, loc ?? leaf.loc), [], v]);
            fb.emit(['objectinsertonce', fb.result, fb.constLocal(seg), v, MSG_OBJECT]);
          });
        }
        break;
      case 'function':
        this.planFunction(fb, leaf);
        break;
    }
    this.inProgress.pop();
    this.funcs[index] = fb.finish(leaf.arity === 0, leaf.arity === 0 ? leaf.path : undefined);
    const unavailable = this.unavailableIn.get(fb);
    if (unavailable) this.unavailable.set(index, unavailable);
    this.cacheFor(this.leafIndex).set(leaf, index);
    return index;
  }

  /**
   * obj[k1][k2]...[kn] = v, creating inner objects; the last key must not get two values.
   * `addToSet`: obj[k1]...[kn] is a set that v is added to (`p[x] contains y`).
   */
  private insertPath(fb: FuncBuilder, obj: Local, keys: Local[], v: Local, addToSet = false): void {
    if (keys.length === 1 && !addToSet) {
      fb.emit(['objectinsertonce', obj, keys[0], v, MSG_OBJECT]);
      return;
    }
    const innerIsSet = addToSet && keys.length === 1;
    const inner = fb.newLocal();
    fb.emit(['reset', inner]);
    fb.block(() => {
      const existing = fb.newLocal();
      fb.emit(['dot', obj, keys[0], existing]);
      fb.emit([innerIsSet ? 'makeset' : 'makeobject', inner]);
      // Copy rather than alias the existing inner collection: values may be shared.
      const k = fb.newLocal();
      const val = fb.newLocal();
      fb.emit(['scan', existing, k, val, [innerIsSet ? ['setadd', inner, val] : ['objectinsert', inner, k, val]]]);
    });
    fb.block(() => {
      fb.emit(['isundef', inner]);
      fb.emit([innerIsSet ? 'makeset' : 'makeobject', inner]);
    });
    if (innerIsSet) fb.emit(['setadd', inner, v]);
    else this.insertPath(fb, inner, keys.slice(1), v, addToSet);
    fb.emit(['objectinsert', obj, keys[0], inner]);
  }

  private planComplete(fb: FuncBuilder, leaf: Leaf): void {
    let defaultRule: (typeof leaf.rules)[number] | undefined;
    for (const e of leaf.rules) {
      if (e.rule.default) {
        if (defaultRule) compileError('rego_type_error', `multiple default rules data.${leaf.path.join('.')} found`, e.rule.loc);
        defaultRule = e;
        continue;
      }
      this.planChain({ fb, scope: e.module }, e.rule, new Map(), MSG_COMPLETE);
    }
    if (defaultRule) {
      const ctx: Ctx = { fb, scope: defaultRule.module };
      const value = defaultRule.rule.head.value ?? { type: 'boolean', value: true, loc: defaultRule.rule.loc };
      fb.block(() => {
        fb.emit(['isundef', fb.result]);
        this.planTerm(ctx, value, new Map(), (v) => fb.emit(['move', fb.result, v]));
      });
    }
  }

  /** A rule (or function definition) with its `else` chain; its value goes to fb.result once. */
  private planChain(ctx: Ctx, rule: Leaf['rules'][number]['rule'], env: Env, msg: string): void {
    const fb = ctx.fb;
    const own = fb.newLocal();
    fb.emit(['reset', own]);
    const clauses: { body: Expr[]; value?: Term; loc: Location }[] = [{ body: rule.body, value: rule.head.value, loc: rule.loc }];
    for (let e = rule.else; e; e = e.else) clauses.push({ body: e.body, value: e.value, loc: e.loc });
    clauses.forEach((c, i) => {
      const value = c.value ?? { type: 'boolean', value: true, loc: c.loc };
      fb.block(() => {
        if (i > 0) fb.emit(['isundef', own]);
        this.planBody(
          ctx,
          c.body,
          env,
          [value],
          (env2) => this.planTerm(ctx, value, env2, (v) => fb.emit(['assignonce', own, v, msg])),
          new Set(env.keys()),
        );
      });
    });
    fb.block(() => {
      fb.emit(['isdef', own]);
      fb.emit(['assignonce', fb.result, own, msg]);
    });
  }

  private planFunction(fb: FuncBuilder, leaf: Leaf): void {
    let defaultRule: (typeof leaf.rules)[number] | undefined;
    for (const e of leaf.rules) {
      if (e.rule.default) {
        defaultRule = e;
        continue;
      }
      const ctx: Ctx = { fb, scope: e.module };
      const args = e.rule.head.args ?? [];
      fb.block(() => {
        // Parameters are fresh variables of this definition: unify each with its argument slot.
        const env: Env = new Map();
        for (const a of args) for (const v of patternVars(a, new Set())) env.set(v, null);
        const unifyArgs = (i: number, env2: Env): void => {
          if (i === args.length) this.planChain(ctx, e.rule, env2, MSG_FUNCTION);
          else this.unify(ctx, args[i], i, env2, (env3) => unifyArgs(i + 1, env3));
        };
        unifyArgs(0, env);
      });
    }
    if (defaultRule) {
      const ctx: Ctx = { fb, scope: defaultRule.module };
      const value = defaultRule.rule.head.value ?? { type: 'boolean', value: true, loc: defaultRule.rule.loc };
      fb.block(() => {
        fb.emit(['isundef', fb.result]);
        this.planTerm(ctx, value, new Map(), (v) => fb.emit(['move', fb.result, v]));
      });
    }
  }

  /** The object of a package (or any inner node): base data at its path merged with its rules' values. */
  private nodeFunc(node: TreeNode, loc: Location): number {
    if (this.mocks.size > 0 && !this.reach.nodeReaches(node, this.mocks.keys())) {
      return this.withMocksInEffect(new Map(), '', () => this.nodeFunc(node, loc));
    }
    const known = this.cacheFor(this.nodeIndex).get(node);
    if (known !== undefined) return known;
    const name = node.path.length ? `data.${node.path.join('.')}` : 'data';
    this.enter(this.mockKey ? `${name} (with ${this.mockKey})` : name, loc);
    const index = this.funcs.length;
    this.funcs.push(null);
    const fb = new FuncBuilder(name, 0, this.consts);
    fb.emit(['makeobject', fb.result]);
    fb.block(() => {
      let cur = fb.newLocal();
      fb.emit(['data', cur]);
      for (const seg of node.path) {
        const next = fb.newLocal();
        fb.emit(['dot', cur, fb.constLocal(seg), next]);
        cur = next;
      }
      const k = fb.newLocal();
      const v = fb.newLocal();
      fb.emit(['istype', cur, 'object']);
      fb.emit(['scan', cur, k, v, [['objectinsert', fb.result, k, v]]]);
    });
    for (const [seg, child] of node.children) {
      if (child.leaf?.kind === 'function') continue;
      fb.block(() => {
        const v = fb.newLocal();
        const idx = child.leaf ? this.leafFunc(child.leaf, loc) : this.nodeFunc(child, loc);
        fb.emit(['callfn', idx, [], v]);
        fb.emit(['objectinsert', fb.result, fb.constLocal(seg), v]);
      });
    }
    this.inProgress.pop();
    this.funcs[index] = fb.finish(true, node.path);
    this.cacheFor(this.nodeIndex).set(node, index);
    return index;
  }

  /**
   * The object of `node`'s children projected on a path pattern (constant keys, and null for any
   * key): { key: project(doc[key], pattern) } for each key of the node (rules and packages below
   * it, and its base data) where that exists. Projecting on `null` gives an object of the
   * projections of each member; on a key, the projection of the document at that key.
   */
  private projectedNodeFunc(node: TreeNode, pattern: (string | null)[], loc: Location): number {
    const id = `${node.path.length ? `data.${node.path.join('.')}` : 'data'}[_]${pattern.map((p) => (p === null ? '[_]' : `.${p}`)).join('')}`;
    const cache = this.cacheFor(this.projectedIndex);
    const known = cache.get(id);
    if (known !== undefined) return known;
    this.enter(this.mockKey ? `${id} (with ${this.mockKey})` : id, loc);
    const index = this.funcs.length;
    this.funcs.push(null);
    const fb = new FuncBuilder(id, 0, this.consts);
    fb.emit(['makeobject', fb.result]);
    fb.block(() => {
      const cur = this.baseDocument(fb, node.path);
      const key = fb.newLocal();
      const doc = fb.newLocal();
      fb.emit(['istype', cur, 'object']);
      const body = fb.nested(() => this.projectValue(fb, doc, pattern, (v) => fb.emit(['objectinsert', fb.result, key, v])));
      fb.emit(['scan', cur, key, doc, body]);
    });
    for (const [seg, child] of node.children) {
      fb.block(() => this.projectNode(fb, child, pattern, loc, (v) => fb.emit(['objectinsert', fb.result, fb.constLocal(seg), v])));
    }
    this.inProgress.pop();
    this.funcs[index] = fb.finish(true);
    cache.set(id, index);
    return index;
  }

  /** The base document at `path` below data (fails where there is none). */
  private baseDocument(fb: FuncBuilder, path: string[]): Local {
    let cur = fb.newLocal();
    fb.emit(['data', cur]);
    for (const seg of path) {
      const next = fb.newLocal();
      fb.emit(['dot', cur, fb.constLocal(seg), next]);
      cur = next;
    }
    return cur;
  }

  /** The projection of the document at a tree node; functions are not documents (no value). */
  private projectNode(fb: FuncBuilder, node: TreeNode, pattern: (string | null)[], loc: Location, k: (v: Local) => void): void {
    if (node.leaf) {
      if (node.leaf.kind === 'function') return;
      const v = fb.newLocal();
      fb.emit(['callfn', this.leafFunc(node.leaf, loc), [], v]);
      this.projectValue(fb, v, pattern, k);
      return;
    }
    if (pattern.length === 0) {
      const v = fb.newLocal();
      fb.emit(['callfn', this.nodeFunc(node, loc), [], v]);
      k(v);
      return;
    }
    const [first, ...rest] = pattern;
    if (first === null) {
      const v = fb.newLocal();
      fb.emit(['callfn', rest.length === 0 ? this.nodeFunc(node, loc) : this.projectedNodeFunc(node, rest, loc), [], v]);
      k(v);
      return;
    }
    const child = node.children.get(first);
    if (child) {
      this.projectNode(fb, child, rest, loc, k);
      return;
    }
    this.projectValue(fb, this.baseDocument(fb, [...node.path, first]), rest, k);
  }

  /** The projection of a value: keys looked up, each `null` an object of the members' projections. */
  private projectValue(fb: FuncBuilder, v: Local, pattern: (string | null)[], k: (v: Local) => void): void {
    let at = v;
    for (let i = 0; i < pattern.length; i++) {
      const seg = pattern[i];
      if (seg === null) {
        const obj = fb.newLocal();
        fb.emit(['makeobject', obj]);
        const key = fb.newLocal();
        const member = fb.newLocal();
        const body = fb.nested(() => this.projectValue(fb, member, pattern.slice(i + 1), (x) => fb.emit(['objectinsert', obj, key, x])));
        fb.emit(['block', [['scan', at, key, member, body]]]);
        k(obj);
        return;
      }
      const next = fb.newLocal();
      fb.emit(['dot', at, fb.constLocal(seg), next]);
      at = next;
    }
    k(at);
  }

  // ---------------------------------------------------------------- names

  private isGlobal(scope: ModuleScope, name: string): boolean {
    return name === 'input' || name === 'data' || scope.aliases.has(name) || scope.ruleNames.has(name);
  }

  /** A global name as a ref to input or data; undefined if the name is a local variable. */
  private globalRef(ctx: Ctx, name: string, env: Env, loc: Location): RootRef | undefined {
    if (env.has(name) || name.startsWith('$')) return undefined;
    if (name === 'input' || name === 'data') return { root: name, path: [], loc };
    const alias = ctx.scope.aliases.get(name);
    if (alias) return { root: alias[0] as 'input' | 'data', path: alias.slice(1).map((s) => str(s, loc)), loc };
    if (ctx.scope.ruleNames.has(name)) return { root: 'data', path: [...ctx.scope.module.package, name].map((s) => str(s, loc)), loc };
    return undefined;
  }

  private isUnbound(ctx: Ctx, name: string, env: Env): boolean {
    const b = env.get(name);
    if (typeof b === 'number') return false;
    if (b === null) return true;
    return this.globalRef(ctx, name, env, LOC0) === undefined;
  }

  // ---------------------------------------------------------------- bodies and expressions

  /** `declaredAbove`: names the body may not declare again (function parameters). */
  private planBody(ctx: Ctx, written: Expr[], env: Env, after: Term[], k: Cont, declaredAbove: Set<string> = new Set()): void {
    const body = localiseClosureVars(written, (n) => env.has(n) || declaredAbove.has(n));
    checkDeclarations(body, declaredAbove);
    const bound = new Set<string>();
    for (const [n, l] of env) if (l !== null) bound.add(n);
    const ordered = reorderBody(body, bound, {
      isGlobal: (n) => !env.has(n) && this.isGlobal(ctx.scope, n),
      arityOf: (name) => {
        const target = this.findCallTarget(ctx, name);
        return target && arityOf(target);
      },
    });
    const env2: Env = new Map(env);
    for (const n of declaredVars(body)) env2.set(n, null);
    const step = (i: number, e: Env): void => {
      if (i === ordered.length) k(e);
      else this.planExpr(ctx, ordered[i], e, (e2) => step(i + 1, e2));
    };
    step(0, env2);
  }

  private planExpr(ctx: Ctx, e: Expr, env: Env, k: Cont): void {
    const fb = ctx.fb;
    if (e.with.length > 0) {
      this.planWith(ctx, e, env, k);
      return;
    }
    if (e.negated) {
      this.planNegation(ctx, e, env, k);
      return;
    }
    switch (e.type) {
      case 'some': {
        const env2 = new Map(env);
        for (const v of e.vars) env2.set(v.name, null);
        k(env2);
        return;
      }
      case 'somein':
        if (['null', 'boolean', 'number', 'string'].includes(e.collection.type)) {
          compileError(
            'rego_type_error',
            `some ... in ${e.collection.type}: the collection must be an array, object or set`,
            e.collection.loc,
          );
        }
        if ((e.collection.type === 'array' || e.collection.type === 'set') && e.collection.items.length > 0) {
          const why = e.collection.items.map((item) => shapeMismatch(e.value, item));
          if (why.every((w) => w !== undefined)) compileError('rego_type_error', `match error: ${why[0]}`, e.loc);
        }
        this.planTerm(ctx, e.collection, env, (coll, env2) => {
          const key = fb.newLocal();
          const val = fb.newLocal();
          const body = fb.nested(() =>
            this.unify(ctx, e.value, val, env2, (env3) => (e.key ? this.unify(ctx, e.key, key, env3, k) : k(env3))),
          );
          fb.emit(['scan', coll, key, val, body]);
        });
        return;
      case 'every':
        this.planEvery(ctx, e, env, k);
        return;
      case 'term':
        this.planTermExpr(ctx, e.term, env, k);
        return;
    }
  }

  /** `not expr`: its dynamic operands are evaluated first, outside the negation (see compile/dynamics). */
  private planNegation(ctx: Ctx, e: Expr, env: Env, k: Cont): void {
    const fb = ctx.fb;
    const generated = new Set<string>();
    const { hoisted, expr } = hoistOperands(e, {
      isRefName: (n) => n !== 'input' && n !== 'data' && !env.has(n) && this.globalRef(ctx, n, env, LOC0) !== undefined,
      canHoist: (t) => [...closureVars(t, new Set())].every((n) => generated.has(n) || !this.isUnbound(ctx, n, env)),
      fresh: () => {
        const name = `$dyn${this.dynamics++}`;
        generated.add(name);
        return name;
      },
    });
    const step = (i: number, env2: Env): void => {
      if (i < hoisted.length) {
        this.planTerm(ctx, hoisted[i].term, env2, (v, env3) => step(i + 1, new Map(env3).set(hoisted[i].name, v)));
        return;
      }
      const flag = fb.newLocal();
      fb.emit(['reset', flag]);
      fb.block(() => this.planExpr(ctx, { ...expr, negated: false }, env2, () => fb.emit(['const', flag, this.consts.add(true)])));
      fb.emit(['isundef', flag]);
      k(env);
    };
    step(0, env);
  }

  private planEvery(ctx: Ctx, e: Extract<Expr, { type: 'every' }>, env: Env, k: Cont): void {
    const fb = ctx.fb;
    this.planTerm(ctx, e.domain, env, (domain, env2) => {
      const counterexample = fb.newLocal();
      fb.emit(['reset', counterexample]);
      const key = fb.newLocal();
      const val = fb.newLocal();
      const inner: Env = new Map(env2);
      inner.set(e.value.name, val);
      if (e.key) inner.set(e.key.name, key);
      const body = fb.nested(() => {
        const ok = fb.newLocal();
        fb.emit(['reset', ok]);
        fb.block(() => this.planBody(ctx, e.body, inner, [], () => fb.emit(['const', ok, this.consts.add(true)])));
        fb.emit(['isundef', ok]);
        fb.emit(['const', counterexample, this.consts.add(true)]);
        fb.emit(['break', 0]);
      });
      fb.block(() => fb.emit(['scan', domain, key, val, body]));
      fb.emit(['isundef', counterexample]);
      k(env2);
    });
  }

  private planWith(ctx: Ctx, e: Expr, env: Env, k: Cont): void {
    const fb = ctx.fb;
    // Modifiers that act at run time: document overrides (`with input.x as v`) and function
    // replacements by values computed at run time (mock slots). The others are resolved here.
    const runtime: { m: WithModifier; slot?: number; doc?: { root: 'input' | 'data'; path: string[] } }[] = [];
    const mocks: [string, Mock][] = [];
    for (const m of e.with) {
      const mock = this.functionMock(ctx, m, env);
      if (!mock) {
        runtime.push({ m, doc: this.withTarget(ctx, m, env) });
      } else if (mock.mock) {
        mocks.push([mock.key, mock.mock]);
      } else {
        let slot = this.mockSlots.get(m);
        if (slot === undefined) this.mockSlots.set(m, (slot = this.mockSlots.size));
        runtime.push({ m, slot });
        mocks.push([mock.key, { kind: 'slot', slot }]);
      }
    }
    const values: Local[] = [];
    const planValues = (i: number, env2: Env): void => {
      if (i < runtime.length) {
        this.planTerm(ctx, runtime[i].m.value, env2, (v, env3) => {
          values.push(v);
          planValues(i + 1, env3);
        });
        return;
      }
      // The modifiers hold for this expression only: its solutions are collected inside the `with`
      // (the values of the variables it binds, one array per solution) and the rest of the body runs
      // after it, once per solution.
      const done = fb.newLocal();
      fb.emit(['reset', done]);
      const solutions = fb.newLocal();
      fb.emit(['makearray', solutions]);
      let bound: string[] | undefined;
      const wrap = (j: number): Stmt[] =>
        fb.nested(() => {
          if (j === runtime.length) {
            this.withMocks(mocks, () =>
              this.planExpr(ctx, { ...e, with: [] }, env2, (env3) => {
                bound ??= [...env3].filter(([n, l]) => typeof l === 'number' && env2.get(n) !== l).map(([n]) => n);
                fb.emit(['const', done, this.consts.add(true)]);
                if (bound.length === 0) return;
                const tuple = fb.newLocal();
                fb.emit(['makearray', tuple]);
                for (const n of bound) fb.emit(['arrayappend', tuple, env3.get(n) as Local]);
                fb.emit(['arrayappend', solutions, tuple]);
              }),
            );
            return;
          }
          const { slot, doc } = runtime[j];
          if (doc) fb.emit(['with', doc.root, doc.path, values[j], wrap(j + 1)]);
          else fb.emit(['withmock', slot!, values[j], wrap(j + 1)]);
        });
      for (const s of wrap(0)) fb.emit(s);
      fb.emit(['isdef', done]);
      const names = bound ?? [];
      if (names.length === 0) {
        k(env2);
        return;
      }
      const index = fb.newLocal();
      const tuple = fb.newLocal();
      const body = fb.nested(() => {
        const env3: Env = new Map(env2);
        names.forEach((n, i) => {
          const l = fb.newLocal();
          fb.emit(['dot', tuple, fb.constLocal(i), l]);
          env3.set(n, l);
        });
        k(env3);
      });
      fb.emit(['scan', solutions, index, tuple, body]);
    };
    planValues(0, env);
  }

  /** Plan `fill` with these function mocks added to those in effect (a later one for the same target wins). */
  private withMocks(mocks: [string, Mock][], fill: () => void): void {
    if (mocks.length === 0) {
      fill();
      return;
    }
    const describe = (m: Mock): string => {
      switch (m.kind) {
        case 'func':
          return `data.${m.leaf.path.join('.')}`;
        case 'builtin':
          return m.name;
        case 'value':
          return JSON.stringify(m.value);
        case 'slot':
          return `<value ${m.slot}>`;
      }
    };
    const all = new Map([...this.mocks, ...mocks]);
    this.withMocksInEffect(
      all,
      [...all]
        .map(([k, m]) => `${k} as ${describe(m)}`)
        .sort()
        .join(', '),
      fill,
    );
  }

  private withMocksInEffect<T>(mocks: Map<string, Mock>, key: string, fill: () => T): T {
    const saved = this.mocks;
    const savedKey = this.mockKey;
    this.mocks = mocks;
    this.mockKey = key;
    try {
      return fill();
    } finally {
      this.mocks = saved;
      this.mockKey = savedKey;
    }
  }

  /** A name as written (`lib.f`, `data.lib.f`, `count`) to the user function or builtin it calls, if any. */
  private callable(ctx: Ctx, name: string[], env: Env): CallTarget | undefined {
    if (env.has(name[0])) return undefined;
    let path: string[] | undefined;
    const alias = ctx.scope.aliases.get(name[0]);
    if (alias) path = alias[0] === 'data' ? [...alias.slice(1), ...name.slice(1)] : undefined;
    else if (name[0] === 'data') path = name.slice(1);
    else if (ctx.scope.ruleNames.has(name[0])) path = [...ctx.scope.module.package, ...name];
    if (path) {
      const node = findNode(this.root, path);
      if (node?.leaf?.kind === 'function') return { kind: 'func', leaf: node.leaf };
      return undefined;
    }
    const dotted = name.join('.');
    return builtinArity(dotted) !== undefined ? { kind: 'builtin', name: dotted } : undefined;
  }

  /**
   * `with f as g` where f is a user function or a builtin, as OPA's compiler checks it: undefined when f
   * is a document (input or data), else the replacement (a function, or a constant), or no `mock` when
   * the replacement is a value computed at run time (`with f as v`, v a variable or a rule's value).
   */
  private functionMock(ctx: Ctx, m: WithModifier, env: Env): { key: string; mock?: Mock } | undefined {
    const name = refName(m.target);
    if (!name) return undefined;
    const dotted = name.join('.');
    // A target names a global document or function; locals (v0 `input := ...`) do not shadow it.
    const what = this.callable(ctx, name, NO_LOCALS);
    const global = ctx.scope.aliases.has(name[0]) || ctx.scope.ruleNames.has(name[0]) || name[0] === 'data' || name[0] === 'input';
    if (!global) {
      const invalid = (why: string): never =>
        compileError('rego_compile_error', `with keyword replacing built-in function: ${why}`, m.target.loc);
      if (IRREPLACEABLE.has(dotted)) invalid(`replacement of "${dotted}" invalid`);
      if (name[0] === 'internal' && what) invalid(`replacement of internal function "${dotted}" invalid`);
      if (dotted === 'print') invalid('target must not be a void function');
      if (what && RELATIONS.has(dotted)) invalid('target must not be a relation');
    }
    if (!what) return undefined;
    const key = mockKeyOf(what);
    const value = m.value;
    const valueName = functionName(value);
    const replacement = valueName && this.callable(ctx, valueName, env);
    if (replacement) {
      const arity = arityOf(what);
      const arity2 = arityOf(replacement);
      if (arity !== arity2) {
        compileError(
          'rego_type_error',
          `${key}: arity mismatch: ${valueName.join('.')} takes ${arity2} argument${arity2 === 1 ? '' : 's'}, ${dotted} takes ${arity}`,
          m.loc,
        );
      }
      return { key, mock: replacement };
    }
    if (what.kind === 'builtin') {
      const sig = lookupBuiltin(what.name);
      if (sig) checkReplacementValue(sig, value, m.loc);
    }
    const c = constValue(value);
    return c ? { key, mock: { kind: 'value', value: c.v } } : { key };
  }

  private withTarget(ctx: Ctx, m: WithModifier, env: Env): { root: 'input' | 'data'; path: string[] } {
    const target = m.target;
    const head = target.head;
    let ref: RootRef | undefined;
    if (head.type === 'var') ref = this.globalRef(ctx, head.name, NO_LOCALS, target.loc);
    if (!ref) compileError('rego_type_error', 'with keyword target must reference existing input, data, or a function', target.loc);
    const path: string[] = [];
    for (const p of [...ref.path, ...target.path]) {
      if (p.type !== 'string') compileError('rego_compile_error', 'with keyword target must be a constant path', target.loc);
      path.push(p.value);
    }
    if (ref.root === 'data') {
      // As OPA: a rule's value is replaced whole, never a part of it.
      let node: TreeNode | undefined = this.root;
      for (const seg of path.slice(0, -1)) {
        node = node.children.get(seg);
        if (!node) break;
        if (node.leaf) compileError('rego_compile_error', 'with keyword cannot partially replace virtual document(s)', target.loc);
      }
      // (Functions are replaced in functionMock: this document is no function.)
      const valueName = functionName(m.value);
      if (valueName && this.callable(ctx, valueName, env)) {
        compileError(
          'rego_type_error',
          `with keyword: data.${path.join('.')} is not a function, it cannot be replaced by the function ${valueName.join('.')}`,
          m.loc,
        );
      }
    }
    return { root: ref.root, path };
  }

  private planTermExpr(ctx: Ctx, t: Term, env: Env, k: Cont): void {
    const fb = ctx.fb;
    if (
      (t.type === 'call' && t.name.length === 1) ||
      (t.type === 'call' && t.name.join('.') === 'internal.member_2') ||
      (t.type === 'call' && t.name.join('.') === 'internal.member_3')
    ) {
      const name = t.name.join('.');
      switch (name) {
        case 'eq':
          this.unifyTerms(ctx, t.args[0], t.args[1], env, k);
          return;
        case 'assign': {
          const env2: Env = new Map(env);
          for (const v of patternVars(t.args[0], new Set())) env2.set(v, null);
          this.checkAssignTarget(t.args[0], ctx.scope.module.syntax);
          const mismatch = shapeMismatch(t.args[0], t.args[1]);
          if (mismatch) compileError('rego_type_error', `match error: ${mismatch}`, t.loc);
          this.planTerm(ctx, t.args[1], env, (v, env3) => {
            const env4: Env = new Map(env3);
            for (const n of patternVars(t.args[0], new Set())) env4.set(n, null);
            this.unify(ctx, t.args[0], v, env4, k);
          });
          return;
        }
        case 'equal':
          this.planTerms(ctx, t.args, env, ([a, b], env2) => {
            fb.emit(['equal', a, b]);
            k(env2);
          });
          return;
        case 'print':
          this.planPrint(ctx, t.args, env);
          k(env);
          return;
        case 'internal.member_2':
        case 'internal.member_3':
          this.planTerms(ctx, t.args, env, (args, env2) => {
            const found = fb.newLocal();
            fb.emit(['reset', found]);
            const key = fb.newLocal();
            const val = fb.newLocal();
            const coll = args[args.length - 1];
            const body: Stmt[] =
              args.length === 3
                ? [
                    ['equal', key, args[0]],
                    ['equal', val, args[1]],
                    ['const', found, this.consts.add(true)],
                    ['break', 0],
                  ]
                : [
                    ['equal', val, args[0]],
                    ['const', found, this.consts.add(true)],
                    ['break', 0],
                  ];
            fb.block(() => fb.emit(['scan', coll, key, val, body]));
            fb.emit(['isdef', found]);
            k(env2);
          });
          return;
      }
    }
    if (t.type === 'call') {
      this.planCall(
        ctx,
        t,
        env,
        (v, env2) => {
          this.notFalse(fb, v);
          k(env2);
        },
        true,
      );
      return;
    }
    this.planTerm(ctx, t, env, (v, env2) => {
      this.notFalse(fb, v);
      k(env2);
    });
  }

  private checkAssignTarget(t: Term, syntax: 'v0' | 'v1'): void {
    // v0 modules may declare a local named input or data (the parser makes it a var only there).
    if (t.type === 'var' && (t.name === 'input' || t.name === 'data') && syntax === 'v1') {
      compileError('rego_compile_error', `variables must not shadow ${t.name} (use a different variable name)`, t.loc);
    }
    if (t.type === 'ref' && t.path.length === 0 && t.head.type === 'var') {
      compileError('rego_compile_error', `variables must not shadow ${t.head.name} (use a different variable name)`, t.loc);
    }
    if (t.type === 'ref') compileError('rego_compile_error', 'cannot assign to ref', t.loc);
  }

  private planPrint(ctx: Ctx, args: Term[], env: Env): void {
    const fb = ctx.fb;
    const slots = args.map(() => fb.newLocal());
    args.forEach((a, i) => {
      fb.emit(['reset', slots[i]]);
      fb.block(() => this.planTerm(ctx, a, env, (v) => fb.emit(['move', slots[i], v])));
    });
    fb.emit(['print', slots]);
  }

  /** An expression's value must be defined and not false. */
  private notFalse(fb: FuncBuilder, v: Local): void {
    const isFalse = fb.newLocal();
    fb.emit(['reset', isFalse]);
    fb.block(() => {
      fb.emit(['equal', v, fb.constLocal(false)]);
      fb.emit(['const', isFalse, this.consts.add(true)]);
    });
    fb.emit(['isundef', isFalse]);
  }

  // ---------------------------------------------------------------- unification

  private hasUnbound(ctx: Ctx, t: Term, env: Env): boolean {
    for (const n of patternVars(t, new Set())) if (this.isUnbound(ctx, n, env)) return true;
    return false;
  }

  private unifyTerms(ctx: Ctx, a: Term, b: Term, env: Env, k: Cont): void {
    const mismatch = shapeMismatch(a, b);
    if (mismatch) compileError('rego_type_error', `match error: ${mismatch}`, a.loc);
    const constKeys = (t: Term): boolean => t.type === 'object' && t.items.every(([key]) => constValue(key) !== undefined);
    if (constKeys(a) && constKeys(b) && a.type === 'object' && b.type === 'object') {
      // Same constant keys (shapeMismatch checked): unify value by value.
      const byKey = new Map(b.items.map(([key, val]) => [JSON.stringify(constValue(key)?.v), val]));
      this.unifyPairs(
        ctx,
        a.items.map(([key, val]) => [val, byKey.get(JSON.stringify(constValue(key)?.v))!] as const),
        env,
        k,
      );
      return;
    }
    if (a.type === 'array' && b.type === 'array') {
      this.unifyPairs(
        ctx,
        a.items.map((item, i) => [item, b.items[i]] as const),
        env,
        k,
      );
      return;
    }
    if (this.hasUnbound(ctx, a, env) && !this.hasUnbound(ctx, b, env)) {
      this.planTerm(ctx, b, env, (v, env2) => this.unify(ctx, a, v, env2, k));
    } else {
      this.planTerm(ctx, a, env, (v, env2) => this.unify(ctx, b, v, env2, k));
    }
  }

  /** Unify term pairs, each as soon as one of its sides is bound (`[a, b] = [b, 1]` does the second first). */
  private unifyPairs(ctx: Ctx, pairs: ReadonlyArray<readonly [Term, Term]>, env: Env, k: Cont): void {
    if (pairs.length === 0) {
      k(env);
      return;
    }
    const i = Math.max(
      0,
      pairs.findIndex(([x, y]) => !this.hasUnbound(ctx, x, env) || !this.hasUnbound(ctx, y, env)),
    );
    this.unifyTerms(ctx, pairs[i][0], pairs[i][1], env, (env2) =>
      this.unifyPairs(
        ctx,
        pairs.filter((_, j) => j !== i),
        env2,
        k,
      ),
    );
  }

  /** Unify a pattern term with a value in a local: binds unbound vars, compares the rest. */
  private unify(ctx: Ctx, pattern: Term, v: Local, env: Env, k: Cont): void {
    const fb = ctx.fb;
    switch (pattern.type) {
      case 'var':
        if (this.isUnbound(ctx, pattern.name, env)) {
          const env2: Env = new Map(env);
          env2.set(pattern.name, v);
          k(env2);
          return;
        }
        break;
      case 'array': {
        fb.emit(['arraylen', v, pattern.items.length]);
        const step = (i: number, e: Env): void => {
          if (i === pattern.items.length) {
            k(e);
            return;
          }
          const el = fb.newLocal();
          fb.emit(['dot', v, fb.constLocal(i), el]);
          this.unify(ctx, pattern.items[i], el, e, (e2) => step(i + 1, e2));
        };
        step(0, env);
        return;
      }
      case 'object': {
        if (!this.hasUnbound(ctx, pattern, env)) break;
        fb.emit(['istype', v, 'object']);
        const n = fb.newLocal();
        fb.emit(['call', 'count', [v], n]);
        fb.emit(['equal', n, fb.constLocal(pattern.items.length)]);
        const step = (i: number, e: Env): void => {
          if (i === pattern.items.length) {
            k(e);
            return;
          }
          this.planTerm(ctx, pattern.items[i][0], e, (key, e2) => {
            const el = fb.newLocal();
            fb.emit(['dot', v, key, el]);
            this.unify(ctx, pattern.items[i][1], el, e2, (e3) => step(i + 1, e3));
          });
        };
        step(0, env);
        return;
      }
      default:
        break;
    }
    this.planTerm(ctx, pattern, env, (p, env2) => {
      fb.emit(['equal', p, v]);
      k(env2);
    });
  }

  // ---------------------------------------------------------------- terms

  private planTerms(ctx: Ctx, terms: Term[], env: Env, k: (values: Local[], env: Env) => void): void {
    const out: Local[] = [];
    const step = (i: number, e: Env): void => {
      if (i === terms.length) k(out.slice(), e);
      else
        this.planTerm(ctx, terms[i], e, (v, e2) => {
          out[i] = v;
          step(i + 1, e2);
        });
    };
    step(0, env);
  }

  private planTerm(ctx: Ctx, t: Term, env: Env, k: ValueCont): void {
    const fb = ctx.fb;
    const c = constValue(t);
    if (c) {
      k(fb.constLocal(c.v), env);
      return;
    }
    switch (t.type) {
      case 'var': {
        const b = env.get(t.name);
        if (typeof b === 'number') {
          k(b, env);
          return;
        }
        const ref = this.globalRef(ctx, t.name, env, t.loc);
        if (!ref) compileError('rego_unsafe_var_error', `var ${displayName(t.name)} is unsafe`, t.loc);
        this.planRootRef(ctx, ref, env, k);
        return;
      }
      case 'ref':
        this.planRef(ctx, t, env, k);
        return;
      case 'array':
        this.planTerms(ctx, t.items, env, (items, env2) => {
          const arr = fb.newLocal();
          fb.emit(['makearray', arr]);
          for (const i of items) fb.emit(['arrayappend', arr, i]);
          k(arr, env2);
        });
        return;
      case 'set':
        this.planTerms(ctx, t.items, env, (items, env2) => {
          const set = fb.newLocal();
          fb.emit(['makeset', set]);
          for (const i of items) fb.emit(['setadd', set, i]);
          k(set, env2);
        });
        return;
      case 'object':
        this.planTerms(ctx, t.items.flat(), env, (kv, env2) => {
          const obj = fb.newLocal();
          fb.emit(['makeobject', obj]);
          for (let i = 0; i < kv.length; i += 2) fb.emit(['objectinsert', obj, kv[i], kv[i + 1]]);
          k(obj, env2);
        });
        return;
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr': {
        const out = fb.newLocal();
        fb.emit([t.type === 'arraycompr' ? 'makearray' : t.type === 'setcompr' ? 'makeset' : 'makeobject', out]);
        const heads = t.type === 'objectcompr' ? [t.key, t.value] : [t.term];
        fb.block(() =>
          this.planBody(ctx, t.body, env, heads, (env2) =>
            this.planTerms(ctx, heads, env2, ([a, b]) => {
              if (t.type === 'arraycompr') fb.emit(['arrayappend', out, a]);
              else if (t.type === 'setcompr') fb.emit(['setadd', out, a]);
              else fb.emit(['objectinsertonce', out, a, b, MSG_OBJECT]);
            }),
          ),
        );
        k(out, env);
        return;
      }
      case 'call':
        this.planCall(ctx, t, env, k);
        return;
      default: {
        // Scalars are constants (handled above).
        compileError('rego_compile_error', `unexpected term ${t.type}`, t.loc);
      }
    }
  }

  private planRef(ctx: Ctx, t: RefTerm, env: Env, k: ValueCont): void {
    const head = t.head;
    if (head.type === 'var') {
      const b = env.get(head.name);
      if (typeof b === 'number') {
        this.planPath(ctx, b, t.path, 0, env, k);
        return;
      }
      const ref = this.globalRef(ctx, head.name, env, head.loc);
      if (!ref) compileError('rego_unsafe_var_error', `var ${displayName(head.name)} is unsafe`, head.loc);
      this.planRootRef(ctx, { root: ref.root, path: [...ref.path, ...t.path], loc: t.loc }, env, k);
      return;
    }
    this.planTerm(ctx, head, env, (base, env2) => this.planPath(ctx, base, t.path, 0, env2, k));
  }

  private planRootRef(ctx: Ctx, ref: RootRef, env: Env, k: ValueCont): void {
    if (ref.root === 'input') {
      const l = ctx.fb.newLocal();
      ctx.fb.emit(['input', l]);
      this.planPath(ctx, l, ref.path, 0, env, k);
      return;
    }
    this.planDataPath(ctx, ref.path, env, k);
  }

  /** Walk a ref below `data` (from `start`) through the rule tree: rules become calls, the rest base-document lookups. */
  private planDataPath(ctx: Ctx, path: Term[], env: Env, k: ValueCont, start: TreeNode = this.root): void {
    const fb = ctx.fb;
    let node = start;
    const loc = path[0]?.loc ?? { file: ctx.scope.module.file, line: 1, col: 1 };
    for (let i = 0; ; i++) {
      if (node.leaf) {
        if (node.leaf.kind === 'function' && node.leaf.arity > 0) {
          compileError('rego_type_error', `function data.${node.leaf.path.join('.')} called without arguments`, path[i - 1]?.loc ?? loc);
        }
        const v = fb.newLocal();
        fb.emit(['callfn', this.leafFunc(node.leaf, path[i - 1]?.loc ?? loc), [], v]);
        this.planPath(ctx, v, path, i, env, k);
        return;
      }
      if (i === path.length) {
        const v = fb.newLocal();
        fb.emit(['callfn', this.nodeFunc(node, loc), [], v]);
        k(v, env);
        return;
      }
      const seg = path[i];
      if (seg.type === 'string') {
        const child = node.children.get(seg.value);
        if (child) {
          node = child;
          continue;
        }
        // Not a rule or package: a base document lookup.
        let cur = fb.newLocal();
        fb.emit(['data', cur]);
        for (const s of [...node.path, seg.value]) {
          const next = fb.newLocal();
          fb.emit(['dot', cur, fb.constLocal(s), next]);
          cur = next;
        }
        this.planPath(ctx, cur, path, i + 1, env, k);
        return;
      }
      // A variable or computed key: look it up in the node's object. When constant keys follow
      // (`data.pkg[x].deny`, `data.pkg[x][y].deny`), only the documents at those keys below each
      // child are computed, as OPA reaches only those rules: a rule elsewhere below the node may
      // itself use this ref.
      let end = i + 1;
      while (path[end]?.type === 'string' || path[end]?.type === 'var') end++;
      while (end > i + 1 && path[end - 1].type !== 'string') end--;
      const v = fb.newLocal();
      if (end === i + 1) {
        fb.emit(['callfn', this.nodeFunc(node, seg.loc), [], v]);
        this.planPath(ctx, v, path, i, env, k);
        return;
      }
      const pattern = path.slice(i + 1, end).map((t) => (t.type === 'string' ? t.value : null));
      fb.emit(['callfn', this.projectedNodeFunc(node, pattern, seg.loc), [], v]);
      this.planPath(ctx, v, [seg, ...path.slice(i + 1, end).filter((t) => t.type !== 'string'), ...path.slice(end)], 0, env, k);
      return;
    }
  }

  private planPath(ctx: Ctx, base: Local, path: Term[], i: number, env: Env, k: ValueCont): void {
    const fb = ctx.fb;
    if (i === path.length) {
      k(base, env);
      return;
    }
    const seg = path[i];
    if (seg.type === 'var' && this.isUnbound(ctx, seg.name, env)) {
      const key = fb.newLocal();
      const val = fb.newLocal();
      const env2: Env = new Map(env);
      env2.set(seg.name, key);
      const body = fb.nested(() => this.planPath(ctx, val, path, i + 1, env2, k));
      fb.emit(['scan', base, key, val, body]);
      return;
    }
    if ((seg.type === 'array' || seg.type === 'object') && this.hasUnbound(ctx, seg, env)) {
      // x[[a, b]], x[{"k": v}]: iterate and unify each key with the pattern.
      const key = fb.newLocal();
      const val = fb.newLocal();
      const body = fb.nested(() => this.unify(ctx, seg, key, env, (env2) => this.planPath(ctx, val, path, i + 1, env2, k)));
      fb.emit(['scan', base, key, val, body]);
      return;
    }
    this.planTerm(ctx, seg, env, (key, env2) => {
      const out = fb.newLocal();
      fb.emit(['dot', base, key, out]);
      this.planPath(ctx, out, path, i + 1, env2, k);
    });
  }

  /**
   * A call. `statement`: the call is a whole expression, where OPA accepts one extra argument
   * that receives the result (`count(xs, n)`); inside a term it must have exactly its arity.
   */
  private planCall(ctx: Ctx, t: Extract<Term, { type: 'call' }>, env: Env, k: ValueCont, statement = false): void {
    const fb = ctx.fb;
    const resolved = this.resolveCall(ctx, t);
    // The call is checked against what it names, whatever replaces it (as OPA's type checker does).
    const nargs = arityOf(resolved);
    const sig = resolved.kind === 'builtin' ? lookupBuiltin(resolved.name) : undefined;
    if (sig) checkBuiltinCall(sig, t.args, t.loc, statement);
    else if (t.args.length !== nargs && !(statement && t.args.length === nargs + 1)) {
      const dotted = t.name.join('.');
      if (resolved.kind === 'builtin')
        compileError('rego_type_error', `${dotted}: too ${t.args.length < nargs ? 'few' : 'many'} arguments`, t.loc);
      compileError('rego_type_error', `function ${dotted} called with ${t.args.length} arguments, expects ${nargs}`, t.loc);
    }
    const mock = this.mocks.get(mockKeyOf(resolved));
    if (mock?.kind === 'value' || mock?.kind === 'slot') {
      this.planTerms(ctx, t.args.slice(0, nargs), env, (_args, env2) => {
        let out: Local;
        if (mock.kind === 'value') out = fb.constLocal(mock.value);
        else fb.emit(['mockvalue', mock.slot, (out = fb.newLocal())]);
        if (t.args.length > nargs) this.unify(ctx, t.args[nargs], out, env2, (env3) => k(fb.constLocal(true), env3));
        else k(out, env2);
      });
      return;
    }
    const target = mock ?? resolved;
    this.planTerms(ctx, t.args.slice(0, nargs), env, (args, env2) => {
      const out = fb.newLocal();
      if (target.kind === 'func') {
        // As in OPA, a replacement function runs with no replacements in effect: it may call the original.
        const index = mock
          ? this.withMocksInEffect(new Map(), '', () => this.leafFunc(target.leaf, t.loc))
          : this.leafFunc(target.leaf, t.loc);
        fb.emit(['callfn', index, args, out]);
      } else if (!lookupBuiltin(target.name)) {
        if (!this.unavailableIn.has(fb)) this.unavailableIn.set(fb, { name: target.name, loc: t.nameLoc });
        fb.emit(['error', `${where(t.nameLoc)}: unsupported builtin ${target.name} called with no \`with\` replacing it`]);
      } else fb.emit(['call', target.name, args, out]);
      if (target.kind === 'builtin' && RELATIONS.has(target.name)) {
        // A relation (`walk(x, [path, value])`) has several results: the builtin returns them as an array.
        const one = fb.newLocal();
        const body = fb.nested(() => {
          if (t.args.length > nargs) this.unify(ctx, t.args[nargs], one, env2, (env3) => k(fb.constLocal(true), env3));
          else k(one, env2);
        });
        fb.emit(['scan', out, fb.newLocal(), one, body]);
        return;
      }
      if (t.args.length > nargs) {
        // Old-style output argument: `count(xs, n)`.
        this.unify(ctx, t.args[nargs], out, env2, (env3) => k(fb.constLocal(true), env3));
        return;
      }
      k(out, env2);
    });
  }

  /** The user function or builtin a call's name (`lib.f`, `data.lib.f`, `count`) resolves to; undefined if none. */
  private findCallTarget(ctx: Ctx, name: string[]): CallTarget | undefined {
    let path: string[] | undefined;
    const alias = ctx.scope.aliases.get(name[0]);
    if (alias && alias[0] === 'data') path = [...alias.slice(1), ...name.slice(1)];
    else if (name[0] === 'data') path = name.slice(1);
    else if (ctx.scope.ruleNames.has(name[0])) path = [...ctx.scope.module.package, ...name];
    if (path) {
      const node = findNode(this.root, path);
      if (node?.leaf?.kind === 'function') return { kind: 'func', leaf: node.leaf };
    }
    const dotted = name.join('.');
    return builtinArity(dotted) !== undefined ? { kind: 'builtin', name: dotted } : undefined;
  }

  private resolveCall(ctx: Ctx, t: Extract<Term, { type: 'call' }>): CallTarget {
    const target = this.findCallTarget(ctx, t.name);
    const dotted = t.name.join('.');
    if (target?.kind === 'builtin' && lookupBuiltin(dotted)?.v0Only && ctx.scope.module.syntax !== 'v0') {
      compileError(
        'rego_type_error',
        `deprecated builtin ${dotted} was removed in Rego v1: compile with --v0-compatible (v0Compatible) or rewrite the call`,
        t.nameLoc,
      );
    }
    if (target) return target;
    return compileError('rego_type_error', `undefined function ${t.name.join('.')}`, t.nameLoc);
  }
}

/** Literal terms that can never unify (OPA's type checker rejects them): why, or undefined. */
function shapeMismatch(a: Term, b: Term): string | undefined {
  const kind = (t: Term): string | undefined => {
    switch (t.type) {
      case 'array':
      case 'object':
      case 'set':
      case 'string':
      case 'number':
      case 'boolean':
      case 'null':
        return t.type;
      case 'arraycompr':
        return 'array';
      case 'setcompr':
        return 'set';
      case 'objectcompr':
        return 'object';
      default:
        return undefined; // known only at run time
    }
  };
  const ka = kind(a);
  const kb = kind(b);
  if (ka === undefined || kb === undefined) return undefined;
  if (ka !== kb) return `${ka} cannot unify with ${kb}`;
  if (a.type === 'array' && b.type === 'array') {
    if (a.items.length !== b.items.length) return `arrays of ${a.items.length} and ${b.items.length} elements`;
    for (let i = 0; i < a.items.length; i++) {
      const m = shapeMismatch(a.items[i], b.items[i]);
      if (m) return m;
    }
  }
  if (a.type === 'object' && b.type === 'object') {
    const keys = (t: typeof a): string[] | undefined => {
      const out: string[] = [];
      for (const [k] of t.items) {
        const c = constValue(k);
        if (!c) return undefined;
        out.push(JSON.stringify(c.v));
      }
      return out.sort();
    };
    const ak = keys(a);
    const bk = keys(b);
    if (ak && bk) {
      if (ak.join(',') !== bk.join(',')) return `object keys [${ak.join(', ')}] and [${bk.join(', ')}] differ`;
      const byKey = new Map(b.items.map(([key, val]) => [JSON.stringify(constValue(key)!.v), val]));
      for (const [key, val] of a.items) {
        const m = shapeMismatch(val, byKey.get(JSON.stringify(constValue(key)!.v))!);
        if (m) return m;
      }
    }
  }
  return undefined;
}

/** Calls every function index the statements call (`callfn`), nested bodies included. */
function forEachCallee(stmts: Stmt[], f: (index: number) => void): void {
  for (const s of stmts) {
    if (s[0] === 'callfn') f(s[1]);
    else if (s[0] === 'scan' || s[0] === 'with') forEachCallee(s[4], f);
    else if (s[0] === 'block') forEachCallee(s[1], f);
    else if (s[0] === 'withmock') forEachCallee(s[3], f);
  }
}

/** The name a term is written as when it may name a function (`g`, `lib.g`, `io.jwt.decode`); undefined otherwise. */
function functionName(t: Term): string[] | undefined {
  return t.type === 'ref' ? refName(t) : t.type === 'var' ? [t.name] : undefined;
}

/** `a.b.c` (a ref of constant string keys on a var) as the name [a, b, c]; undefined for other refs. */
function refName(t: RefTerm): string[] | undefined {
  if (t.head.type !== 'var') return undefined;
  const name = [t.head.name];
  for (const p of t.path) {
    if (p.type !== 'string') return undefined;
    name.push(p.value);
  }
  return name;
}

export type { VarTerm };
