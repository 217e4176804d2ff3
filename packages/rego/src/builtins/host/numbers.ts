/** Number builtins: rounding, ranges, bitwise operations and rand.intn. */
import { perEvaluation } from './evaluation-cache';
import { fail } from './errors';
import { Impl, fromBigInt, isInteger, isNumber, isString, toBigInt } from './values';

/** Go's big.Float rounding used by OPA's round(): half away from zero. */
const roundHalfAway = (n: number): number => Math.sign(n) * Math.round(Math.abs(n));

/** Ranges longer than this would exhaust memory long before OPA's own evaluation limits; refuse them. */
const MAX_RANGE_LENGTH = 10_000_000;

function range(name: string, a: unknown, b: unknown, step: number): number[] | undefined {
  if (!isNumber(a) || !isNumber(b)) return undefined;
  if (!isInteger(a)) fail(name, 'operand 1 must be integer number but got floating-point number');
  if (!isInteger(b)) fail(name, 'operand 2 must be integer number but got floating-point number');
  if (Math.abs(b - a) / step + 1 > MAX_RANGE_LENGTH) fail(name, 'range too large');
  const out: number[] = [];
  if (a <= b) for (let i = a; i <= b; i += step) out.push(i);
  else for (let i = a; i >= b; i -= step) out.push(i);
  return out;
}

/** An integer operand of a bits.* builtin as a BigInt (OPA computes these on big integers). */
function bitsOperand(name: string, x: unknown, position: number): bigint | undefined {
  if (!isNumber(x)) return undefined;
  const big = toBigInt(x);
  if (big === undefined) fail(name, `operand ${position} must be integer number but got floating-point number`);
  return big;
}

function bits2(name: string, op: (a: bigint, b: bigint) => bigint): Impl {
  return (x, y) => {
    const a = bitsOperand(name, x, 1);
    const b = bitsOperand(name, y, 2);
    return a === undefined || b === undefined ? undefined : fromBigInt(op(a, b));
  };
}

function shift(name: string, op: (a: bigint, s: bigint) => bigint): Impl {
  return (x, s) => {
    const a = bitsOperand(name, x, 1);
    const b = bitsOperand(name, s, 2);
    if (a === undefined || b === undefined) return undefined;
    if (b < 0n) fail(name, 'operand 2 must be an unsigned integer number but got a negative integer');
    // Beyond this the result is either 0/-1 (right shift) or too large for a JSON number (left shift).
    if (b > 2048n) return op === lsh ? undefined : Number(a < 0n ? -1n : 0n);
    return fromBigInt(op(a, b));
  };
}
const lsh = (a: bigint, s: bigint): bigint => a << s;
const rsh = (a: bigint, s: bigint): bigint => a >> s;

export const numberBuiltins: Record<string, Impl> = {
  abs: (x) => (isNumber(x) ? Math.abs(x) : undefined),
  ceil: (x) => (isNumber(x) ? Math.ceil(x) || 0 : undefined),
  floor: (x) => (isNumber(x) ? Math.floor(x) : undefined),
  round: (x) => (isNumber(x) ? roundHalfAway(x) || 0 : undefined),
  'numbers.range': (a, b) => range('numbers.range', a, b, 1),
  'numbers.range_step': (a, b, step) => {
    if (!isNumber(step)) return undefined;
    if (!isInteger(step)) fail('numbers.range_step', 'operand 3 must be integer number but got floating-point number');
    if (step <= 0) fail('numbers.range_step', 'step must be a positive integer');
    return range('numbers.range_step', a, b, step);
  },
  // Stable within one evaluation for the same seed and bound, as OPA caches it per query.
  'rand.intn': (seed, n) => {
    if (!isString(seed) || !isInteger(n)) return undefined;
    if (n === 0) return 0;
    const bound = Math.abs(n);
    return perEvaluation(`rand.intn\u0000${seed}\u0000${bound}`, () => Math.floor(Math.random() * bound));
  },
  'bits.and': bits2('bits.and', (a, b) => a & b),
  'bits.or': bits2('bits.or', (a, b) => a | b),
  'bits.xor': bits2('bits.xor', (a, b) => a ^ b),
  'bits.negate': (x) => {
    const a = bitsOperand('bits.negate', x, 1);
    return a === undefined ? undefined : fromBigInt(~a);
  },
  'bits.lsh': shift('bits.lsh', lsh),
  'bits.rsh': shift('bits.rsh', rsh),
};
