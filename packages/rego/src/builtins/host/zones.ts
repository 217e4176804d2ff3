/**
 * Time zones as Go's time.LoadLocation names them ("UTC", "Local", IANA names such as "Europe/Paris"
 * or "CET"), resolved with the ICU data built into Node (Intl), so no tzdata files are needed.
 */
import { daysFromCivil } from './calendar';

export interface ZoneInfo {
  /** seconds east of UTC */
  offset: number;
  /** abbreviation as Go prints it for MST in layouts, e.g. "UTC", "CET", "+0530" */
  abbreviation: string;
}

export interface Zone {
  name: string;
  at(unixSeconds: number): ZoneInfo;
}

export const UTC: Zone = { name: 'UTC', at: () => ({ offset: 0, abbreviation: 'UTC' }) };

const PART_ORDER = ['year', 'month', 'day', 'hour', 'minute', 'second'] as const;

/** Intl's "GMT+5:30" style names become what tzdata uses for unnamed offsets ("+0530", "+01"). */
function goAbbreviation(intlName: string, offset: number): string {
  if (/^[A-Z]{3,5}$/.test(intlName)) return intlName;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

function intlZone(name: string, ianaName: string): Zone {
  const fields = new Intl.DateTimeFormat('en-US', {
    timeZone: ianaName,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  let names: Intl.DateTimeFormat | undefined;
  return {
    name,
    at(unixSeconds: number): ZoneInfo {
      const ms = unixSeconds * 1000;
      const parts = fields.formatToParts(new Date(ms));
      const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
      const values = PART_ORDER.map(get);
      // Years before year 1 come out as "n BC".
      if (parts.find((p) => p.type === 'era')?.value === 'BC') values[0] = 1 - values[0];
      const [year, month, day, hour, minute, second] = values;
      const localSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
      const offset = localSeconds - Math.floor(unixSeconds);
      names ??= new Intl.DateTimeFormat('en-US', { timeZone: ianaName, timeZoneName: 'short' });
      const intlName = names.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
      return { offset, abbreviation: goAbbreviation(intlName, offset) };
    },
  };
}

const zones = new Map<string, Zone>();

/** The zone Go's LoadLocation would give for `name`, or undefined for an unknown name. */
export function loadZone(name: string): Zone | undefined {
  if (name === '' || name === 'UTC') return UTC;
  let zone = zones.get(name);
  if (zone) return zone;
  const iana = name === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  try {
    zone = intlZone(name, iana);
  } catch {
    return undefined;
  }
  zones.set(name, zone);
  return zone;
}
