/**
 * Go's reference-time layouts ("2006-01-02T15:04:05Z07:00") for formatting and parsing, following the
 * rules of Go's time package: the same chunk recognition, the same leniencies when parsing (one or two
 * digit fields, fractional seconds after seconds even without a layout element) and the same quirk that
 * a zone *name* in the input never moves the instant (only numeric offsets do).
 */
import { MONTHS, WEEKDAYS, civilFromDays, daysFromCivil, daysIn, isLeap, weekday, yearDay } from './calendar';
import { BoundedCache } from './bounded-cache';
import { Zone } from './zones';

type Std =
  | 'LongMonth'
  | 'Month'
  | 'NumMonth'
  | 'ZeroMonth'
  | 'LongWeekDay'
  | 'WeekDay'
  | 'Day'
  | 'UnderDay'
  | 'ZeroDay'
  | 'UnderYearDay'
  | 'ZeroYearDay'
  | 'Hour'
  | 'Hour12'
  | 'ZeroHour12'
  | 'Minute'
  | 'ZeroMinute'
  | 'Second'
  | 'ZeroSecond'
  | 'LongYear'
  | 'Year'
  | 'PM'
  | 'pm'
  | 'TZ'
  | 'ISO8601TZ'
  | 'ISO8601SecondsTZ'
  | 'ISO8601ShortTZ'
  | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ'
  | 'NumTZ'
  | 'NumSecondsTZ'
  | 'NumShortTZ'
  | 'NumColonTZ'
  | 'NumColonSecondsTZ'
  | 'FracSecond0'
  | 'FracSecond9';

type Chunk = { lit: string } | { std: Std; digits?: number; sep?: string };

const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i] >= '0' && s[i] <= '9';

/** Zone elements, longest first so that "-07:00:00" wins over "-07:00". */
const ZONE_CHUNKS: Array<[string, Std]> = [
  ['Z070000', 'ISO8601SecondsTZ'],
  ['Z07:00:00', 'ISO8601ColonSecondsTZ'],
  ['Z0700', 'ISO8601TZ'],
  ['Z07:00', 'ISO8601ColonTZ'],
  ['Z07', 'ISO8601ShortTZ'],
  ['-070000', 'NumSecondsTZ'],
  ['-07:00:00', 'NumColonSecondsTZ'],
  ['-0700', 'NumTZ'],
  ['-07:00', 'NumColonTZ'],
  ['-07', 'NumShortTZ'],
];

/** The std element starting at layout[i], with its length; undefined when layout[i] starts literal text. */
function stdAt(layout: string, i: number): [Chunk, number] | undefined {
  const rest = layout.slice(i);
  switch (layout[i]) {
    case 'J':
      if (rest.startsWith('January')) return [{ std: 'LongMonth' }, 7];
      if (rest.startsWith('Jan') && !isLower(rest[3])) return [{ std: 'Month' }, 3];
      return undefined;
    case 'M':
      if (rest.startsWith('Monday')) return [{ std: 'LongWeekDay' }, 6];
      if (rest.startsWith('Mon') && !isLower(rest[3])) return [{ std: 'WeekDay' }, 3];
      if (rest.startsWith('MST')) return [{ std: 'TZ' }, 3];
      return undefined;
    case '0': {
      const next = rest[1];
      const zeroStd: Record<string, Std> = {
        '1': 'ZeroMonth',
        '2': 'ZeroDay',
        '3': 'ZeroHour12',
        '4': 'ZeroMinute',
        '5': 'ZeroSecond',
        '6': 'Year',
      };
      if (next !== undefined && zeroStd[next]) return [{ std: zeroStd[next] }, 2];
      if (rest.startsWith('002')) return [{ std: 'ZeroYearDay' }, 3];
      return undefined;
    }
    case '1':
      return rest[1] === '5' ? [{ std: 'Hour' }, 2] : [{ std: 'NumMonth' }, 1];
    case '2':
      return rest.startsWith('2006') ? [{ std: 'LongYear' }, 4] : [{ std: 'Day' }, 1];
    case '_':
      if (rest[1] === '2') {
        // "_2006" is a literal underscore followed by a year.
        if (rest.startsWith('_2006')) return undefined;
        return [{ std: 'UnderDay' }, 2];
      }
      if (rest.startsWith('__2')) return [{ std: 'UnderYearDay' }, 3];
      return undefined;
    case '3':
      return [{ std: 'Hour12' }, 1];
    case '4':
      return [{ std: 'Minute' }, 1];
    case '5':
      return [{ std: 'Second' }, 1];
    case 'P':
      return rest[1] === 'M' ? [{ std: 'PM' }, 2] : undefined;
    case 'p':
      return rest[1] === 'm' ? [{ std: 'pm' }, 2] : undefined;
    case '-':
    case 'Z':
      for (const [text, std] of ZONE_CHUNKS) if (rest.startsWith(text)) return [{ std }, text.length];
      return undefined;
    case '.':
    case ',': {
      const digit = rest[1];
      if (digit !== '0' && digit !== '9') return undefined;
      let j = 1;
      while (rest[j] === digit) j++;
      // Only a fraction when the run of digits ends the number.
      if (isDigitAt(rest, j)) return undefined;
      return [{ std: digit === '0' ? 'FracSecond0' : 'FracSecond9', digits: j - 1, sep: layout[i] }, j];
    }
  }
  return undefined;
}

