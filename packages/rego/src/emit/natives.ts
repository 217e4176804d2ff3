/**
 * Builtins the wasm runtime implements itself (runtime/assembly/natives.ts, NATIVE_NAMES: keep the
 * two lists equal; test/emit checks it). Every other builtin a plan calls goes to the host through
 * the SDK's opa_builtinN imports and is listed in the module's `builtins()` export.
 */
export const NATIVE_BUILTINS: ReadonlySet<string> = new Set([
  'equal', 'neq', 'lt', 'lte', 'gt', 'gte',
  'internal.member_2', 'internal.member_3',
  'plus', 'minus', 'mul', 'div', 'rem', 'abs', 'ceil', 'floor', 'round',
  'and', 'or',
  'count', 'sum', 'product', 'max', 'min', 'sort',
  'is_number', 'is_string', 'is_boolean', 'is_array', 'is_set', 'is_object', 'is_null', 'type_name',
  'object.get', 'object.keys', 'object.subset',
  'array.concat', 'array.reverse', 'array.slice',
  'union', 'intersection',
  'json.marshal',
  'concat', 'startswith', 'endswith', 'contains', 'split', 'trim_prefix', 'trim_suffix',
  'object.union', 'object.union_n', 'object.remove', 'object.filter',
  'json.filter', 'json.remove', 'json.patch', 'walk',
  'sprintf', 'to_number', 'json.unmarshal', 'format_int',
]);

/**
 * Natives that hand rare calls to the host implementation of the same builtin (runtime/assembly/
 * sprintf.ts, and to_number, json.unmarshal and format_int in natives.ts, say which): they are also listed
 * among the module's host builtins, so the SDK user still passes `hostBuiltins`.
 */
export const NATIVES_WITH_HOST_FALLBACK: ReadonlySet<string> = new Set(['sprintf', 'to_number', 'json.unmarshal', 'format_int']);
