/**
 * Safety (OPA's "rewrite" stage for bodies): which variables each expression needs bound and which
 * it can bind, the reordering of a body so that every expression comes after the ones binding its
 * inputs, and the `var x is unsafe` error when no order works; also OPA's checks of declarations
 * (`var x assigned above`, `var x referenced above`).
 */
import type { Expr, Term, VarTerm } from '../parse/ast';
import { compileError } from './errors';

/** Tells module-level names (rules of the package, imports, input, data) from local variables. */
export type IsGlobal = (name: string) => boolean;

/** Every variable name in a term, comprehension bodies included. */
export function termVars(t: Term, out: Set<string>): Set<string> {
  switch (t.type) {
    case 'var':
      out.add(t.name);
      break;
    case 'ref':
      termVars(t.head, out);
      for (const p of t.path) termVars(p, out);
      break;
    case 'array':
    case 'set':
      for (const i of t.items) termVars(i, out);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        termVars(k, out);
        termVars(v, out);
      }
      break;
    case 'call':
      for (const a of t.args) termVars(a, out);
      break;
    case 'arraycompr':
    case 'setcompr':
      termVars(t.term, out);
      bodyVars(t.body, out);
      break;
    case 'objectcompr':
      termVars(t.key, out);
      termVars(t.value, out);
      bodyVars(t.body, out);
      break;
    default:
      break;
  }
  return out;
}

export function exprVars(e: Expr, out: Set<string>): Set<string> {
  switch (e.type) {
    case 'term':
      termVars(e.term, out);
      break;
    case 'some':
      for (const v of e.vars) out.add(v.name);
      break;
    case 'somein':
      if (e.key) termVars(e.key, out);
      termVars(e.value, out);
      termVars(e.collection, out);
      break;
    case 'every':
      if (e.key) out.add(e.key.name);
      out.add(e.value.name);
      termVars(e.domain, out);
      bodyVars(e.body, out);
      break;
  }
  for (const w of e.with) termVars(w.value, out);
  return out;
}

export function bodyVars(body: Expr[], out: Set<string>): Set<string> {
  for (const e of body) exprVars(e, out);
  return out;
}

/** Names a body declares as locals (`some x`, `x := ...`, `some x in xs`): they shadow rule names. */
export function declaredVars(body: Expr[]): Set<string> {
  const out = new Set<string>();
  for (const e of body) {
    if (e.type === 'some') for (const v of e.vars) out.add(v.name);
    else if (e.type === 'somein') {
      if (e.key) patternVars(e.key, out);
      patternVars(e.value, out);
    } else if (e.type === 'term' && e.term.type === 'call' && e.term.name.length === 1 && e.term.name[0] === 'assign') {
      patternVars(e.term.args[0], out);
    }
  }
  return out;
}

/** Variables a unification pattern binds: bare vars and vars inside array/object literals. */
export function patternVars(t: Term, out: Set<string>): Set<string> {
  if (t.type === 'var') out.add(t.name);
  else if (t.type === 'array') for (const i of t.items) patternVars(i, out);
  else if (t.type === 'object') for (const [, v] of t.items) patternVars(v, out);
  return out;
}

/**
 * What the enclosing body knows while analysing one expression: which names are module-level, how
 * many input arguments a called function takes (a call given one more is OPA's old-style output
 * argument, `count(xs, n)`), and `shared`: the names bound before the body or bindable by its other
 * expressions. Closures (comprehensions, `not`, `every`) read those; their other variables are local.
 */
export interface BodyScope {
  isGlobal: IsGlobal;
  /** Input arity of a user function or builtin named by a call; undefined when unknown. */
  arityOf?: (name: string[]) => number | undefined;
}

interface Analysis {
  needs: Set<string>;
  outputs: Set<string>;
  /** for `=`: the pairs of terms it unifies, as their sides' pattern vars; each pair needs one side fully bound */
  eqSides?: Array<[Set<string>, Set<string>]>;
}