const chunkCache = new BoundedCache<Chunk[]>(200);

export function chunks(layout: string): Chunk[] {
  return chunkCache.get(layout, () => splitLayout(layout));
}

function splitLayout(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = '';
  for (let i = 0; i < layout.length;) {
    const hit = stdAt(layout, i);
    if (hit) {
      if (lit) out.push({ lit });
      lit = '';
      out.push(hit[0]);
      i += hit[1];
    } else {
      lit += layout[i];
      i++;
    }
  }
  if (lit) out.push({ lit });
  return out;
}

/** A moment: whole seconds since the epoch and the nanoseconds within that second. */
export interface Moment {
  seconds: number;
  nanos: number;
}

const pad = (n: number, width: number): string => {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
};

function formatOffset(std: Std, offset: number): string {
  if (std.startsWith('ISO8601') && offset === 0) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor((abs % 3600) / 60), 2);
  const ss = pad(abs % 60, 2);
  switch (std) {
    case 'ISO8601ShortTZ':
    case 'NumShortTZ':
      return sign + hh;
    case 'ISO8601ColonTZ':
    case 'NumColonTZ':
      return `${sign}${hh}:${mm}`;
    case 'ISO8601ColonSecondsTZ':
    case 'NumColonSecondsTZ':
      return `${sign}${hh}:${mm}:${ss}`;
    case 'ISO8601SecondsTZ':
    case 'NumSecondsTZ':
      return sign + hh + mm + ss;
    default:
      return sign + hh + mm;
  }
}

