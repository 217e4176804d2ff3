/**
 * time.* builtins. Nanosecond timestamps beyond 2^53 arrive as doubles (the SDK passes arguments
 * through JSON.parse) and are read through their shortest decimal text (toBigInt), which is the
 * integer the policy wrote when that has at most 17 significant digits. Results are exact
 * integers (exactInt).
 */
import { WEEKDAYS, civilFromDays, daysFromCivil, weekday } from './calendar';
import { perEvaluation } from './evaluation-cache';
import { fail } from './errors';
import { LayoutParseError, Moment, formatTime, parseTime } from './go-layout';
import { Impl, exactInt, isArray, isInteger, isNumber, isString, toBigInt } from './values';
import { UTC, Zone, loadZone } from './zones';

const NS_PER_SECOND = 1_000_000_000n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** One reading of the wall clock (ms) per evaluation, shared by time.now_ns and io.jwt.decode_verify. */
const nowMs = (): number => perEvaluation('time.now_ns', () => Date.now());

/** The evaluation's time in ns as a double (for comparisons with token times). */
export function currentTimeNs(): number {
  return nowMs() * 1e6;
}

/** Go's named layouts that OPA accepts in place of a layout string. */
const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};
const layoutFor = (s: string): string => (Object.prototype.hasOwnProperty.call(NAMED_LAYOUTS, s) ? NAMED_LAYOUTS[s] : s);

function momentOfNs(ns: bigint): Moment {
  let seconds = ns / NS_PER_SECOND;
  let nanos = ns % NS_PER_SECOND;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += NS_PER_SECOND;
  }
  return { seconds: Number(seconds), nanos: Number(nanos) };
}

const nsOfMoment = (m: Moment): bigint => BigInt(m.seconds) * NS_PER_SECOND + BigInt(m.nanos);
const inInt64 = (ns: bigint): boolean => ns >= INT64_MIN && ns <= INT64_MAX;

interface ZonedTime {
  moment: Moment;
  zone: Zone;
  /** layout given as third element (time.format only), '' when absent */
  layout: string;
}

/**
 * The `ns` or `[ns, tz]` / `[ns, tz, layout]` argument. Wrong types make the builtin undefined;
 * a non-integer or out-of-range timestamp and an unknown zone are errors, as in OPA.
 */
function zonedTime(builtin: string, x: unknown): ZonedTime | undefined {
  let nsValue: unknown = x;
  let zone = UTC;
  let layout = '';
  if (isArray(x)) {
    if (x.length === 0) return undefined;
    nsValue = x[0];
    if (x.length > 1) {
      if (!isString(x[1])) return undefined;
      zone = loadZone(x[1]) ?? fail(builtin, `unknown time zone ${x[1]}`);
    }
    if (x.length > 2) {
      if (!isString(x[2])) return undefined;
      layout = x[2];
    }
  }
  if (!isNumber(nsValue)) return undefined;
  const ns = toBigInt(nsValue);
  if (ns === undefined || !inInt64(ns)) fail(builtin, 'timestamp too big');
  return { moment: momentOfNs(ns), zone, layout };
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  days: number;
}

function localFields(t: ZonedTime): Fields {
  const local = t.moment.seconds + t.zone.at(t.moment.seconds).offset;
  const days = Math.floor(local / 86400);
  const secOfDay = local - days * 86400;
  return {
    ...civilFromDays(days),
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    days,
  };
}

function parseWith(builtin: string, layout: string, value: string): number | bigint {
  let m: Moment;
  try {
    m = parseTime(layout, value);
  } catch (e) {
    if (e instanceof LayoutParseError) return fail(builtin, e.message);
    throw e;
  }
  const ns = nsOfMoment(m);
  if (!inInt64(ns)) fail(builtin, 'time outside of valid range');
  return exactInt(ns);
}

// ---- Go's time.ParseDuration ----

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

function parseDuration(s: string): bigint | undefined {
  let rest = s;
  let negative = false;
  if (rest[0] === '-' || rest[0] === '+') {
    negative = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest !== '') {
    // A number, an optional fraction, then a unit: everything up to the next digit or '.'.
    const m = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
    if (!Object.prototype.hasOwnProperty.call(DURATION_UNITS, m[3])) return undefined;
    const unit = DURATION_UNITS[m[3]];
    const whole = BigInt(m[1] || '0');
    // Go scales the fraction with float64 arithmetic and truncates.
    const frac = m[2] ?? '';
    const fracNs = frac === '' ? 0n : BigInt(Math.trunc(Number(frac) * (Number(unit) / 10 ** frac.length)));
    total += whole * unit + fracNs;
    if (total > INT64_MAX + (negative ? 1n : 0n)) return undefined;
    rest = rest.slice(m[0].length);
  }
  return negative ? -total : total;
}

