/** The string builtins of runtime/assembly/strings.ts (Go's semantics: runes, Go's white space, cutsets of runes). */
export const STRING_NATIVES: readonly string[] = [
  'trim',
  'trim_left',
  'trim_right',
  'trim_space',
  'lower',
  'upper',
  'indexof',
  'indexof_n',
  'strings.count',
  'substring',
  'replace',
  'strings.replace_n',
  'strings.any_prefix_match',
  'strings.any_suffix_match',
];

/**
 * Builtins the wasm runtime implements itself (runtime/assembly/natives.ts, NATIVE_NAMES: keep the
 * two lists equal; test/emit checks it). Every other builtin a plan calls goes to the host through
 * the SDK's opa_builtinN imports and is listed in the module's `builtins()` export.
 */
export const NATIVE_BUILTINS: ReadonlySet<string> = new Set([
  'equal',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'internal.member_2',
  'internal.member_3',
  'plus',
  'minus',
  'mul',
  'div',
  'rem',
  'abs',
  'ceil',
  'floor',
  'round',
  'and',
  'or',
  'count',
  'sum',
  'product',
  'max',
  'min',
  'sort',
  'is_number',
  'is_string',
  'is_boolean',
  'is_array',
  'is_set',
  'is_object',
  'is_null',
  'type_name',
  'object.get',
  'object.keys',
  'object.subset',
  'array.concat',
  'array.reverse',
  'array.slice',
  'union',
  'intersection',
  'json.marshal',
  'concat',
  'startswith',
  'endswith',
  'contains',
  'split',
  'trim_prefix',
  'trim_suffix',
  'object.union',
  'object.union_n',
  'object.remove',
  'object.filter',
  'json.filter',
  'json.remove',
  'json.patch',
  'walk',
  'sprintf',
  'to_number',
  'json.unmarshal',
  'format_int',
  ...STRING_NATIVES,
]);

/**
 * Natives that hand rare calls to the host implementation of the same builtin (runtime/assembly/
 * sprintf.ts and strings.ts, and to_number, json.unmarshal and format_int in natives.ts, say which):
 * they are also listed among the module's host builtins, so the SDK user still passes `hostBuiltins`.
 * The string builtins hand over the calls the host answers with a builtin error, so the error is the
 * host's own (and a caller that turns builtin errors into undefined, as `opa test` does, still can).
 */
export const NATIVES_WITH_HOST_FALLBACK: ReadonlySet<string> = new Set([
  'sprintf',
  'to_number',
  'json.unmarshal',
  'format_int',
  'lower',
  'upper',
  'indexof',
  'indexof_n',
  'substring',
  'strings.replace_n',
]);
