/**
 * `rego.metadata.chain()` and `rego.metadata.rule()`, resolved at compile time as OPA does: each call becomes the
 * constant it stands for in the rule that makes it, built from the modules' `# METADATA` annotations.
 *
 * - rule(): the rule-scope annotation closest above the rule, or `{}`.
 * - chain(): `[{"path": [...], "annotations": {...}}, ...]` from the rule outwards: its rule-scope annotations (closest
 *   first; without any, one entry with the rule's path alone), the document-scope annotation of its path, the
 *   package-scope annotation of its package, then subpackages-scope annotations from its package up to the root.
 *   Paths leave out the leading `data`.
 */
import type { Annotation, Location, Module, Rule, Term } from '../parse/ast';
import { groundPrefix } from './ruletree';

const CHAIN = 'rego.metadata.chain';
const RULE = 'rego.metadata.rule';

/** A JSON value as a constant term. */
function toTerm(value: unknown, loc: Location): Term {
  if (value === null || value === undefined) return { type: 'null', loc };
  if (typeof value === 'boolean') return { type: 'boolean', value, loc };
  if (typeof value === 'number') return { type: 'number', raw: String(value), loc };
  if (typeof value === 'string') return { type: 'string', value, loc };
  if (Array.isArray(value)) return { type: 'array', items: value.map((v) => toTerm(v, loc)), loc };
  const items: Array<[Term, Term]> = Object.entries(value as Record<string, unknown>).map(([k, v]) => [
    { type: 'string', value: k, loc },
    toTerm(v, loc),
  ]);
  return { type: 'object', items, loc };
}

const key = (path: string[]): string => JSON.stringify(path);

interface AnnotationIndex {
  /** rule-scope annotations by the rule they are attached to */
  byRule: Map<Rule, Annotation[]>;
  /** package-scope annotations by package path */
  byPackage: Map<string, Annotation>;
  /** document-scope (rule path) and subpackages-scope (package path) annotations, by path */
  byPath: Map<string, Annotation>;
}

function indexAnnotations(modules: Module[]): AnnotationIndex {
  const index: AnnotationIndex = { byRule: new Map(), byPackage: new Map(), byPath: new Map() };
  for (const module of modules) {
    for (const a of module.annotations ?? []) {
      if (a.scope === 'rule' && a.rule) index.byRule.set(a.rule, [...(index.byRule.get(a.rule) ?? []), a]);
      else if (a.scope === 'package' && !index.byPackage.has(key(module.package))) index.byPackage.set(key(module.package), a);
      else if (a.scope === 'document' && a.rule) {
        const path = key([...module.package, ...groundPrefix(a.rule.head.ref).prefix]);
        if (!index.byPath.has(path)) index.byPath.set(path, a);
      } else if (a.scope === 'subpackages' && !index.byPath.has(key(module.package))) index.byPath.set(key(module.package), a);
    }
  }
  return index;
}

/** Rule-scope annotations of a rule, closest to it first. */
function ruleAnnotations(index: AnnotationIndex, rule: Rule): Annotation[] {
  return [...(index.byRule.get(rule) ?? [])].sort((a, b) => b.loc.line - a.loc.line || b.loc.col - a.loc.col);
}

function chainOf(index: AnnotationIndex, module: Module, rule: Rule): unknown[] {
  const rulePath = [...module.package, ...groundPrefix(rule.head.ref).prefix];
  const chain: unknown[] = [];
  const own = ruleAnnotations(index, rule);
  if (own.length === 0) chain.push({ path: rulePath });
  for (const a of own) chain.push({ path: rulePath, annotations: a.value });
  const document = index.byPath.get(key(rulePath));
  if (document?.scope === 'document') chain.push({ path: rulePath, annotations: document.value });
  const pkg = index.byPackage.get(key(module.package));
  if (pkg) chain.push({ path: module.package, annotations: pkg.value });
  for (let n = module.package.length; n >= 1; n--) {
    const path = module.package.slice(0, n);
    const outer = index.byPath.get(key(path));
    if (outer) chain.push({ path, annotations: outer.value });
  }
  return chain;
}

const isMetadataCall = (node: unknown, name: string): boolean => {
  const t = node as Term;
  return t?.type === 'call' && t.args.length === 0 && t.name.join('.') === name;
};

/** Replaces, anywhere below `node`, the zero-argument calls `make` knows with the term it builds. */
function replaceCalls(node: unknown, make: (call: Extract<Term, { type: 'call' }>) => Term | undefined): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const replacement =
        typeof node[i] === 'object' && node[i] !== null && (node[i] as Term).type === 'call'
          ? make(node[i] as Extract<Term, { type: 'call' }>)
          : undefined;
      if (replacement) node[i] = replacement;
      else replaceCalls(node[i], make);
    }
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [field, child] of Object.entries(node)) {
    if (field === 'loc' || field === 'nameLoc') continue;
    const replacement =
      typeof child === 'object' && child !== null && (child as Term).type === 'call'
        ? make(child as Extract<Term, { type: 'call' }>)
        : undefined;
    if (replacement) (node as Record<string, unknown>)[field] = replacement;
    else replaceCalls(child, make);
  }
}

/** Rewrites the metadata calls of every rule of `modules` in place. */
export function resolveMetadataCalls(modules: Module[]): void {
  let index: AnnotationIndex | undefined;
  for (const module of modules) {
    for (const rule of module.rules) {
      replaceCalls(rule, (call) => {
        const chain = isMetadataCall(call, CHAIN);
        if (!chain && !isMetadataCall(call, RULE)) return undefined;
        index ??= indexAnnotations(modules);
        if (chain) return toTerm(chainOf(index, module, rule), call.loc);
        const closest = ruleAnnotations(index, rule)[0];
        return toTerm(closest ? closest.value : {}, call.loc);
      });
    }
  }
}
