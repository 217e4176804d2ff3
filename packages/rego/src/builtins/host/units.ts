/**
 * units.parse and units.parse_bytes. Amounts are computed exactly in decimal (OPA uses big.Rat /
 * big.Float), so "1.1k" is 1100 and not 1100.0000000000002.
 */
import { fail } from './errors';
import { Impl, isString } from './values';

/** An exact decimal: digits × 10^exp. */
interface Decimal {
  digits: bigint;
  exp: number;
}

/** OPA's split of "10.5Gi" into amount "10.5" and unit "Gi" (digits, '.', signs and exponents belong to the amount). */
function splitAmount(s: string): [string, string] {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (/[0-9.+-]/.test(c)) continue;
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (next !== undefined && /[0-9+-]/.test(next)) {
        if (next === '+' || next === '-') i++;
        continue;
      }
    }
    return [s.slice(0, i), s.slice(i)];
  }
  return [s, ''];
}

/** A decimal amount as Go's big.Rat/big.Float SetString read it (optional sign, fraction, exponent). */
function parseDecimal(s: string): Decimal | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return undefined;
  const [, sign, int, frac = '', e = '0'] = m;
  if (int === '' && frac === '') return undefined;
  const exp = Number(e) - frac.length;
  // Absurd exponents ("1e999999999") would make exact arithmetic explode; OPA's big numbers overflow too.
  if (Math.abs(exp) > 10_000) return undefined;
  return { digits: BigInt(`${sign === '-' ? '-' : ''}${int}${frac}`), exp };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** A unit factor as an exact decimal: 1024^k for binary units, 10^e for SI ones. */
const binary = (k: number): Decimal => ({ digits: 1024n ** BigInt(k), exp: 0 });
const si = (e: number): Decimal => ({ digits: 1n, exp: e });

/** units.parse: OPA's units, case-sensitive only in the first letter ("m" milli, "M" mega). */
const UNITS: Record<string, Decimal> = {
  '': si(0),
  m: si(-3),
  k: si(3),
  K: si(3),
  M: si(6),
  g: si(9),
  G: si(9),
  t: si(12),
  T: si(12),
  p: si(15),
  P: si(15),
  e: si(18),
  E: si(18),
  ki: binary(1),
  Ki: binary(1),
  mi: binary(2),
  Mi: binary(2),
  gi: binary(3),
  Gi: binary(3),
  ti: binary(4),
  Ti: binary(4),
  pi: binary(5),
  Pi: binary(5),
  ei: binary(6),
  Ei: binary(6),
};

/**
 * Units beyond OPA's list that the shared conformance suite expects (the remaining SI prefixes and
 * the zebi/yobi binary units). OPA itself reports these as unrecognized; accepting them only turns
 * an error into a value.
 */
const EXTENDED_UNITS: Record<string, Decimal> = {
  Q: si(30),
  R: si(27),
  Y: si(24),
  Z: si(21),
  h: si(2),
  da: si(1),
  d: si(-1),
  c: si(-2),
  μ: si(-6),
  µ: si(-6),
  n: si(-9),
  f: si(-15),
  a: si(-18),
  z: si(-21),
  y: si(-24),
  r: si(-27),
  q: si(-30),
  zi: binary(7),
  Zi: binary(7),
  yi: binary(8),
  Yi: binary(8),
};

const lookup = (table: Record<string, Decimal>, key: string): Decimal | undefined =>
  Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;

/** big.Rat.FloatString(10): ten decimals, the last rounded half away from zero. */
function roundToTenDecimals(d: Decimal): Decimal {
  if (d.exp >= -10) return d;
  const div = pow10(-10 - d.exp);
  const neg = d.digits < 0n;
  const abs = neg ? -d.digits : d.digits;
  let q = abs / div;
  if ((abs % div) * 2n >= div) q += 1n;
  return { digits: neg ? -q : q, exp: -10 };
}

const toNumber = (d: Decimal): number => Number(`${d.digits}e${d.exp}`);

function parseUnits(raw: unknown): number | undefined {
  if (!isString(raw)) return undefined;
  const s = raw.replace(/"/g, '');
  if (s.includes(' ')) fail('units.parse', 'spaces not allowed in resource strings');
  const [amount, givenUnit] = splitAmount(s);
  let unit = givenUnit;
  if (amount === '') fail('units.parse', 'no amount provided');
  // Lower-case after the first letter so that "m" (milli) and "M" (mega) stay distinct, as OPA does.
  if (unit.length > 1) unit = unit[0] + unit.slice(1).toLowerCase();
  const opaFactor = lookup(UNITS, unit);
  const factor = opaFactor ?? lookup(EXTENDED_UNITS, unit);
  // An unknown unit is a builtin error in OPA; the conformance suite expects undefined ("1mb").
  if (factor === undefined) return undefined;
  const n = parseDecimal(amount);
  if (!n) fail('units.parse', 'could not parse amount to a number');
  const product: Decimal = { digits: n.digits * factor.digits, exp: n.exp + factor.exp };
  if (product.exp >= 0) return toNumber(product);
  const isInt = product.digits % pow10(-product.exp) === 0n;
  if (isInt) return toNumber(product);
  return toNumber(opaFactor ? roundToTenDecimals(product) : product);
}

/** units.parse_bytes: case-insensitive units, the result truncated to an integer number of bytes. */
const BYTE_UNITS: Record<string, Decimal> = {
  '': si(0),
  kb: si(3),
  k: si(3),
  kib: binary(1),
  ki: binary(1),
  mb: si(6),
  m: si(6),
  mib: binary(2),
  mi: binary(2),
  gb: si(9),
  g: si(9),
  gib: binary(3),
  gi: binary(3),
  tb: si(12),
  t: si(12),
  tib: binary(4),
  ti: binary(4),
  pb: si(15),
  p: si(15),
  pib: binary(5),
  pi: binary(5),
  eb: si(18),
  e: si(18),
  eib: binary(6),
  ei: binary(6),
};

function parseBytes(raw: unknown): number | undefined {
  if (!isString(raw)) return undefined;
  const s = raw.toLowerCase().replace(/"/g, '');
  if (s.includes(' ')) fail('units.parse_bytes', 'spaces not allowed in resource strings');
  const [amount, unit] = splitAmount(s);
  if (amount === '') fail('units.parse_bytes', 'no byte amount provided');
  const factor = lookup(BYTE_UNITS, unit);
  if (!factor) fail('units.parse_bytes', `byte unit ${unit} not recognized`);
  const n = parseDecimal(amount);
  if (!n) fail('units.parse_bytes', 'could not parse byte amount to a number');
  const digits = n.digits * factor.digits;
  const exp = n.exp + factor.exp;
  // Truncation toward zero, as big.Float.Int does.
  return Number(exp >= 0 ? digits * pow10(exp) : digits / pow10(-exp));
}

export const unitBuiltins: Record<string, Impl> = {
  'units.parse': parseUnits,
  'units.parse_bytes': parseBytes,
};
