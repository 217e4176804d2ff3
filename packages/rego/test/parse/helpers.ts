import { parseModule, parseQuery, parseTerm, type Module, type Rule, type Term } from '../../src/parse';

/** Drops locations so AST shapes can be compared literally. */
export function shape<T>(node: T): T {
  if (Array.isArray(node)) return node.map(shape) as T;
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== 'loc' && k !== 'nameLoc') out[k] = shape(v);
    return out as T;
  }
  return node;
}

export function mod(body: string, v0Compatible = false): Module {
  return parseModule(`package test\n${body}`, 'policy.rego', { v0Compatible });
}

/** The single rule of `package test\n<body>`, without locations. */
export function rule(body: string, v0Compatible = false): Rule {
  const rules = mod(body, v0Compatible).rules;
  expect(rules).toHaveLength(1);
  return shape(rules[0]);
}

export function term(source: string): Term {
  return shape(parseTerm(source, 't.rego'));
}

export function query(source: string) {
  return shape(parseQuery(source, 'q.rego'));
}

// Compact term constructors for expected shapes.
export const v = (name: string): Term => ({ type: 'var', name }) as Term;
export const s = (value: string): Term => ({ type: 'string', value }) as Term;
export const n = (raw: string): Term => ({ type: 'number', raw }) as Term;
export const b = (value: boolean): Term => ({ type: 'boolean', value }) as Term;
export const ref = (head: Term, ...path: Term[]): Term => ({ type: 'ref', head, path }) as Term;
export const call = (name: string, ...args: Term[]): Term => ({ type: 'call', name: name.split('.'), args }) as Term;
export const arr = (...items: Term[]): Term => ({ type: 'array', items }) as Term;
export const set = (...items: Term[]): Term => ({ type: 'set', items }) as Term;
export const obj = (...items: Array<[Term, Term]>): Term => ({ type: 'object', items }) as Term;
export const lit = (t: Term, negated = false) => ({ type: 'term', term: t, negated, with: [] });
