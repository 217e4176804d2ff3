/**
 * Safety (OPA's "rewrite" stage for bodies): which variables each expression needs bound and which
 * it can bind, the reordering of a body so that every expression comes after the ones binding its
 * inputs, and the `var x is unsafe` error when no order works.
 */
import type { Expr, Term } from '../parse/ast';
import { RegoCompileError } from '../errors';

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

interface Analysis {
  needs: Set<string>;
  outputs: Set<string>;
  /** for `=`: the two sides' pattern vars; one side must be fully bound (or both sides arrays/objects) */
  eqSides?: [Set<string>, Set<string>];
}

/** Vars a term reads when evaluated as a value; vars in ref brackets go to `outputs` (refs iterate). */
function valueVars(t: Term, needs: Set<string>, outputs: Set<string>, outer: Set<string>): void {
  switch (t.type) {
    case 'var':
      needs.add(t.name);
      break;
    case 'ref':
      valueVars(t.head, needs, outputs, outer);
      for (const p of t.path) {
        if (p.type === 'var') outputs.add(p.name);
        else valueVars(p, needs, outputs, outer);
      }
      break;
    case 'array':
    case 'set':
      for (const i of t.items) valueVars(i, needs, outputs, outer);
      break;
    case 'object':
      for (const [k, v] of t.items) {
        valueVars(k, needs, outputs, outer);
        valueVars(v, needs, outputs, outer);
      }
      break;
    case 'call':
      for (const a of t.args) valueVars(a, needs, outputs, outer);
      break;
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr': {
      // A comprehension reads the variables it shares with the enclosing body.
      for (const v of termVars(t, new Set())) if (outer.has(v)) needs.add(v);
      break;
    }
    default:
      break;
  }
}

function patternAnalysis(t: Term, needs: Set<string>, outputs: Set<string>, outer: Set<string>): void {
  if (t.type === 'var') outputs.add(t.name);
  else if (t.type === 'array') for (const i of t.items) patternAnalysis(i, needs, outputs, outer);
  else if (t.type === 'object')
    for (const [k, v] of t.items) {
      valueVars(k, needs, outputs, outer);
      patternAnalysis(v, needs, outputs, outer);
    }
  else valueVars(t, needs, outputs, outer);
}

/** `outer`: vars used elsewhere in the body or bound outside it (what nested scopes share). */
function analyse(e: Expr, outer: Set<string>): Analysis {
  const needs = new Set<string>();
  const outputs = new Set<string>();
  for (const w of e.with) valueVars(w.value, needs, outputs, outer);
  if (e.negated) {
    for (const v of exprVars({ ...e, negated: false, with: [] }, new Set())) if (outer.has(v)) needs.add(v);
    return { needs, outputs: new Set() };
  }
  switch (e.type) {
    case 'some':
      return { needs, outputs };
    case 'somein':
      valueVars(e.collection, needs, outputs, outer);
      if (e.key) patternAnalysis(e.key, needs, outputs, outer);
      patternAnalysis(e.value, needs, outputs, outer);
      return { needs, outputs };
    case 'every': {
      valueVars(e.domain, needs, outputs, outer);
      const own = new Set([e.value.name, ...(e.key ? [e.key.name] : [])]);
      for (const v of bodyVars(e.body, new Set())) if (outer.has(v) && !own.has(v)) needs.add(v);
      return { needs, outputs: new Set() };
    }
    case 'term': {
      const t = e.term;
      if (t.type === 'call' && t.name.length === 1 && (t.name[0] === 'eq' || t.name[0] === 'assign') && t.args.length === 2) {
        const l = new Set<string>();
        const r = new Set<string>();
        patternAnalysis(t.args[0], needs, l, outer);
        if (t.name[0] === 'assign') {
          valueVars(t.args[1], needs, outputs, outer);
          for (const v of l) outputs.add(v);
          return { needs, outputs };
        }
        patternAnalysis(t.args[1], needs, r, outer);
        for (const v of l) outputs.add(v);
        for (const v of r) outputs.add(v);
        const pairwise = t.args[0].type === 'array' && t.args[1].type === 'array';
        return { needs, outputs, eqSides: pairwise ? undefined : [patternVars(t.args[0], new Set()), patternVars(t.args[1], new Set())] };
      }
      valueVars(t, needs, outputs, outer);
      return { needs, outputs };
    }
  }
}

function localOnly(set: Set<string>, isLocal: (n: string) => boolean): string[] {
  return [...set].filter(isLocal);
}

/**
 * Reorder a body so each expression's inputs are bound first (keeping the written order where it
 * already works). `bound`: names bound before the body runs. `extraOuter`: names the context reads
 * after the body (rule head, comprehension term). Throws `var x is unsafe`.
 */
export function reorderBody(body: Expr[], bound: Set<string>, isGlobal: IsGlobal, extraOuter: Set<string>): Expr[] {
  const declared = declaredVars(body);
  const isLocal = (n: string): boolean => declared.has(n) || bound.has(n) || !isGlobal(n);
  const analyses: Analysis[] = body.map((e, i) => {
    // Shared vars: those used by other expressions of the body, bound outside, or read after it.
    const outer = new Set<string>([...bound, ...extraOuter]);
    body.forEach((o, j) => {
      if (j !== i) exprVars(o, outer);
    });
    const a = analyse(e, outer);
    return {
      needs: new Set(localOnly(a.needs, isLocal)),
      outputs: new Set(localOnly(a.outputs, isLocal)),
      eqSides: a.eqSides && [new Set(localOnly(a.eqSides[0], isLocal)), new Set(localOnly(a.eqSides[1], isLocal))],
    };
  });
  const have = new Set(bound);
  const done = new Array<boolean>(body.length).fill(false);
  const out: Expr[] = [];
  const ready = (i: number): boolean => {
    const a = analyses[i];
    for (const n of a.needs) if (!have.has(n) && !a.outputs.has(n)) return false;
    // Vars needed and also output (e.g. `x[i] == i`): at least the ref binds them.
    if (a.eqSides) {
      const [l, r] = a.eqSides;
      const allBound = (s: Set<string>): boolean => [...s].every((n) => have.has(n));
      if (!allBound(l) && !allBound(r)) return false;
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
      const eqMissing = a.eqSides ? [...a.eqSides[0], ...a.eqSides[1]].filter((n) => !have.has(n)) : [];
      const name = [...missing, ...eqMissing].find((n) => !n.startsWith('$')) ?? missing[0] ?? eqMissing[0] ?? '_';
      throw new RegoCompileError('rego_unsafe_var_error', `var ${name.startsWith('$') ? '_' : name} is unsafe`, e.loc);
    }
    done[picked] = true;
    out.push(body[picked]);
    for (const n of analyses[picked].outputs) have.add(n);
  }
  return out;
}

/** Vars a body binds for what follows it (after reordering succeeded). */
export function boundByBody(body: Expr[], bound: Set<string>, isGlobal: IsGlobal): Set<string> {
  const have = new Set(bound);
  const declared = declaredVars(body);
  for (const e of body) {
    if (e.negated || e.type === 'every') continue;
    const a = analyse(e, new Set());
    for (const n of a.outputs) if (declared.has(n) || !isGlobal(n)) have.add(n);
  }
  return have;
}
