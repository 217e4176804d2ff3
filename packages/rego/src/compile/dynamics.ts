/**
 * Operands evaluated before their expression, as OPA's compiler arranges it: calls nested in an
 * expression's operands (stage RewriteExprTerms), then refs and comprehensions among a call's
 * arguments, refs nested in composite arguments and dynamic ref keys (stage RewriteDynamicTerms)
 * become separate expressions `$dynN = term` placed before the expression, with its `with`
 * modifiers. The order shows only where the expression is negated: the operands sit outside the
 * `not`, so `not f(input.missing)` is undefined rather than true; the planner applies this there.
 * Unification (`=`, and `==`, which OPA turns into `=`) keeps a ref operand in place, so
 * `not input.missing == "a"` holds.
 */
import type { Expr, Term } from '../parse/ast';

export interface Hoisted {
  /** The generated variable (`$dynN`) that the term is bound to. */
  name: string;
  term: Term;
}

export interface HoistScope {
  /** A name that stands for a ref in OPA (a rule of the package, an import alias), not a local or `input`/`data`. */
  isRefName(name: string): boolean;
  /** Whether all variables the term reads are bound before the expression: only then it can move before it. */
  canHoist(term: Term): boolean;
  /** A fresh variable name, starting with `$`. */
  fresh(): string;
}

const UNIFICATION = new Set(['eq', 'equal']);

function isUnification(t: Extract<Term, { type: 'call' }>): boolean {
  return t.name.length === 1 && UNIFICATION.has(t.name[0]) && t.args.length === 2;
}

/** The expression with its dynamic operands replaced by fresh variables, and the terms those are bound to (in order). */
export function hoistOperands(e: Expr, scope: HoistScope): { hoisted: Hoisted[]; expr: Expr } {
  const hoisted: Hoisted[] = [];
  const hoist = (t: Term): Term => {
    if (!scope.canHoist(t)) return t;
    const name = scope.fresh();
    hoisted.push({ name, term: t });
    return { type: 'var', name, loc: t.loc };
  };
  // Nested calls (RewriteExprTerms): a call term inside an operand is computed first.
  const calls = (t: Term): Term => {
    switch (t.type) {
      case 'call':
        return hoist({ ...t, args: t.args.map(calls) });
      case 'ref':
        return { ...t, head: calls(t.head), path: t.path.map(calls) };
      case 'array':
      case 'set':
        return { ...t, items: t.items.map(calls) };
      case 'object':
        return { ...t, items: t.items.map(([k, v]) => [calls(k), calls(v)] as [Term, Term]) };
      default:
        return t;
    }
  };
  // Refs and comprehensions (RewriteDynamicTerms).
  const one = (t: Term): Term => {
    switch (t.type) {
      case 'ref':
        return hoist({ ...t, path: t.path.map(one) });
      case 'var':
        return scope.isRefName(t.name) ? hoist(t) : t;
      case 'array':
      case 'set':
        return { ...t, items: t.items.map(one) };
      case 'object':
        return { ...t, items: t.items.map(([k, v]) => [one(k), one(v)] as [Term, Term]) };
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr':
        return hoist(t);
      default:
        return t;
    }
  };
  // A unification operand or a term expression: only the keys of a ref move out.
  const inTerm = (t: Term): Term => {
    switch (t.type) {
      case 'ref':
        return { ...t, path: t.path.map(one) };
      case 'var':
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr':
        return t;
      default:
        return one(t);
    }
  };

  let expr: Expr = e;
  if (e.type === 'term') {
    const t = e.term;
    if (t.type === 'call') {
      // print's arguments may be undefined (printed as <undefined>): OPA wraps them, nothing moves.
      if (t.name.length === 1 && t.name[0] === 'print') return { hoisted, expr: e };
      const args = t.args.map(calls);
      const term = isUnification(t) ? { ...t, args: args.map(inTerm) } : { ...t, args: args.map(one) };
      expr = { ...e, term };
    } else {
      expr = { ...e, term: inTerm(calls(t)) };
    }
  } else if (e.type === 'every') {
    expr = { ...e, domain: one(e.domain) };
  }
  return { hoisted, expr };
}