/**
 * Variables of a closure (comprehension, `every`, negated expression) that are not its own:
 * everything it mentions minus what its bodies declare (`some x`, `x :=`, `some x in`).
 */
export function closureVars(t: Term, out: Set<string>): Set<string> {
  switch (t.type) {
    case 'var':
      out.add(t.name);
      break;
    case 'ref':
      closureVars(t.head, out);
      for (const p of t.path) closureVars(p, out);
      break;
    case 'array':
    case 'set':
      for (const i of t.items) closureVars(i, out);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        closureVars(k, out);
        closureVars(v, out);
      }
      break;
    case 'call':
      for (const a of t.args) closureVars(a, out);
      break;
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr': {
      const inner = new Set<string>();
      if (t.type === 'objectcompr') {
        closureVars(t.key, inner);
        closureVars(t.value, inner);
      } else closureVars(t.term, inner);
      bodyClosureVars(t.body, inner);
      const own = declaredVars(t.body);
      for (const v of inner) if (!own.has(v)) out.add(v);
      break;
    }
    default:
      break;
  }
  return out;
}

function exprClosureVars(e: Expr, out: Set<string>): Set<string> {
  switch (e.type) {
    case 'term':
      closureVars(e.term, out);
      break;
    case 'some':
      break;
    case 'somein':
      if (e.key) closureVars(e.key, out);
      closureVars(e.value, out);
      closureVars(e.collection, out);
      break;
    case 'every': {
      closureVars(e.domain, out);
      const inner = bodyClosureVars(e.body, new Set());
      const own = declaredVars(e.body);
      own.add(e.value.name);
      if (e.key) own.add(e.key.name);
      for (const v of inner) if (!own.has(v)) out.add(v);
      break;
    }
  }
  for (const w of e.with) closureVars(w.value, out);
  return out;
}

function bodyClosureVars(body: Expr[], out: Set<string>): Set<string> {
  const inner = new Set<string>();
  for (const e of body) exprClosureVars(e, inner);
  for (const v of inner) out.add(v);
  return out;
}

/** The variables of a term outside the comprehensions in it. */
function directVars(t: Term, out: Set<string>): void {
  switch (t.type) {
    case 'var':
      out.add(t.name);
      break;
    case 'ref':
      directVars(t.head, out);
      for (const p of t.path) directVars(p, out);
      break;
    case 'array':
    case 'set':
      for (const i of t.items) directVars(i, out);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        directVars(k, out);
        directVars(v, out);
      }
      break;
    case 'call':
      for (const a of t.args) directVars(a, out);
      break;
    default:
      break;
  }
}

/** Vars a term reads when evaluated as a value; vars in ref brackets go to `outputs` (refs iterate). */
function valueVars(t: Term, needs: Set<string>, outputs: Set<string>, shared: Set<string>): void {
  switch (t.type) {
    case 'var':
      needs.add(t.name);
      break;
    case 'ref':
      valueVars(t.head, needs, outputs, shared);
      for (const p of t.path) {
        if (p.type === 'var') outputs.add(p.name);
        else if (p.type === 'array' || p.type === 'object') patternAnalysis(p, needs, outputs, shared);
        else valueVars(p, needs, outputs, shared);
      }
      break;
    case 'array':
    case 'set':
      for (const i of t.items) valueVars(i, needs, outputs, shared);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        valueVars(k, needs, outputs, shared);
        valueVars(v, needs, outputs, shared);
      }
      break;
    case 'call':
      for (const a of t.args) valueVars(a, needs, outputs, shared);
      break;
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr': {
      // A comprehension reads the variables it shares with the enclosing body; the others are its own.
      for (const v of closureVars(t, new Set())) if (shared.has(v)) needs.add(v);
      break;
    }
    default:
      break;
  }
}

