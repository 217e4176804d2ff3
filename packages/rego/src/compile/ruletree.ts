/**
 * Resolution stage: groups the rules of all modules by the document path they define (OPA's rule
 * tree: several modules may share a package, ref heads like `a.b.c := 1` nest below it) and
 * records per module how names resolve (imports, rule names of its package).
 */
import type { Import, Location, Module, Rule, Term } from '../parse/ast';
import { RegoCompileError, RegoCompileErrors } from '../errors';
import { compileError, compileErrorOf } from './errors';

export type LeafKind = 'complete' | 'set' | 'object' | 'function';

export interface RuleEntry {
  rule: Rule;
  module: ModuleScope;
  /** For object rules: the ref terms after the leaf path (`p[x].y` → [x, "y"]). */
  keyPath: Term[];
}

export interface Leaf {
  path: string[];
  kind: LeafKind;
  arity: number;
  rules: RuleEntry[];
  loc: Location;
  /** The tree node the leaf sits on (object rules may have ground rules below them). */
  node: TreeNode;
}

export interface TreeNode {
  path: string[];
  children: Map<string, TreeNode>;
  leaf?: Leaf;
}

/** How names resolve inside one module. */
export interface ModuleScope {
  module: Module;
  /** import alias → the ref it stands for, as path segments starting with `data` or `input` */
  aliases: Map<string, string[]>;
  /** first segment of every rule head in this module's package (over all modules of that package) */
  ruleNames: Set<string>;
}

const KEYWORD_IMPORTS = new Set(['future', 'rego']);

function importAlias(imp: Import): string | undefined {
  if (KEYWORD_IMPORTS.has(imp.path[0])) return undefined;
  if (imp.path[0] !== 'data' && imp.path[0] !== 'input') {
    compileError('rego_compile_error', `invalid import path ${imp.path.join('.')}: must begin with input or data`, imp.loc);
  }
  if (imp.alias) return imp.alias;
  if (imp.path.length === 1) return imp.path[0];
  return imp.path[imp.path.length - 1];
}

/**
 * The ground (constant) prefix of a rule head ref: the rule's document path below its package
 * (`a.b[x]` → `a`, `b`; segment i is held by ref[i]), and the terms after it.
 */
export function groundPrefix(ref: Term[]): { prefix: string[]; rest: Term[] } {
  const prefix: string[] = [];
  let i = 0;
  for (; i < ref.length; i++) {
    const t = ref[i];
    if (i === 0 && t.type === 'var') prefix.push(t.name);
    else if (i > 0 && t.type === 'string') prefix.push(t.value);
    else break;
  }
  return { prefix, rest: ref.slice(i) };
}

function leafKindOf(rule: Rule, rest: Term[]): LeafKind {
  const h = rule.head;
  if (h.kind === 'function') return 'function';
  // `p[x] contains y` (variables in a multi-value rule's path): an object whose values are sets.
  if (rest.length > 0) return 'object';
  if (h.kind === 'partial-set') return 'set';
  return 'complete';
}

export function buildRuleTree(modules: Module[]): { root: TreeNode; scopes: ModuleScope[] } {
  const root: TreeNode = { path: [], children: new Map() };
  const namesByPackage = new Map<string, Set<string>>();
  const scopes: ModuleScope[] = [];
  const errors: RegoCompileError[] = [];

  for (const module of modules) {
    const pkgKey = module.package.join('.');
    let names = namesByPackage.get(pkgKey);
    if (!names) {
      names = new Set();
      namesByPackage.set(pkgKey, names);
    }
    const aliases = new Map<string, string[]>();
    for (const imp of module.imports) {
      const alias = importAlias(imp);
      if (alias !== undefined) aliases.set(alias, imp.path);
    }
    const scope: ModuleScope = { module, aliases, ruleNames: names };
    scopes.push(scope);
    // A package exists even without rules: data.<package> is then {} (plus its base data).
    nodeAt(root, module.package);

    for (const rule of module.rules) {
      const { prefix, rest } = groundPrefix(rule.head.ref);
      names.add(prefix[0]);
      // v0 lets a rule be named input or data (it is only reachable as data.<package>.input); v1 forbids it.
      if ((prefix[0] === 'input' || prefix[0] === 'data') && module.syntax === 'v1') {
        errors.push(
          compileErrorOf('rego_compile_error', `rule name conflicts with built-in: ${prefix[0]} cannot be assigned`, rule.head.loc),
        );
        continue;
      }
      const kind = leafKindOf(rule, rest);
      const path = [...module.package, ...prefix];
      const node = nodeAt(root, path);
      const arity = rule.head.args?.length ?? 0;
      if (!node.leaf) {
        node.leaf = { path, kind, arity, rules: [], loc: rule.head.loc, node };
      } else if (node.leaf.kind !== kind) {
        errors.push(compileErrorOf('rego_type_error', `conflicting rules data.${path.join('.')} found`, rule.head.loc));
        continue;
      } else if (kind === 'function' && node.leaf.arity !== arity) {
        errors.push(
          compileErrorOf(
            'rego_type_error',
            `conflicting rules data.${path.join('.')} found: functions must have the same number of arguments`,
            rule.head.loc,
          ),
        );
        continue;
      }
      node.leaf.rules.push({ rule, module: scope, keyPath: rest });
    }
  }
  checkLeafNesting(root, errors);
  if (errors.length > 0) throw errors.length === 1 ? errors[0] : new RegoCompileErrors(errors);
  return { root, scopes };
}

/** The node at `path`, created (with its ancestors) when missing. */
function nodeAt(root: TreeNode, path: string[]): TreeNode {
  let node = root;
  for (const seg of path) {
    let child = node.children.get(seg);
    if (!child) {
      child = { path: [...node.path, seg], children: new Map() };
      node.children.set(seg, child);
    }
    node = child;
  }
  return node;
}

/** A complete rule or function cannot have rules below it (`a := 1` and `a.b := 2`). */
function checkLeafNesting(node: TreeNode, errors: RegoCompileError[]): void {
  if (node.leaf && node.children.size > 0 && node.leaf.kind !== 'object') {
    errors.push(compileErrorOf('rego_type_error', `rule data.${node.path.join('.')} conflicts with rules below it`, node.leaf.loc));
  }
  for (const c of node.children.values()) checkLeafNesting(c, errors);
}

export function findNode(root: TreeNode, path: string[]): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const seg of path) {
    node = node.children.get(seg);
    if (!node) return undefined;
  }
  return node;
}
