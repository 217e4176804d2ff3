/**
 * Compile-time checks of builtin calls (OPA's type checker, for what is known statically):
 * arity, and the types of literal arguments against the catalog's signatures.
 */
import type { Location, Term } from '../parse/ast';
import { BuiltinSignature, RegoType, typeToString } from '../builtins/types';
import { compileError } from './errors';

/** The type of a term when it is visible in the source (literals); undefined when it is only known at run time. */
function staticType(t: Term): RegoType | undefined {
  switch (t.type) {
    case 'null':
      return { kind: 'null' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'number':
      return { kind: 'number' };
    case 'string':
      return { kind: 'string' };
    case 'array': {
      const items: RegoType[] = [];
      for (const i of t.items) items.push(staticType(i) ?? { kind: 'any' });
      return { kind: 'tuple', items };
    }
    case 'set':
    case 'setcompr':
      return { kind: 'set', of: { kind: 'any' } };
    case 'object':
    case 'objectcompr':
      return { kind: 'object', key: { kind: 'any' }, value: { kind: 'any' } };
    case 'arraycompr':
      return { kind: 'array', of: { kind: 'any' } };
    default:
      return undefined;
  }
}

function accepts(want: RegoType, have: RegoType): boolean {
  if (want.kind === 'any' || have.kind === 'any') return true;
  if (want.kind === 'union') return want.of.some((w) => accepts(w, have));
  switch (have.kind) {
    case 'tuple':
      if (want.kind === 'array') return have.items.every((i) => accepts(want.of, i));
      if (want.kind === 'tuple') return want.items.length === have.items.length && have.items.every((i, n) => accepts(want.items[n], i));
      return false;
    case 'array':
      return want.kind === 'array' || want.kind === 'tuple';
    default:
      return want.kind === have.kind;
  }
}

/** `statement`: the call is a whole expression, where one extra (output) argument is allowed. */
export function checkBuiltinCall(sig: BuiltinSignature, args: Term[], loc: Location, statement = false): void {
  const n = sig.args.length;
  if (args.length > n + (statement ? 1 : 0)) compileError('rego_type_error', `${sig.name}: too many arguments`, loc);
  if (args.length < n) compileError('rego_type_error', `${sig.name}: too few arguments`, loc);
  const haves = args.slice(0, n).map(staticType);
  const bad = haves.some((h, i) => h !== undefined && !accepts(sig.args[i], h));
  if (bad) {
    const have = haves.map((h) => (h ? typeToString(h) : '???')).join(', ');
    const want = sig.args.map(typeToString).join(', ');
    compileError('rego_type_error', `${sig.name}: invalid argument(s): have (${have}), want (${want})`, loc);
  }
}

/** `with b as value` replacing builtin b by a value: as OPA, the value must be of b's result type when that is visible. */
export function checkReplacementValue(sig: BuiltinSignature, value: Term, loc: Location): void {
  const have = staticType(value);
  if (have && !accepts(sig.result, have)) {
    compileError('rego_type_error', `${sig.name}: return type mismatch: have ${typeToString(have)}, want ${typeToString(sig.result)}`, loc);
  }
}