/** Time.Format */
export function formatTime(m: Moment, zone: Zone, layout: string): string {
  const { offset, abbreviation } = zone.at(m.seconds);
  const local = m.seconds + offset;
  const days = Math.floor(local / 86400);
  const secOfDay = local - days * 86400;
  const date = civilFromDays(days);
  const hour = Math.floor(secOfDay / 3600);
  const minute = Math.floor((secOfDay % 3600) / 60);
  const second = secOfDay % 60;
  let out = '';
  for (const c of chunks(layout)) {
    if ('lit' in c) {
      out += c.lit;
      continue;
    }
    switch (c.std) {
      case 'Year':
        out += pad(((date.year % 100) + 100) % 100, 2);
        break;
      case 'LongYear':
        out += pad(date.year, 4);
        break;
      case 'Month':
        out += MONTHS[date.month - 1].slice(0, 3);
        break;
      case 'LongMonth':
        out += MONTHS[date.month - 1];
        break;
      case 'NumMonth':
        out += String(date.month);
        break;
      case 'ZeroMonth':
        out += pad(date.month, 2);
        break;
      case 'WeekDay':
        out += WEEKDAYS[weekday(days)].slice(0, 3);
        break;
      case 'LongWeekDay':
        out += WEEKDAYS[weekday(days)];
        break;
      case 'Day':
        out += String(date.day);
        break;
      case 'UnderDay':
        out += date.day < 10 ? ` ${date.day}` : String(date.day);
        break;
      case 'ZeroDay':
        out += pad(date.day, 2);
        break;
      case 'UnderYearDay':
        out += String(yearDay(date)).padStart(3, ' ');
        break;
      case 'ZeroYearDay':
        out += pad(yearDay(date), 3);
        break;
      case 'Hour':
        out += pad(hour, 2);
        break;
      case 'Hour12':
        out += String(hour % 12 === 0 ? 12 : hour % 12);
        break;
      case 'ZeroHour12':
        out += pad(hour % 12 === 0 ? 12 : hour % 12, 2);
        break;
      case 'Minute':
        out += String(minute);
        break;
      case 'ZeroMinute':
        out += pad(minute, 2);
        break;
      case 'Second':
        out += String(second);
        break;
      case 'ZeroSecond':
        out += pad(second, 2);
        break;
      case 'PM':
        out += hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        out += abbreviation !== '' ? abbreviation : formatOffset('NumTZ', offset);
        break;
      case 'FracSecond0':
        out += c.sep + String(m.nanos).padStart(9, '0').slice(0, c.digits);
        break;
      case 'FracSecond9': {
        const digits = String(m.nanos).padStart(9, '0').slice(0, c.digits).replace(/0+$/, '');
        if (digits) out += c.sep + digits;
        break;
      }
      default:
        out += formatOffset(c.std, offset);
    }
  }
  return out;
}

/** Why a parse failed, phrased like Go's ParseError. */
export class LayoutParseError extends Error {}

const SHORT_DAYS = WEEKDAYS.map((d) => d.slice(0, 3));
const SHORT_MONTHS = MONTHS.map((m) => m.slice(0, 3));

/** Index of the name `value` starts with (ASCII case-insensitive, as Go's lookup), and its length. */
function lookupName(names: string[], value: string): [number, number] | undefined {
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (value.length >= n.length && value.slice(0, n.length).toLowerCase() === n.toLowerCase()) return [i, n.length];
  }
  return undefined;
}

/** Go's getnum: one or two digits (exactly two when `fixed`). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(s, 0)) return undefined;
  if (!isDigitAt(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] | undefined {
  let i = 0;
  while (i < 3 && isDigitAt(s, i)) i++;
  if (i === 0 || (fixed && i !== 3)) return undefined;
  return [Number(s.slice(0, i)), s.slice(i)];
}

/** Nanoseconds from ".123" style text of `n` characters (separator included); at most 9 digits count. */
function parseNanos(value: string, n: number): number | undefined {
  if (value[0] !== '.' && value[0] !== ',') return undefined;
  const digits = value.slice(1, Math.min(n, 10));
  if (!/^[0-9]*$/.test(digits)) return undefined;
  return Number(digits.padEnd(9, '0')) || 0;
}

/** Go's skip: literal layout text must match, where a space matches one or more spaces. */
function skipLiteral(value: string, lit: string): string | undefined {
  let v = value;
  let p = lit;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') return undefined;
      p = p.replace(/^ +/, '');
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) return undefined;
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

/** Length of a zone abbreviation at the start of `value` (Go's parseTimeZone), 0 if none. */
function zoneNameLength(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) return 3 + signedOffsetLength(value.slice(3));
  if (value[0] === '+' || value[0] === '-') return signedOffsetLength(value);
  let upper = 0;
  while (upper < 6 && upper < value.length && value[upper] >= 'A' && value[upper] <= 'Z') upper++;
  if (upper === 3) return 3;
  if (upper === 4 && (value[3] === 'T' || value.startsWith('WITA'))) return 4;
  if (upper === 5 && value[4] === 'T') return 5;
  return 0;
}

