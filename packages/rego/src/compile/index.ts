/**
 * The compiler stage: resolves modules into the rule tree, checks them and plans the entry points.
 * Safety checks, recursion, type checks of builtin calls and unknown functions are reported while
 * planning (each rule is planned once, all rules are planned).
 */
import type { Location, Module } from '../parse/ast';
import type { Program } from '../plan/ir';
import { Planner } from '../plan/planner';
import { buildRuleTree } from './ruletree';
import { compileError } from './errors';

export { compileError } from './errors';

/** `pkg/rule`, `pkg`, `data.pkg.rule`, `pkg.rule` → the path below data and its canonical name `pkg/rule`. */
export function normaliseEntrypoint(entrypoint: string): { name: string; path: string[] } {
  let e = entrypoint.trim();
  if (e === 'data' || e === '') return { name: 'data', path: [] };
  if (e.startsWith('data.')) e = e.slice(5);
  const path = e.split(/[./]/).filter((s) => s.length > 0);
  return { name: path.join('/'), path };
}

export function compileModules(modules: Module[], entrypoints: string[]): { program: Program; entrypoints: string[] } {
  if (modules.length === 0) compileError('rego_compile_error', 'no modules to compile');
  const { root, scopes } = buildRuleTree(modules);
  const planner = new Planner(root, scopes[0]);
  const names: string[] = [];
  const loc: Location = { file: modules[0].file, line: 1, col: 1 };
  for (const e of entrypoints) {
    const { name, path } = normaliseEntrypoint(e);
    planner.addEntrypoint(name, path, loc);
    names.push(name);
  }
  planner.planAllRules();
  return { program: planner.program(), entrypoints: names };
}
