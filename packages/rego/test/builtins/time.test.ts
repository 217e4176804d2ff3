/** time.* with the expectations of OPA's reference and the shared conformance cases. */
import { call, callError } from './helpers';

// 2023-12-24T18:58:45.73439Z, a Sunday; written as the policy would (more digits than a double keeps).
const NS = 1703444325734390000;
// 2009-11-10T23:00:00Z, a Tuesday.
const GO_BIRTHDAY = 1257894000000000000;

/** Runs `fn` as one evaluation: the SDK calls host builtins synchronously, so a microtask ends it. */
const nextEvaluation = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('time.now_ns', () => {
  it('is the wall clock in ns, one value per evaluation', async () => {
    const before = Date.now() * 1e6;
    const first = call('time.now_ns') as number;
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThanOrEqual(Date.now() * 1e6);
    // Same evaluation (same synchronous run): same value, even after time has passed.
    const spin = Date.now() + 3;
    while (Date.now() < spin);
    expect(call('time.now_ns')).toBe(first);
    await nextEvaluation();
    expect(call('time.now_ns')).toBeGreaterThan(first);
  });
});

describe('parsing', () => {
  it('time.parse_rfc3339_ns', () => {
    expect(call('time.parse_rfc3339_ns', '1985-04-12T23:20:50.52Z')).toBe(482196050520000000);
    expect(call('time.parse_rfc3339_ns', '1996-12-19T16:39:57-08:00')).toBe(851042397000000000);
    expect(call('time.parse_rfc3339_ns', '2009-11-10T23:00:00Z')).toBe(GO_BIRTHDAY);
    expect(callError('time.parse_rfc3339_ns', '2009-11-10').message).toMatch(/parsing time/);
    expect(callError('time.parse_rfc3339_ns', '2009-11-31T00:00:00Z').message).toMatch(/day out of range/);
    expect(call('time.parse_rfc3339_ns', 482196050520000000)).toBeUndefined();
  });

  it("time.parse_ns with Go layouts and OPA's named layouts", () => {
    expect(call('time.parse_ns', '2006-01-02T15:04:05', '2016-05-10T19:06:42')).toBe(1462907202000000000);
    expect(call('time.parse_ns', '2006-01-02 15:04:05', '2015-09-05 23:56:04')).toBe(1441497364000000000);
    expect(call('time.parse_ns', '2006-01-02', '2020-02-02')).toBe(1580601600000000000);
    expect(call('time.parse_ns', 'RFC822Z', '10 Nov 09 23:00 +0000')).toBe(GO_BIRTHDAY);
    expect(call('time.parse_ns', 'Mon Jan _2 15:04:05 2006', 'Tue Nov 10 23:00:00 2009')).toBe(GO_BIRTHDAY);
    expect(call('time.parse_ns', '02/01/2006 3:04PM', '10/11/2009 11:00PM')).toBe(GO_BIRTHDAY);
    expect(call('time.parse_ns', '2006-01-02T15:04:05.000Z07:00', '2009-11-11T01:00:00.000+02:00')).toBe(GO_BIRTHDAY);
    // A fraction in the input is read after seconds even when the layout has none.
    expect(call('time.parse_ns', '2006-01-02 15:04:05', '2009-11-10 23:00:00.5')).toBe(GO_BIRTHDAY + 500000000);
    // Zone names do not move the instant (Go fabricates a zero-offset zone).
    expect(call('time.parse_ns', 'UnixDate', 'Tue Nov 10 23:00:00 PST 2009')).toBe(GO_BIRTHDAY);
    expect(callError('time.parse_ns', '2006-01-02', '2020-13-01').message).toMatch(/month out of range/);
    expect(callError('time.parse_ns', '2006-01-02', '2020-01-01 extra').message).toMatch(/extra text/);
  });

  it('formats and parses back', () => {
    const text = call('time.format', [NS, 'UTC', '2006-01-02T15:04:05.999999999']) as string;
    expect(text).toBe('2023-12-24T18:58:45.73439');
    expect(call('time.parse_ns', '2006-01-02T15:04:05.999999999', text)).toBe(NS);
  });

  it('time.parse_duration_ns', () => {
    expect(call('time.parse_duration_ns', '1h')).toBe(3600000000000);
    expect(call('time.parse_duration_ns', '15ms')).toBe(15000000);
    expect(call('time.parse_duration_ns', '1h6m13.3s20ms15µs1ns')).toBe(3973320015001);
    expect(call('time.parse_duration_ns', '1.2h20.2ms15µs56ns')).toBe(4320020215056);
    expect(call('time.parse_duration_ns', '45.67s123ms')).toBe(45793000000);
    expect(call('time.parse_duration_ns', '15.000001ms')).toBe(15000001);
    expect(call('time.parse_duration_ns', '-1.5h')).toBe(-5400000000000);
    expect(call('time.parse_duration_ns', '0')).toBe(0);
    expect(call('time.parse_duration_ns', '2us')).toBe(2000);
    expect(callError('time.parse_duration_ns', '1d').message).toMatch(/invalid duration/);
    expect(callError('time.parse_duration_ns', '').message).toMatch(/invalid duration/);
    expect(callError('time.parse_duration_ns', '1hr').message).toMatch(/invalid duration/);
  });
});