function patternAnalysis(t: Term, needs: Set<string>, outputs: Set<string>, shared: Set<string>): void {
  if (t.type === 'var') outputs.add(t.name);
  else if (t.type === 'array') for (const i of t.items) patternAnalysis(i, needs, outputs, shared);
  else if (t.type === 'object')
    for (const [k, v] of t.items) {
      valueVars(k, needs, outputs, shared);
      patternAnalysis(v, needs, outputs, shared);
    }
  else valueVars(t, needs, outputs, shared);
}

/** Is this call given an old-style output argument (`count(xs, n)`: one more argument than it takes)? */
function hasOutputArg(t: Term, scope: BodyScope): boolean {
  if (t.type !== 'call' || !scope.arityOf) return false;
  const n = scope.arityOf(t.name);
  return n !== undefined && t.args.length === n + 1;
}

/** A `with` value naming a function or builtin (`with f as abs`, `with http.send as io.jwt.decode`): no variable to bind. */
function namesFunction(t: Term, scope: BodyScope): boolean {
  if (!scope.arityOf) return false;
  if (t.type === 'var') return scope.arityOf([t.name]) !== undefined;
  if (t.type !== 'ref' || t.head.type !== 'var' || !t.path.every((p) => p.type === 'string')) return false;
  return scope.arityOf([t.head.name, ...t.path.map((p) => (p as { value: string }).value)]) !== undefined;
}

function analyse(e: Expr, shared: Set<string>, scope: BodyScope): Analysis {
  const needs = new Set<string>();
  const outputs = new Set<string>();
  for (const w of e.with) if (!namesFunction(w.value, scope)) valueVars(w.value, needs, outputs, shared);
  if (e.negated) {
    // A negated expression binds nothing: its variables must be bound by the others (OPA), except
    // those local to the comprehensions inside it.
    for (const v of exprClosureVars({ ...e, negated: false, with: [] }, new Set())) if (shared.has(v)) needs.add(v);
    if (e.type === 'term') directVars(e.term, needs);
    return { needs, outputs: new Set() };
  }
  switch (e.type) {
    case 'some':
      return { needs, outputs };
    case 'somein':
      valueVars(e.collection, needs, outputs, shared);
      if (e.key) patternAnalysis(e.key, needs, outputs, shared);
      patternAnalysis(e.value, needs, outputs, shared);
      return { needs, outputs };
    case 'every': {
      for (const v of exprClosureVars(e, new Set())) if (shared.has(v)) needs.add(v);
      return { needs, outputs: new Set() };
    }
    case 'term': {
      const t = e.term;
      if (t.type === 'call' && t.name.length === 1 && (t.name[0] === 'eq' || t.name[0] === 'assign') && t.args.length === 2) {
        const l = new Set<string>();
        const r = new Set<string>();
        patternAnalysis(t.args[0], needs, l, shared);
        if (t.name[0] === 'assign') {
          valueVars(t.args[1], needs, outputs, shared);
          for (const v of l) outputs.add(v);
          return { needs, outputs };
        }
        patternAnalysis(t.args[1], needs, r, shared);
        for (const v of l) outputs.add(v);
        for (const v of r) outputs.add(v);
        return { needs, outputs, eqSides: unificationPairs(t.args[0], t.args[1], []) };
      }
      if (t.type === 'call' && hasOutputArg(t, scope)) {
        for (const a of t.args.slice(0, -1)) valueVars(a, needs, outputs, shared);
        patternAnalysis(t.args[t.args.length - 1], needs, outputs, shared);
        return { needs, outputs };
      }
      valueVars(t, needs, outputs, shared);
      return { needs, outputs };
    }
  }
}

/**
 * The pairs of terms a unification matches: arrays of equal length and objects with the same
 * constant keys element by element, anything else as a whole; each pair as its two sides' pattern vars.
 */
