/**
 * Which functions and builtins a rule's evaluation may call, directly or through the rules and
 * functions it refers to: the planner plans a rule again for a `with` replacing functions only
 * when the rule may reach one of them (otherwise its plain plan is the same), which keeps the
 * module small when many tests mock the same few calls. Over-approximates: a name that might be a
 * local variable shadowing a rule counts as the rule, a ref with a variable segment as every rule
 * below the known prefix.
 */
import type { Expr, Rule, Term } from '../parse/ast';
import { Leaf, ModuleScope, TreeNode, findNode } from '../compile/ruletree';

/**
 * What an evaluation may call: keys of user functions (`data.pkg.f`) and builtins (`http.send`);
 * `all` when unknown (the walk met a rule still being walked: a cycle, which the over-approximation
 * can make up, so everything counts as reached).
 */
interface Reach {
  all: boolean;
  keys: Set<string>;
}

/** Marks a leaf whose walk is under way. */
const IN_PROGRESS: Reach = { all: true, keys: new Set() };

export class CallReach {
  private readonly leaves = new Map<Leaf, Reach>();

  constructor(private readonly root: TreeNode) {}

  /** Whether evaluating the leaf may call any of these keys. */
  leafReaches(leaf: Leaf, keys: Iterable<string>): boolean {
    return reachesAny(this.ofLeaf(leaf), keys);
  }

  /** Whether evaluating the node's document (a package or inner node) may call any of these keys. */
  nodeReaches(node: TreeNode, keys: Iterable<string>): boolean {
    return reachesAny(this.ofNode(node), keys);
  }

  private ofLeaf(leaf: Leaf): Reach {
    const known = this.leaves.get(leaf);
    if (known) return known;
    this.leaves.set(leaf, IN_PROGRESS);
    const out: Reach = { all: false, keys: new Set() };
    for (const e of leaf.rules) this.rule(e.rule, e.module, out);
    if (leaf.kind === 'object') for (const child of leaf.node.children.values()) this.addNode(child, out);
    this.leaves.set(leaf, out);
    return out;
  }

  private ofNode(node: TreeNode): Reach {
    const out: Reach = { all: false, keys: new Set() };
    this.addNode(node, out);
    return out;
  }

  private addLeaf(leaf: Leaf, out: Reach): void {
    const r = this.ofLeaf(leaf);
    if (r.all) out.all = true;
    for (const k of r.keys) out.keys.add(k);
  }

  /** What evaluating the node's document reaches (function leaves are not part of it). */
  private addNode(node: TreeNode, out: Reach): void {
    if (node.leaf) {
      if (node.leaf.kind !== 'function') this.addLeaf(node.leaf, out);
      return;
    }
    for (const child of node.children.values()) this.addNode(child, out);
  }

  private rule(rule: Rule, scope: ModuleScope, out: Reach): void {
    const terms = (ts: (Term | undefined)[]): void => {
      for (const t of ts) if (t) this.term(t, scope, out);
    };
    terms(rule.head.ref.slice(1)); // the first is the rule's own name
    terms(rule.head.args ?? []);
    terms([rule.head.key, rule.head.value]);
    this.body(rule.body, scope, out);
    for (let e = rule.else; e; e = e.else) {
      terms([e.value]);
      this.body(e.body, scope, out);
    }
  }

  private body(body: Expr[], scope: ModuleScope, out: Reach): void {
    for (const e of body) {
      switch (e.type) {
        case 'term':
          this.term(e.term, scope, out);
          break;
        case 'somein':
          for (const t of [e.key, e.value, e.collection]) if (t) this.term(t, scope, out);
          break;
        case 'every':
          this.term(e.domain, scope, out);
          this.body(e.body, scope, out);
          break;
        case 'some':
          break;
      }
      for (const w of e.with) this.term(w.value, scope, out);
    }
  }

  private term(t: Term, scope: ModuleScope, out: Reach): void {
    switch (t.type) {
      case 'var':
        this.ref(t.name, [], scope, out);
        return;
      case 'ref':
        if (t.head.type === 'var') this.ref(t.head.name, t.path, scope, out);
        else this.term(t.head, scope, out);
        for (const p of t.path) this.term(p, scope, out);
        return;
      case 'array':
      case 'set':
        for (const i of t.items) this.term(i, scope, out);
        return;
      case 'object':
        for (const [k, v] of t.items) {
          this.term(k, scope, out);
          this.term(v, scope, out);
        }
        return;
      case 'arraycompr':
      case 'setcompr':
        this.term(t.term, scope, out);
        this.body(t.body, scope, out);
        return;
      case 'objectcompr':
        this.term(t.key, scope, out);
        this.term(t.value, scope, out);
        this.body(t.body, scope, out);
        return;
      case 'call': {
        for (const a of t.args) this.term(a, scope, out);
        const path = dataPath(t.name[0], scope);
        const node = path && findNode(this.root, [...path, ...t.name.slice(1)]);
        if (node?.leaf?.kind === 'function') {
          out.keys.add(`data.${node.leaf.path.join('.')}`);
          this.addLeaf(node.leaf, out);
        } else {
          out.keys.add(t.name.join('.'));
        }
        return;
      }
      default:
        return;
    }
  }

  /** A name (and the ref path after it) that may refer to rules: add what those rules reach. */
  private ref(name: string, path: Term[], scope: ModuleScope, out: Reach): void {
    const prefix = dataPath(name, scope);
    if (!prefix) return;
    let node = this.root;
    const segs: (string | undefined)[] = [...prefix, ...path.map((p) => (p.type === 'string' ? p.value : undefined))];
    for (const seg of segs) {
      if (node.leaf) break;
      if (seg === undefined) break;
      const child = node.children.get(seg);
      if (!child) return; // base data only
      node = child;
    }
    if (node.leaf?.kind === 'function') {
      // A function named as a value (`with f as g`): what it reaches when called.
      out.keys.add(`data.${node.leaf.path.join('.')}`);
      this.addLeaf(node.leaf, out);
      return;
    }
    this.addNode(node, out);
  }
}

/** The path below data a name stands for in a module (`data`, an import of data, a rule of the package); undefined otherwise. */
function dataPath(name: string, scope: ModuleScope): string[] | undefined {
  if (name === 'data') return [];
  const alias = scope.aliases.get(name);
  if (alias) return alias[0] === 'data' ? alias.slice(1) : undefined;
  if (scope.ruleNames.has(name)) return [...scope.module.package, name];
  return undefined;
}

function reachesAny(reach: Reach, keys: Iterable<string>): boolean {
  if (reach.all) return true;
  for (const k of keys) if (reach.keys.has(k)) return true;
  return false;
}
