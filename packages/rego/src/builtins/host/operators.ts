/**
 * Infix operators: comparison, arithmetic, set operators and `in`. Sets arrive as sorted arrays, so the
 * set operators accept arrays and return sorted, de-duplicated arrays (the catalog's setResult tells the
 * runtime to turn them back into sets).
 */
import { fail } from './errors';
import { Impl, compareValues, isArray, isInteger, isNumber, isObject, isString, setHas, toSet, valuesEqual } from './values';

const bothNumbers = (a: unknown, b: unknown): boolean => isNumber(a) && isNumber(b);
/** Results beyond float64 range have no JSON form; OPA computes them with big numbers, we cannot. */
const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);

export const operatorBuiltins: Record<string, Impl> = {
  equal: (a, b) => valuesEqual(a, b),
  neq: (a, b) => !valuesEqual(a, b),
  lt: (a, b) => compareValues(a, b) < 0,
  lte: (a, b) => compareValues(a, b) <= 0,
  gt: (a, b) => compareValues(a, b) > 0,
  gte: (a, b) => compareValues(a, b) >= 0,

  plus: (a, b) => (bothNumbers(a, b) ? finite((a as number) + (b as number)) : undefined),
  minus: (a, b) => {
    if (bothNumbers(a, b)) return finite((a as number) - (b as number));
    if (isArray(a) && isArray(b)) return toSet(a.filter((x) => !setHas(b, x)));
    return undefined;
  },
  mul: (a, b) => (bothNumbers(a, b) ? finite((a as number) * (b as number)) : undefined),
  div: (a, b) => {
    if (!bothNumbers(a, b)) return undefined;
    if (b === 0) fail('div', 'divide by zero');
    return finite((a as number) / (b as number));
  },
  // Both operands must be integers; Go's remainder takes the dividend's sign, like JS.
  rem: (a, b) => {
    if (!bothNumbers(a, b)) return undefined;
    if (!isInteger(a) || !isInteger(b)) fail('rem', 'modulo on floating-point number');
    if (b === 0) fail('rem', 'modulo by zero');
    return a % b || 0;
  },
  and: (a, b) => (isArray(a) && isArray(b) ? toSet(a.filter((x) => setHas(b, x))) : undefined),
  or: (a, b) => (isArray(a) && isArray(b) ? toSet([...a, ...b]) : undefined),

  'internal.member_2': (x, coll) => {
    if (isArray(coll)) return coll.some((v) => valuesEqual(v, x));
    if (isObject(coll)) return Object.values(coll).some((v) => valuesEqual(v, x));
    return false;
  },
  'internal.member_3': (k, v, coll) => {
    if (isArray(coll)) return isInteger(k) && k >= 0 && k < coll.length && valuesEqual(coll[k], v);
    if (isObject(coll)) return isString(k) && Object.prototype.hasOwnProperty.call(coll, k) && valuesEqual(coll[k], v);
    return false;
  },
};