function unificationPairs(a: Term, b: Term, out: Array<[Set<string>, Set<string>]>): Array<[Set<string>, Set<string>]> {
  if (a.type === 'array' && b.type === 'array' && a.items.length === b.items.length) {
    a.items.forEach((item, i) => unificationPairs(item, b.items[i], out));
    return out;
  }
  const keyText = (k: Term): string | undefined => {
    if (k.type === 'string' || k.type === 'boolean') return `${k.type}:${k.value}`;
    if (k.type === 'number') return `number:${Number(k.raw)}`;
    return k.type === 'null' ? 'null' : undefined;
  };
  if (a.type === 'object' && b.type === 'object' && a.items.length === b.items.length) {
    const byKey = new Map<string, Term>();
    for (const [k, v] of b.items) {
      const key = keyText(k);
      if (key !== undefined) byKey.set(key, v);
    }
    const matched = a.items.every(([k]) => {
      const key = keyText(k);
      return key !== undefined && byKey.has(key);
    });
    if (matched && byKey.size === b.items.length) {
      for (const [k, v] of a.items) unificationPairs(v, byKey.get(keyText(k)!)!, out);
      return out;
    }
  }
  out.push([patternVars(a, new Set()), patternVars(b, new Set())]);
  return out;
}

function localOnly(set: Set<string>, isLocal: (n: string) => boolean): string[] {
  return [...set].filter(isLocal);
}

/**
 * Reorder a body so each expression's inputs are bound first (keeping the written order where it
 * already works). `bound`: names bound before the body runs. Throws `var x is unsafe`.
 */
export function reorderBody(body: Expr[], bound: Set<string>, scope: BodyScope): Expr[] {
  const declared = declaredVars(body);
  const isLocal = (n: string): boolean => declared.has(n) || bound.has(n) || !scope.isGlobal(n);
  // First what each expression can bind on its own, then what each needs given what the others bind.
  const own = body.map((e) => new Set(localOnly(analyse(e, new Set(), scope).outputs, isLocal)));
  const analyses: Analysis[] = body.map((e, i) => {
    const shared = new Set<string>(bound);
    own.forEach((o, j) => {
      if (j !== i) for (const v of o) shared.add(v);
    });
    const a = analyse(e, shared, scope);
    return {
      needs: new Set(localOnly(a.needs, isLocal)),
      outputs: new Set(localOnly(a.outputs, isLocal)),
      eqSides: a.eqSides?.map(([l, r]) => [new Set(localOnly(l, isLocal)), new Set(localOnly(r, isLocal))] as [Set<string>, Set<string>]),
    };
  });
  const have = new Set(bound);
  const done = new Array<boolean>(body.length).fill(false);
  const out: Expr[] = [];
  const ready = (i: number): boolean => {
    const a = analyses[i];
    for (const n of a.needs) if (!have.has(n) && !a.outputs.has(n)) return false;
    // Vars needed and also output (e.g. `x[i] == i`): at least the ref binds them.
    // Each pair of unified terms needs one side bound; a pair binds the other side for the next ones.
    if (a.eqSides) {
      const known = new Set(have);
      const allBound = (s: Set<string>): boolean => [...s].every((n) => known.has(n));
      const open = new Set(a.eqSides);
      for (let progress = true; progress && open.size > 0;) {
        progress = false;
        for (const pair of open) {
          if (!allBound(pair[0]) && !allBound(pair[1])) continue;
          for (const n of [...pair[0], ...pair[1]]) known.add(n);
          open.delete(pair);
          progress = true;
        }
      }
      if (open.size > 0) return false;
    }
    return true;
  };
  while (out.length < body.length) {
    let picked = -1;
    for (let i = 0; i < body.length; i++) {
      if (!done[i] && ready(i)) {
        picked = i;
        break;
      }
    }
    if (picked < 0) {
      const i = done.findIndex((d) => !d);
      const a = analyses[i];
      const e = body[i];
      const missing = [...a.needs].filter((n) => !have.has(n) && !a.outputs.has(n));
      const eqMissing = (a.eqSides ?? []).flatMap(([l, r]) => [...l, ...r]).filter((n) => !have.has(n));
      const name = [...missing, ...eqMissing].find((n) => !n.startsWith('$')) ?? missing[0] ?? eqMissing[0] ?? '_';
      compileError('rego_unsafe_var_error', `var ${displayName(name)} is unsafe`, e.loc);
    }
    done[picked] = true;
    out.push(body[picked]);
    for (const n of analyses[picked].outputs) have.add(n);
  }
  return out;
}