function signedOffsetLength(value: string): number {
  const m = /^[+-]([0-9]+)/.exec(value);
  return m && Number(m[1]) <= 23 ? m[0].length : 0;
}

/** time.Parse(layout, value): the instant, in UTC unless the text carries a numeric offset. */
export function parseTime(layout: string, input: string): Moment {
  const bad = (what?: string): never => {
    throw new LayoutParseError(
      `parsing time ${JSON.stringify(input)} as ${JSON.stringify(layout)}${what ? `: ${what}` : ': cannot parse'}`,
    );
  };
  const cs = chunks(layout);
  let value = input;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let zoneOffset: number | undefined;
  const num = (r: [number, string] | undefined): number => {
    if (!r) return bad();
    value = r[1];
    return r[0];
  };
  for (let k = 0; k < cs.length; k++) {
    const c = cs[k];
    if ('lit' in c) {
      value = skipLiteral(value, c.lit) ?? bad();
      continue;
    }
    switch (c.std) {
      case 'Year': {
        if (value.length < 2 || !/^[0-9]{2}/.test(value)) bad();
        const yy = Number(value.slice(0, 2));
        value = value.slice(2);
        year = yy >= 69 ? 1900 + yy : 2000 + yy;
        break;
      }
      case 'LongYear':
        if (!/^[0-9]{4}/.test(value)) bad();
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case 'Month':
      case 'LongMonth': {
        const hit = lookupName(c.std === 'Month' ? SHORT_MONTHS : MONTHS, value) ?? bad();
        month = hit[0] + 1;
        value = value.slice(hit[1]);
        break;
      }
      case 'NumMonth':
      case 'ZeroMonth':
        month = num(getnum(value, c.std === 'ZeroMonth'));
        if (month <= 0 || month > 12) bad('month out of range');
        break;
      case 'WeekDay':
      case 'LongWeekDay': {
        const hit = lookupName(c.std === 'WeekDay' ? SHORT_DAYS : WEEKDAYS, value) ?? bad();
        value = value.slice(hit[1]);
        break;
      }
      case 'Day':
      case 'UnderDay':
      case 'ZeroDay':
        if (c.std === 'UnderDay' && value[0] === ' ') value = value.slice(1);
        day = num(getnum(value, c.std === 'ZeroDay'));
        break;
      case 'UnderYearDay':
      case 'ZeroYearDay':
        for (let i = 0; i < 2; i++) if (c.std === 'UnderYearDay' && value[0] === ' ') value = value.slice(1);
        yday = num(getnum3(value, c.std === 'ZeroYearDay'));
        if (yday < 1 || yday > 366) bad('day-of-year out of range');
        break;
      case 'Hour':
        hour = num(getnum(value, false));
        if (hour >= 24) bad('hour out of range');
        break;
      case 'Hour12':
      case 'ZeroHour12':
        hour = num(getnum(value, c.std === 'ZeroHour12'));
        if (hour > 12) bad('hour out of range');
        break;
      case 'Minute':
      case 'ZeroMinute':
        minute = num(getnum(value, c.std === 'ZeroMinute'));
        if (minute >= 60) bad('minute out of range');
        break;
      case 'Second':
      case 'ZeroSecond': {
        second = num(getnum(value, c.std === 'ZeroSecond'));
        if (second >= 60) bad('second out of range');
        // A fraction in the input with no fraction element next in the layout is still read.
        if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
          const next = cs.slice(k + 1).find((x) => !('lit' in x));
          if (next && 'std' in next && (next.std === 'FracSecond0' || next.std === 'FracSecond9')) break;
          let n = 2;
          while (isDigitAt(value, n)) n++;
          nanos = parseNanos(value, n) ?? bad();
          value = value.slice(n);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const text = value.slice(0, 2);
        const [am, p] = c.std === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
        if (text === p) pm = true;
        else if (text === am) pm = false;
        else bad();
        value = value.slice(2);
        break;
      }
      case 'TZ': {
        if (value.startsWith('UTC')) {
          zoneOffset = 0;
          value = value.slice(3);
          break;
        }
        const n = zoneNameLength(value);
        if (n === 0) bad();
        // A zone name keeps the clock reading as UTC (Go fabricates a zero-offset zone); so does GMT+h.
        value = value.slice(n);
        break;
      }
      case 'FracSecond0': {
        const n = 1 + (c.digits ?? 0);
        if (value.length < n) bad();
        nanos = parseNanos(value, n) ?? bad();
        value = value.slice(n);
        break;
      }
      case 'FracSecond9': {
        if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
        let i = 0;
        while (isDigitAt(value, i + 1)) i++;
        nanos = parseNanos(value, 1 + i) ?? bad();
        value = value.slice(1 + i);
        break;
      }
      default: {
        if (c.std.startsWith('ISO8601') && value[0] === 'Z') {
          zoneOffset = 0;
          value = value.slice(1);
          break;
        }
        zoneOffset = parseOffset(c.std, value, bad);
        value = value.slice(offsetTextLength(c.std));
      }
    }
  }
  if (value.length > 0) bad(`extra text: ${JSON.stringify(value)}`);
  if (pm === true && hour < 12) hour += 12;
  else if (pm === false && hour === 12) hour = 0;
  if (yday >= 0) {
    let d = 0;
    let m = 0;
    let yd = yday;
    if (isLeap(year)) {
      if (yd === 31 + 29) [m, d] = [2, 29];
      else if (yd > 31 + 29) yd--;
    }
    if (yd < 1 || yd > 365) bad('day-of-year out of range');
    if (m === 0) {
      const start = daysFromCivil(2001, 1, 1); // a common year
      const date = civilFromDays(start + yd - 1);
      [m, d] = [date.month, date.day];
    }
    if (month >= 0 && month !== m) bad('day-of-year does not match month');
    if (day >= 0 && day !== d) bad('day-of-year does not match day');
    [month, day] = [m, d];
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) bad('day out of range');
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - (zoneOffset ?? 0);
  return { seconds, nanos };
}

