/**
 * Parts of decision log entries that are made once and reused: the timestamp, written once per millisecond.
 */
import { timestampNow } from '../src/decision-log';

test("an entry's timestamp is the current millisecond, as toISOString writes it", () => {
  jest.useFakeTimers({ now: Date.UTC(2026, 11, 6, 3, 4, 5, 678) });
  try {
    expect(timestampNow()).toBe('2026-12-06T03:04:05.678Z');
    expect(timestampNow()).toBe('2026-12-06T03:04:05.678Z');
    jest.setSystemTime(Date.UTC(2026, 11, 6, 3, 4, 5, 679));
    expect(timestampNow()).toBe('2026-12-06T03:04:05.679Z');
    jest.setSystemTime(Date.UTC(2025, 0, 1)); // a clock set back is followed too
    expect(timestampNow()).toBe(new Date().toISOString());
  } finally {
    jest.useRealTimers();
  }
  expect(Math.abs(Date.parse(timestampNow()) - Date.now())).toBeLessThan(1000);
});
