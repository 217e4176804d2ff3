/**
 * Go's float formatting (strconv 'e', 'f', 'g' as used by fmt), computed on the exact binary value
 * with round-half-even, which is where JS toFixed/toPrecision differ (2.5 -> "2" in Go, "3" in JS).
 */

/** |x| as D * 10^E with D a BigInt, exactly. */
function exactDecimal(x: number): { d: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biasedExp = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biasedExp === 0) exp2 = -1074;
  else {
    mantissa |= 1n << 52n;
    exp2 = biasedExp - 1075;
  }
  if (exp2 >= 0) return { d: mantissa << BigInt(exp2), e: 0 };
  return { d: mantissa * 5n ** BigInt(-exp2), e: exp2 };
}

/** round_half_even(d * 10^shift) */
function scaleRound(d: bigint, shift: number): bigint {
  if (shift >= 0) return d * 10n ** BigInt(shift);
  const div = 10n ** BigInt(-shift);
  const q = d / div;
  const r2 = (d % div) * 2n;
  if (r2 > div || (r2 === div && q % 2n === 1n)) return q + 1n;
  return q;
}

/** Significant digits (exactly `n` of them, rounded half-even) and the decimal exponent of the first one. */
function significant(x: number, n: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(n), exp: 0 };
  const { d, e } = exactDecimal(x);
  let exp = d.toString().length - 1 + e;
  let r = scaleRound(d, n - 1 - exp + e);
  if (r.toString().length > n) {
    r /= 10n;
    exp += 1;
  }
  return { digits: r.toString(), exp };
}

/** The shortest digits that read back as x (what Go uses for precision -1), and the exponent. */
function shortest(x: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0', exp: 0 };
  const [mant, ex] = Math.abs(x).toExponential().split('e');
  return { digits: mant.replace('.', ''), exp: Number(ex) };
}

const sign = (x: number): string => (x < 0 || Object.is(x, -0) ? '-' : '');

function expForm(digits: string, exp: number, upper: boolean): string {
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const abs = Math.abs(exp);
  return `${mant}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fixedForm(digits: string, exp: number, decimals: number): string {
  // digits d0 d1 ... with d0 at 10^exp; emit with `decimals` fraction digits (padding with zeros).
  const intLen = exp + 1;
  let intPart: string;
  let frac: string;
  if (intLen <= 0) {
    intPart = '0';
    frac = '0'.repeat(-intLen) + digits;
  } else if (intLen >= digits.length) {
    intPart = digits + '0'.repeat(intLen - digits.length);
    frac = '';
  } else {
    intPart = digits.slice(0, intLen);
    frac = digits.slice(intLen);
  }
  frac = frac.slice(0, decimals).padEnd(decimals, '0');
  return decimals > 0 ? `${intPart}.${frac}` : intPart;
}

/** %f / %F: `prec` digits after the point (default 6). */
export function formatF(x: number, prec: number): string {
  const { d, e } = exactDecimal(x);
  const r = scaleRound(d, prec + e)
    .toString()
    .padStart(prec + 1, '0');
  const intPart = r.slice(0, r.length - prec);
  return sign(x) + (prec > 0 ? `${intPart}.${r.slice(r.length - prec)}` : intPart);
}

/** %e / %E with `prec` digits after the point (default 6). */
export function formatE(x: number, prec: number, upper = false): string {
  const { digits, exp } = significant(x, prec + 1);
  return sign(x) + expForm(digits, exp, upper);
}

/** %g / %G / %v: `prec` significant digits, or the shortest representation when prec < 0. */
export function formatG(x: number, prec: number, upper = false): string {
  let digits: string;
  let exp: number;
  let eprec: number;
  if (prec < 0) {
    ({ digits, exp } = shortest(x));
    eprec = 6;
  } else {
    ({ digits, exp } = significant(x, prec === 0 ? 1 : prec));
    digits = digits.replace(/0+$/, '') || '0';
    eprec = prec === 0 ? 1 : prec;
    if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  }
  if (exp < -4 || exp >= eprec) return sign(x) + expForm(digits, exp, upper);
  return sign(x) + fixedForm(digits, exp, Math.max(digits.length - (exp + 1), 0));
}
