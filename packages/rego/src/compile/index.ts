/**
 * The compiler stage: resolves modules into the rule tree, checks them and plans the entry points.
 * `rego.metadata.*` calls become the constants they stand for first. Safety checks, recursion, type checks of
 * builtin calls and unknown functions are reported while planning (each rule is planned once, all rules are planned).
 */
import type { Location, Module } from '../parse/ast';
import type { Program } from '../plan/ir';
import { Planner } from '../plan/planner';
import { buildRuleTree, type TreeNode } from './ruletree';
import { compileError } from './errors';
import { resolveMetadataCalls } from './metadata';
import { entrypointHint } from './suggest';

/** `pkg/rule`, `pkg`, `data.pkg.rule`, `pkg.rule` → the path below data and its canonical name `pkg/rule`. */
export function normaliseEntrypoint(entrypoint: string): { name: string; path: string[] } {
  let e = entrypoint.trim();
  if (e === 'data' || e === '') return { name: 'data', path: [] };
  if (e.startsWith('data.')) e = e.slice(5);
  const path = e.split(/[./]/).filter((s) => s.length > 0);
  return { name: path.join('/'), path };
}

/**
 * Whether rules define the document at `path`: a package, a rule, or a path into a rule's value
 * (as `opa build -e` requires; an entry point naming only base data or nothing is a mistake).
 */
function definesDocument(root: TreeNode, path: string[]): boolean {
  let node = root;
  for (const seg of path) {
    if (node.leaf) return true;
    const child = node.children.get(seg);
    if (!child) return false;
    node = child;
  }
  return true;
}

/** Every rule of the tree as `pkg/rule`, for the hint of an entrypoint that names none. */
function ruleNames(root: TreeNode): string[] {
  const names: string[] = [];
  const visit = (node: TreeNode): void => {
    if (node.leaf) names.push(node.path.join('/'));
    else for (const child of node.children.values()) visit(child);
  };
  visit(root);
  return names;
}

export interface CompileModulesOptions {
  /**
   * What becomes of a call of an unsupported builtin (`http.send`) that an entry point can reach with no `with`
   * replacing it: a compile error (the default: such an entry point could never run), or an evaluation error
   * when it is reached (test runs: that test errors, as `opa test` reports a failed call, and the others run).
   */
  unsupportedBuiltinCalls?: 'compile-error' | 'evaluation-error';
}

export function compileModules(
  modules: Module[],
  entrypoints: string[],
  options: CompileModulesOptions = {},
): { program: Program; entrypoints: string[] } {
  if (modules.length === 0) compileError('rego_compile_error', 'no modules to compile');
  resolveMetadataCalls(modules);
  const { root, scopes } = buildRuleTree(modules);
  const planner = new Planner(root, scopes[0]);
  const names: string[] = [];
  const loc: Location = { file: modules[0].file, line: 1, col: 1 };
  for (const e of entrypoints) {
    const { name, path } = normaliseEntrypoint(e);
    if (!definesDocument(root, path)) {
      const hint = entrypointHint(name, ruleNames(root));
      compileError(
        'rego_compile_error',
        `entrypoint "${e}" does not refer to a rule or package (no rule defines data.${path.join('.')})${hint}`,
      );
    }
    planner.addEntrypoint(name, path, loc);
    names.push(name);
  }
  planner.planAllRules();
  return { program: planner.program(options.unsupportedBuiltinCalls !== 'evaluation-error'), entrypoints: names };
}