/** A variable's name as written: `_` for wildcards and generated names, without the `#n` of a closure's own copy. */
export function displayName(name: string): string {
  if (name.startsWith('$')) return '_';
  const at = name.indexOf('#');
  return at < 0 ? name : name.slice(0, at);
}

let closureCopies = 0;

/** A term with variables renamed (all occurrences, bodies of comprehensions included). */
function renameTerm(t: Term, names: Map<string, string>): Term {
  const r = (x: Term): Term => renameTerm(x, names);
  switch (t.type) {
    case 'var':
      return names.has(t.name) ? { ...t, name: names.get(t.name)! } : t;
    case 'ref':
      return { ...t, head: r(t.head), path: t.path.map(r) };
    case 'array':
    case 'set':
      return { ...t, items: t.items.map(r) };
    case 'object':
      return { ...t, items: t.items.map(([k, v]) => [r(k), r(v)] as [Term, Term]) };
    case 'call':
      return { ...t, args: t.args.map(r) };
    case 'arraycompr':
    case 'setcompr':
      return { ...t, term: r(t.term), body: t.body.map((e) => renameExpr(e, names)) };
    case 'objectcompr':
      return { ...t, key: r(t.key), value: r(t.value), body: t.body.map((e) => renameExpr(e, names)) };
    default:
      return t;
  }
}

function renameExpr(e: Expr, names: Map<string, string>): Expr {
  const r = (x: Term): Term => renameTerm(x, names);
  const v = (x: VarTerm): VarTerm => r(x) as VarTerm;
  const withs = e.with.map((w) => ({ ...w, value: r(w.value) }));
  switch (e.type) {
    case 'term':
      return { ...e, with: withs, term: r(e.term) };
    case 'some':
      return { ...e, with: withs, vars: e.vars.map(v) };
    case 'somein':
      return { ...e, with: withs, key: e.key && r(e.key), value: r(e.value), collection: r(e.collection) };
    case 'every':
      return {
        ...e,
        with: withs,
        key: e.key && v(e.key),
        value: v(e.value),
        domain: r(e.domain),
        body: e.body.map((x) => renameExpr(x, names)),
      };
  }
}

/** Names an expression declares (`some x`, `x :=`, `some x in xs`). */
function declaredBy(e: Expr): Set<string> {
  return declaredVars([e]);
}

/**
 * OPA resolves declared variables in written order, each closure (comprehension, `every`) in a
 * scope of its own: a closure's variable that the enclosing body declares only at or after the
 * closure (`ys := [x | x = xs[_]]; x := 1`) is the closure's own, not the later one. Such variables
 * get a name of their own (`x#1`) inside the closure. `isDeclaredAbove`: names declared before the body.
 */