describe('calendar fields', () => {
  it('time.date, time.clock, time.weekday in UTC and in zones', () => {
    expect(call('time.date', NS)).toEqual([2023, 12, 24]);
    expect(call('time.date', [GO_BIRTHDAY, 'UTC'])).toEqual([2009, 11, 10]);
    expect(call('time.date', [1703896119423491000, ''])).toEqual([2023, 12, 30]);
    expect(call('time.clock', NS)).toEqual([18, 58, 45]);
    expect(call('time.clock', [NS, 'CET'])).toEqual([19, 58, 45]);
    expect(call('time.clock', [NS, 'America/New_York'])).toEqual([13, 58, 45]);
    expect(call('time.clock', [NS, 'Asia/Kolkata'])).toEqual([0, 28, 45]);
    expect(call('time.date', [NS, 'Asia/Kolkata'])).toEqual([2023, 12, 25]);
    expect(call('time.clock', [NS, 'Local'])).toHaveLength(3);
    expect(call('time.weekday', NS)).toBe('Sunday');
    expect(call('time.weekday', [GO_BIRTHDAY, ''])).toBe('Tuesday');
    expect(call('time.weekday', -1)).toBe('Wednesday');
    expect(call('time.date', -1)).toEqual([1969, 12, 31]);
    expect(callError('time.date', [NS, 'Mars/Olympus']).message).toMatch(/unknown time zone/);
    expect(call('time.date', '1703444325734390000')).toBeUndefined();
  });

  it('time.format with the default layout, named layouts and zones', () => {
    expect(call('time.format', GO_BIRTHDAY)).toBe('2009-11-10T23:00:00Z');
    expect(call('time.format', NS)).toBe('2023-12-24T18:58:45.73439Z');
    expect(call('time.format', [NS, 'UTC', '2006-01-02T15:04:05'])).toBe('2023-12-24T18:58:45');
    expect(call('time.format', [GO_BIRTHDAY, '', '02/01/2006 15:04'])).toBe('10/11/2009 23:00');
    expect(call('time.format', [GO_BIRTHDAY, 'UTC', 'RFC1123'])).toBe('Tue, 10 Nov 2009 23:00:00 UTC');
    expect(call('time.format', [GO_BIRTHDAY, 'Europe/Paris', 'RFC3339'])).toBe('2009-11-11T00:00:00+01:00');
    expect(call('time.format', [GO_BIRTHDAY, 'America/Los_Angeles', 'Mon Jan _2 3:04PM MST 2006'])).toBe('Tue Nov 10 3:00PM PST 2009');
    expect(call('time.format', [GO_BIRTHDAY, 'UTC', 'Monday January 2 __2 002 .000 pm -07'])).toBe(
      'Tuesday November 10 314 314 .000 pm +00',
    );
  });

  it('time.add_date normalises like Go and is undefined out of the int64 range', () => {
    expect(call('time.add_date', NS, 0, 0, 0)).toBe(NS);
    expect(call('time.add_date', NS, 1, 0, 0)).toBe(1735066725734390000);
    expect(call('time.add_date', NS, -60, 0, 0)).toBe(-190011674265610000);
    expect(call('time.add_date', NS, 0, -15, 0)).toBe(1664045925734390000);
    expect(call('time.add_date', NS, 0, 0, 37)).toBe(1706641125734390000);
    expect(call('time.add_date', NS, 213, 6, 5)).toBe(8441261925734390000);
    expect(call('time.add_date', NS, -10, -14, -75)).toBe(1344625125734390000);
    expect(call('time.add_date', NS, 2147483647, 0, 0)).toBeUndefined();
    expect(call('time.add_date', NS, -2147483647, 0, 0)).toBeUndefined();
    // October 31 + 1 month is December 1 (November 31 rolls over).
    const oct31 = call('time.parse_rfc3339_ns', '2021-10-31T00:00:00Z');
    expect(call('time.format', call('time.add_date', oct31, 0, 1, 0))).toBe('2021-12-01T00:00:00Z');
  });

  it('time.diff', () => {
    expect(call('time.diff', NS, GO_BIRTHDAY)).toEqual([14, 1, 13, 19, 58, 45]);
    expect(call('time.diff', GO_BIRTHDAY, NS)).toEqual([14, 1, 13, 19, 58, 45]);
    expect(call('time.diff', [NS, 'UTC'], [GO_BIRTHDAY, ''])).toEqual([14, 1, 13, 19, 58, 45]);
    const feb2 = call('time.parse_ns', '2006-01-02', '2020-02-02');
    const mar1 = call('time.parse_ns', '2006-01-02', '2020-03-01');
    expect(call('time.diff', feb2, mar1)).toEqual([0, 0, 28, 0, 0, 0]);
  });
});
