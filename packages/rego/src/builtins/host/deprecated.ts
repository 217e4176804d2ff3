/**
 * Builtins OPA deprecated long ago and removed in Rego v1: only modules compiled with v0 syntax may
 * call them (the catalog marks them `v0Only`). Semantics as OPA's topdown (casts.go, aggregates.go,
 * sets.go, cidr.go, regex.go). Sets arrive as sorted arrays without duplicates.
 */
import { netBuiltins } from './net';
import { regexBuiltins } from './regex';
import { Impl, clone, isArray, isBoolean, isObject, isString, setHas, toSet } from './values';

/** The aggregate `any`/`all` look for the boolean `true` itself, not for truthy values. */
const isTrue = (v: unknown): boolean => v === true;

export const deprecatedBuiltins: Record<string, Impl> = {
  // Same as regex.match (arguments in the same order: pattern, then value).
  re_match: (pattern, value) => regexBuiltins['regex.match'](pattern, value),
  // Same as net.cidr_contains.
  'net.cidr_overlap': (cidr, ip) => netBuiltins['net.cidr_contains'](cidr, ip),

  // The casts return their argument when it already has the type, and are undefined otherwise.
  cast_array: (x) => (isArray(x) ? clone(x) : undefined),
  cast_set: (x) => (isArray(x) ? clone(toSet(x)) : undefined),
  cast_string: (x) => (isString(x) ? x : undefined),
  cast_boolean: (x) => (isBoolean(x) ? x : undefined),
  cast_null: (x) => (x === null ? null : undefined),
  cast_object: (x) => (isObject(x) ? clone(x) : undefined),

  any: (xs) => (isArray(xs) ? xs.some(isTrue) : undefined),
  all: (xs) => (isArray(xs) ? xs.every(isTrue) : undefined),

  set_diff: (a, b) => (isArray(a) && isArray(b) ? clone(a.filter((x) => !setHas(b, x))) : undefined),
};