/** Go's Time.AddDate: calendar fields added, then normalised (October 32 is November 1). */
function addDate(t: ZonedTime, years: number, months: number, days: number): bigint {
  const f = localFields(t);
  const localDays = daysFromCivil(f.year + years, f.month + months, f.day + days);
  const localSeconds = localDays * 86400 + f.hour * 3600 + f.minute * 60 + f.second;
  // Far outside the int64 nanosecond range (±292 years around 1970): no need to ask the zone.
  if (Math.abs(localSeconds) > 1e10) return INT64_MAX + 1n;
  // Resolve the local reading back to an instant with the zone's offset around that time.
  const guess = localSeconds - t.zone.at(localSeconds).offset;
  const seconds = localSeconds - t.zone.at(guess).offset;
  return BigInt(seconds) * NS_PER_SECOND + BigInt(t.moment.nanos);
}

/** time.diff as OPA computes it: calendar differences, normalised to be non-negative. */
function diff(a: ZonedTime, b: ZonedTime): number[] {
  // Both are read in the first argument's zone.
  const t1 = { ...a };
  const t2 = { ...b, zone: a.zone };
  const later = t1.moment.seconds > t2.moment.seconds || (t1.moment.seconds === t2.moment.seconds && t1.moment.nanos > t2.moment.nanos);
  const [x, y] = later ? [localFields(t2), localFields(t1)] : [localFields(t1), localFields(t2)];
  let year = y.year - x.year;
  let month = y.month - x.month;
  let day = y.day - x.day;
  let hour = y.hour - x.hour;
  let min = y.minute - x.minute;
  let sec = y.second - x.second;
  if (sec < 0) [sec, min] = [sec + 60, min - 1];
  if (min < 0) [min, hour] = [min + 60, hour - 1];
  if (hour < 0) [hour, day] = [hour + 24, day - 1];
  if (day < 0) {
    // Days in x's month: day 32 of that month lands on day (32 - length) of the next.
    const overflow = civilFromDays(daysFromCivil(x.year, x.month, 32));
    day += 32 - overflow.day;
    month--;
  }
  if (month < 0) [month, year] = [month + 12, year - 1];
  return [year, month, day, hour, min, sec];
}

/** The builtins here whose integer results may be a bigint (exactInt). */
export const BIGINT_RESULTS: ReadonlySet<string> = new Set([
  'time.now_ns',
  'time.parse_ns',
  'time.parse_rfc3339_ns',
  'time.parse_duration_ns',
  'time.add_date',
]);

export const timeBuiltins: Record<string, Impl> = {
  'time.now_ns': () => exactInt(BigInt(nowMs()) * 1_000_000n),
  'time.parse_ns': (layout, value) =>
    isString(layout) && isString(value) ? parseWith('time.parse_ns', layoutFor(layout), value) : undefined,
  'time.parse_rfc3339_ns': (value) => (isString(value) ? parseWith('time.parse_rfc3339_ns', NAMED_LAYOUTS.RFC3339, value) : undefined),
  'time.parse_duration_ns': (s) => {
    if (!isString(s)) return undefined;
    const d = parseDuration(s);
    return d === undefined ? fail('time.parse_duration_ns', `time: invalid duration ${JSON.stringify(s)}`) : exactInt(d);
  },
  'time.date': (x) => {
    const t = zonedTime('time.date', x);
    if (!t) return undefined;
    const f = localFields(t);
    return [f.year, f.month, f.day];
  },
  'time.clock': (x) => {
    const t = zonedTime('time.clock', x);
    if (!t) return undefined;
    const f = localFields(t);
    return [f.hour, f.minute, f.second];
  },
  'time.weekday': (x) => {
    const t = zonedTime('time.weekday', x);
    return t ? WEEKDAYS[weekday(localFields(t).days)] : undefined;
  },
  'time.format': (x) => {
    const t = zonedTime('time.format', x);
    if (!t) return undefined;
    return formatTime(t.moment, t.zone, t.layout === '' ? NAMED_LAYOUTS.RFC3339Nano : layoutFor(t.layout));
  },
  // A result outside the int64 nanosecond range is undefined (OPA's documented behaviour).
  'time.add_date': (x, years, months, days) => {
    const t = zonedTime('time.add_date', x);
    if (!t || !isNumber(years) || !isNumber(months) || !isNumber(days)) return undefined;
    for (const [i, n] of [years, months, days].entries()) {
      if (!isInteger(n)) fail('time.add_date', `operand ${i + 2} must be integer number but got floating-point number`);
    }
    const ns = addDate(t, years, months, days);
    return inInt64(ns) ? exactInt(ns) : undefined;
  },
  'time.diff': (a, b) => {
    const x = zonedTime('time.diff', a);
    const y = zonedTime('time.diff', b);
    return x && y ? diff(x, y) : undefined;
  },
};
