/** is_*, type_name and to_number. Sets arrive as arrays: is_set/is_array/type_name need the wasm versions for exactness. */
import { fail } from './errors';
import { Impl, isArray, isBoolean, isNumber, isObject, isString } from './values';

/** strconv.ParseFloat's decimal syntax (OPA rejects Inf/NaN and hex forms as numbers). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export const typeBuiltins: Record<string, Impl> = {
  is_number: (x) => isNumber(x),
  is_string: (x) => isString(x),
  is_boolean: (x) => isBoolean(x),
  is_array: (x) => isArray(x),
  is_set: () => false,
  is_object: (x) => isObject(x),
  is_null: (x) => x === null,
  type_name: (x) => {
    if (x === null) return 'null';
    if (isBoolean(x)) return 'boolean';
    if (isNumber(x)) return 'number';
    if (isString(x)) return 'string';
    return isArray(x) ? 'array' : 'object';
  },
  to_number: (x) => {
    if (x === null) return 0;
    if (isBoolean(x)) return x ? 1 : 0;
    if (isNumber(x)) return x;
    if (!isString(x)) return undefined;
    if (!DECIMAL.test(x)) fail('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(x)}: invalid syntax`);
    const n = Number(x);
    return Number.isFinite(n) ? n : fail('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(x)}: value out of range`);
  },
};
