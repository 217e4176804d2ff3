// Values as Rego text (OPA's term String form: sets as {a, b} or set(), objects as {"k": v}), for
// print() (strings raw at top level) and for sprintf's arguments; and OPA's compact opa_value_dump form.
// Both are spellings of the one value writer in json.ts (outSpelled).
import { Value, K_STR, asStr } from "./values";
import { outBytes, outSpelled, SPELL_DUMP, SPELL_REGO } from "./json";

export function outRego(v: Value): void {
  outSpelled(v, SPELL_REGO);
}

/**
 * OPA's opa_value_dump text: JSON without spaces, except that sets are written as set literals
 * ({1,2} or set()) and object keys of any type as themselves.
 */
export function outLiteral(v: Value): void {
  outSpelled(v, SPELL_DUMP);
}

/** One print() argument: a string as its raw text, anything else as Rego text. */
export function outPrintArg(v: Value): void {
  if (v.kind == K_STR) {
    let s = asStr(v);
    outBytes(s.ptr, s.len);
  } else outRego(v);
}