export function localiseClosureVars(body: Expr[], isDeclaredAbove: (name: string) => boolean): Expr[] {
  const later = body.map(declaredBy);
  const before = new Set<string>();
  return body.map((e, i) => {
    const pending = new Set<string>();
    for (let j = i; j < body.length; j++) for (const n of later[j]) if (!before.has(n) && !isDeclaredAbove(n)) pending.add(n);
    for (const n of later[i]) before.add(n);
    if (pending.size === 0) return e;
    const localise = (free: Set<string>, rename: (names: Map<string, string>) => void): void => {
      const names = new Map<string, string>();
      for (const n of free) if (pending.has(n)) names.set(n, `${n}#${closureCopies++}`);
      if (names.size > 0) rename(names);
    };
    // Rename inside the closures of the expression only (not descending into closures' own closures:
    // renaming every occurrence in a closure keeps the inner scopes consistent).
    const inTerm = (t: Term): Term => {
      switch (t.type) {
        case 'ref':
          return { ...t, head: inTerm(t.head), path: t.path.map(inTerm) };
        case 'array':
        case 'set':
          return { ...t, items: t.items.map(inTerm) };
        case 'object':
          return { ...t, items: t.items.map(([k, v]) => [inTerm(k), inTerm(v)] as [Term, Term]) };
        case 'call':
          return { ...t, args: t.args.map(inTerm) };
        case 'arraycompr':
        case 'setcompr':
        case 'objectcompr': {
          let out: Term = t;
          localise(closureVars(t, new Set()), (names) => (out = renameTerm(t, names)));
          return out;
        }
        default:
          return t;
      }
    };
    const withs = e.with.map((w) => ({ ...w, value: inTerm(w.value) }));
    switch (e.type) {
      case 'term':
        return { ...e, with: withs, term: inTerm(e.term) };
      case 'some':
        return e;
      case 'somein':
        return { ...e, with: withs, key: e.key && inTerm(e.key), value: inTerm(e.value), collection: inTerm(e.collection) };
      case 'every': {
        let out: Expr = { ...e, with: withs, domain: inTerm(e.domain) };
        const free = exprClosureVars({ ...e, domain: { type: 'null', loc: e.loc }, with: [] }, new Set());
        const base = out;
        localise(free, (names) => {
          out = { ...base, body: base.body.map((x) => renameExpr(x, names)) };
        });
        return out;
      }
    }
  });
}

/**
 * OPA's checks of declared variables, in written order: a variable may be declared (`some x`,
 * `x :=`, `some x in xs`) only once per body and not after it was used. Comprehensions and `every`
 * are scopes of their own: what they declare is not a use in the enclosing body. `declaredAbove`: names the
 * body cannot redeclare (a function's parameters).
 */
export function checkDeclarations(body: Expr[], declaredAbove: Set<string>): void {
  const declared = new Set(declaredAbove);
  const used = new Set<string>();
  const declare = (name: string, how: 'declared' | 'assigned', e: Expr): void => {
    if (name.startsWith('$')) return;
    if (declared.has(name))
      compileError('rego_compile_error', `var ${displayName(name)} ${how === 'assigned' ? 'assigned' : 'declared'} above`, e.loc);
    if (used.has(name)) compileError('rego_compile_error', `var ${displayName(name)} referenced above`, e.loc);
    declared.add(name);
  };
  const use = (names: Set<string>): void => {
    for (const n of names) if (!n.startsWith('$')) used.add(n);
  };
  for (const e of body) {
    if (e.negated) {
      if (e.type === 'term' && e.term.type === 'call' && e.term.name.length === 1 && e.term.name[0] === 'assign') {
        compileError('rego_compile_error', 'cannot assign vars inside negated expression', e.loc);
      }
      use(exprClosureVars(e, new Set()));
      continue;
    }
    if (e.type === 'some') {
      for (const v of e.vars) declare(v.name, 'declared', e);
    } else if (e.type === 'somein') {
      use(closureVars(e.collection, new Set()));
      const names = new Set<string>();
      if (e.key) patternVars(e.key, names);
      patternVars(e.value, names);
      for (const n of names) declare(n, 'declared', e);
      // Non-variable parts of the patterns (`some [x, y.z] in xs`) read their variables.
      const all = new Set<string>();
      if (e.key) closureVars(e.key, all);
      closureVars(e.value, all);
      for (const n of names) all.delete(n);
      use(all);
    } else if (e.type === 'term' && e.term.type === 'call' && e.term.name.length === 1 && e.term.name[0] === 'assign') {
      const [lhs, rhs] = e.term.args;
      use(closureVars(rhs, new Set()));
      for (const w of e.with) use(closureVars(w.value, new Set()));
      for (const n of patternVars(lhs, new Set())) declare(n, 'assigned', e);
    } else {
      use(exprClosureVars(e, new Set()));
    }
  }
}
