/** Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), valid far beyond JS Date's range. */

const floorDiv = (a: number, b: number): number => Math.floor(a / b);

/** Days since 1970-01-01 of a civil date; month and day may be out of range (they roll over, as in Go's time.Date). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Normalise the month first so that e.g. month 14 is February of the next year.
  const m0 = month - 1;
  const y = year + floorDiv(m0, 12);
  const m = m0 - floorDiv(m0, 12) * 12 + 1;
  // Howard Hinnant's days_from_civil, years starting in March.
  const yy = m <= 2 ? y - 1 : y;
  const era = floorDiv(yy, 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = floorDiv(153 * mp + 2, 5);
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36524) - floorDiv(doe, 146096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Day of the year, 1-based. */
export const yearDay = (d: CivilDate): number => daysFromCivil(d.year, d.month, d.day) - daysFromCivil(d.year, 1, 1) + 1;

/** 0 = Sunday; 1970-01-01 was a Thursday. */
export const weekday = (days: number): number => ((days % 7) + 7 + 4) % 7;

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
