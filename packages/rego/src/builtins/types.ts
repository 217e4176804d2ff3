/**
 * The small type language used to describe builtin signatures, modelled on OPA's `types` package:
 * enough to do what OPA's type checker does for builtin calls whose argument types are known.
 *
 * - `any` with no members is the top type (OPA's `any`); `union` is OPA's `any<a, b, ...>`.
 * - `array` is a dynamic array (`array[of]`), `tuple` a fixed-length array (`array<a, b>` in OPA's docs).
 * - `object` here is always the dynamic form (`object[key: value]`).
 */
export type RegoType =
  | { kind: 'any' }
  | { kind: 'null' }
  | { kind: 'boolean' }
  | { kind: 'number' }
  | { kind: 'string' }
  | { kind: 'array'; of: RegoType }
  | { kind: 'tuple'; items: RegoType[] }
  | { kind: 'set'; of: RegoType }
  | { kind: 'object'; key: RegoType; value: RegoType }
  | { kind: 'union'; of: RegoType[] };

/** How a host implementation's JSON result maps back to a Rego value (sets travel as sorted JSON arrays). */
export type SetResult =
  /** the result is always a set: convert the returned array to a set */
  | 'always'
  /** the result is a set exactly when the first argument is a set (`minus`, which is also numeric subtraction) */
  | 'when-first-arg-is-set';

export interface BuiltinSignature {
  /** OPA name, e.g. `regex.match`, `plus` */
  name: string;
  args: RegoType[];
  result: RegoType;
  /** the operator for builtins written infix (`+` for plus, `==` for equal, `in` for internal.member_2) */
  infix?: string;
  /** results may differ between evaluations with the same arguments (time.now_ns, uuid.rfc4122, rand.intn) */
  nondeterministic?: boolean;
  /** set when the result (top level) is a Rego set: the host returns a sorted array the runtime must turn into a set */
  setResult?: SetResult;
  /**
   * The host implementation cannot be exact because JSON erases the set/array distinction
   * (or non-string object keys): the wasm runtime must implement this builtin natively.
   * The host version still works for values without sets.
   */
  needsNativeValues?: boolean;
  /**
   * Name under which a module must import this builtin when it calls it on the host (its entry in
   * the module's `builtins()` export), when that differs from `name`. Needed where the stock SDK has
   * its own implementation under the OPA name (sprintf, regex.split), which always wins over a
   * custom builtin and does not follow OPA's semantics. See hostCallName().
   */
  hostName?: string;
  /** Deprecated and removed in Rego v1 (OPA keeps it for v0): only modules parsed with v0 syntax may call it. */
  v0Only?: boolean;
}

// Constructors, kept short because the catalog is a long table.
export const ANY: RegoType = { kind: 'any' };
export const NULL: RegoType = { kind: 'null' };
export const B: RegoType = { kind: 'boolean' };
export const N: RegoType = { kind: 'number' };
export const S: RegoType = { kind: 'string' };
export const arrayOf = (of: RegoType): RegoType => ({ kind: 'array', of });
export const tuple = (...items: RegoType[]): RegoType => ({ kind: 'tuple', items });
export const setOf = (of: RegoType): RegoType => ({ kind: 'set', of });
export const objectOf = (key: RegoType, value: RegoType): RegoType => ({ kind: 'object', key, value });
export const union = (...of: RegoType[]): RegoType => ({ kind: 'union', of });

/** OPA's spelling of a type, for error messages (`array[string]`, `any<number, set[any]>`). */
export function typeToString(t: RegoType): string {
  switch (t.kind) {
    case 'any':
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return t.kind;
    case 'array':
      return `array[${typeToString(t.of)}]`;
    case 'tuple':
      return `array<${t.items.map(typeToString).join(', ')}>`;
    case 'set':
      return `set[${typeToString(t.of)}]`;
    case 'object':
      return `object[${typeToString(t.key)}: ${typeToString(t.value)}]`;
    case 'union':
      return `any<${t.of.map(typeToString).join(', ')}>`;
  }
}

/**
 * Whether a value of type `actual` may be passed where `expected` is required
 * (OPA's rule: the types must overlap; `any` overlaps everything). Used on arguments whose type
 * the compiler knows, e.g. literals: `count(1)` fails, `count(input.x)` passes.
 */
export function typesOverlap(expected: RegoType, actual: RegoType): boolean {
  if (expected.kind === 'any' || actual.kind === 'any') return true;
  if (expected.kind === 'union') return expected.of.some((e) => typesOverlap(e, actual));
  if (actual.kind === 'union') return actual.of.some((a) => typesOverlap(expected, a));
  switch (expected.kind) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return actual.kind === expected.kind;
    case 'array':
      if (actual.kind === 'array') return typesOverlap(expected.of, actual.of);
      if (actual.kind === 'tuple') return actual.items.every((i) => typesOverlap(expected.of, i));
      return false;
    case 'tuple':
      if (actual.kind === 'tuple') {
        return actual.items.length === expected.items.length && expected.items.every((e, i) => typesOverlap(e, actual.items[i]));
      }
      if (actual.kind === 'array') return expected.items.every((e) => typesOverlap(e, actual.of));
      return false;
    case 'set':
      return actual.kind === 'set' && typesOverlap(expected.of, actual.of);
    case 'object':
      return actual.kind === 'object' && typesOverlap(expected.key, actual.key) && typesOverlap(expected.value, actual.value);
  }
}

/** The type of a JSON-like constant (arrays become tuples, as OPA types array literals). Sets cannot be told from arrays here. */
export function typeOfJson(value: unknown): RegoType {
  if (value === null) return NULL;
  switch (typeof value) {
    case 'boolean':
      return B;
    case 'number':
      return N;
    case 'string':
      return S;
  }
  if (Array.isArray(value)) return tuple(...value.map(typeOfJson));
  if (typeof value === 'object') {
    const values = Object.values(value as Record<string, unknown>).map(typeOfJson);
    return objectOf(S, values.length === 0 ? ANY : unionOfDistinct(values));
  }
  return ANY;
}

function unionOfDistinct(types: RegoType[]): RegoType {
  const seen = new Map<string, RegoType>();
  for (const t of types) seen.set(typeToString(t), t);
  const distinct = [...seen.values()];
  return distinct.length === 1 ? distinct[0] : union(...distinct);
}
