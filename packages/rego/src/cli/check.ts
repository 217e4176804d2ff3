/**
 * `opa-jwt check`: compiles policies without writing anything and reports every error found, like `opa check`.
 *
 * Each file is parsed on its own, so a syntax error in one file does not hide those of the others. When every file
 * parses, the modules are resolved together (rule conflicts are all collected there) and then every rule is planned
 * on its own, so that an error in one rule does not hide the errors of the others. An error inside a rule that
 * several rules use is reported once.
 */
import { buildRuleTree, type TreeNode } from '../compile/ruletree';
import { RegoCompileError, RegoCompileErrors } from '../errors';
import { parseModule } from '../parse';
import type { Module } from '../parse/ast';
import { Planner } from '../plan/planner';
import type { LoadedModule } from './sources';

function flatten(error: RegoCompileError): RegoCompileError[] {
  return error instanceof RegoCompileErrors ? error.errors.flatMap(flatten) : [error];
}

/** Every leaf (rule) of the tree, in path order. */
function leaves(node: TreeNode, found: TreeNode[] = []): TreeNode[] {
  if (node.leaf) found.push(node);
  for (const child of node.children.values()) leaves(child, found);
  return found;
}

/** All the compile errors of `modules` (empty when they compile). */
export function checkModules(modules: LoadedModule[], v0Compatible: boolean): RegoCompileError[] {
  const errors: RegoCompileError[] = [];
  const parsed: Module[] = [];
  for (const m of modules) {
    try {
      parsed.push(parseModule(m.source, m.path, { v0Compatible }));
    } catch (error) {
      if (!(error instanceof RegoCompileError)) throw error;
      errors.push(...flatten(error));
    }
  }
  if (errors.length > 0 || parsed.length === 0) return errors;

  let tree;
  try {
    tree = buildRuleTree(parsed);
  } catch (error) {
    if (!(error instanceof RegoCompileError)) throw error;
    return flatten(error);
  }
  const seen = new Set<string>();
  for (const node of leaves(tree.root)) {
    // A planner per rule: one that stopped on an error is left in the middle of a rule.
    const planner = new Planner(tree.root, tree.scopes[0]);
    try {
      planner.planAllRules({ path: node.path, children: new Map(), leaf: node.leaf });
    } catch (error) {
      if (!(error instanceof RegoCompileError)) throw error;
      for (const e of flatten(error)) {
        if (seen.has(e.message)) continue;
        seen.add(e.message);
        errors.push(e);
      }
    }
  }
  return errors.sort(byLocation);
}

function byLocation(a: RegoCompileError, b: RegoCompileError): number {
  const la = a.location;
  const lb = b.location;
  if (!la || !lb) return la ? -1 : lb ? 1 : 0;
  if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
  return la.line - lb.line || la.col - lb.col;
}

/** The text of an error without its `rego_xxx_error: ` prefix (OPA's JSON keeps the code in its own field). */
function messageOf(error: RegoCompileError): string {
  const prefix = `${error.code}: `;
  return error.text.startsWith(prefix) ? error.text.slice(prefix.length) : error.text;
}

/** `--format pretty`: one `file:line:col: code: message` line per error, then the count. */
export function formatCheckPretty(errors: RegoCompileError[]): string {
  const lines = errors.map((e) => {
    const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.col}: ` : '';
    return `${where}${e.code}: ${messageOf(e)}`;
  });
  return `${lines.join('\n')}\n${errors.length} error${errors.length === 1 ? '' : 's'} occurred\n`;
}

/** `--format json`: `{"errors": [{"message", "code", "location": {"file", "row", "col"}}]}` as `opa check` writes it. */
export function formatCheckJson(errors: RegoCompileError[]): string {
  const list = errors.map((e) => ({
    message: messageOf(e),
    code: e.code,
    ...(e.location ? { location: { file: e.location.file, row: e.location.line, col: e.location.col } } : {}),
  }));
  return `${JSON.stringify({ errors: list }, null, 2)}\n`;
}