function offsetTextLength(std: Std): number {
  switch (std) {
    case 'ISO8601ColonTZ':
    case 'NumColonTZ':
      return 6;
    case 'ISO8601ShortTZ':
    case 'NumShortTZ':
      return 3;
    case 'ISO8601ColonSecondsTZ':
    case 'NumColonSecondsTZ':
      return 9;
    case 'ISO8601SecondsTZ':
    case 'NumSecondsTZ':
      return 7;
    default:
      return 5;
  }
}

function parseOffset(std: Std, value: string, bad: (what?: string) => never): number {
  const n = offsetTextLength(std);
  if (value.length < n) bad();
  const text = value.slice(0, n);
  let hh: string;
  let mm = '00';
  let ss = '00';
  switch (n) {
    case 6:
      if (text[3] !== ':') bad();
      [hh, mm] = [text.slice(1, 3), text.slice(4, 6)];
      break;
    case 3:
      hh = text.slice(1, 3);
      break;
    case 9:
      if (text[3] !== ':' || text[6] !== ':') bad();
      [hh, mm, ss] = [text.slice(1, 3), text.slice(4, 6), text.slice(7, 9)];
      break;
    case 7:
      [hh, mm, ss] = [text.slice(1, 3), text.slice(3, 5), text.slice(5, 7)];
      break;
    default:
      [hh, mm] = [text.slice(1, 3), text.slice(3, 5)];
  }
  if (![hh, mm, ss].every((x) => /^[0-9]{2}$/.test(x))) bad();
  const [h, m, s] = [Number(hh), Number(mm), Number(ss)];
  // Go uses > rather than >= here: offsets of 24 hours or 60 minutes are written in the wild.
  if (h > 24) bad('time zone offset hour out of range');
  if (m > 60) bad('time zone offset minute out of range');
  if (s > 60) bad('time zone offset second out of range');
  const offset = (h * 60 + m) * 60 + s;
  if (text[0] === '+') return offset;
  if (text[0] === '-') return -offset;
  return bad();
}
