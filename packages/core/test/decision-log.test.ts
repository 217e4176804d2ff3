/**
 * Parts of decision log entries: the decision id, the timestamp (written once per millisecond), the secrets results
 * are searched for.
 */
import { newDecisionId, redactInPlace, redactResult, timestampNow } from '../src/decision-log';

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

test('a result is searched for the secrets that hold no other, and still masked wherever any appears', () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl';
  const document = {
    request: {
      http: {
        method: 'GET',
        path: '/',
        headers: { Authorization: `Bearer ${token}`, Cookie: 'session=abcdefghijkl; theme=dark', Accept: '*/*' },
        query: {},
      },
    },
  };
  const { secrets } = redactInPlace(document as never);
  // `Bearer <token>` holds the token, the cookie header holds the values (and what follows its first space); `dark`
  // is too short to search.
  expect(secrets.sort()).toEqual(['abcdefghijkl', 'theme=dark', token].sort());
  const masked: string[] = [];
  const result = redactResult({ echo: `Bearer ${token}`, cookie: 'session=abcdefghijkl; theme=dark', fine: 'dark' }, secrets, masked);
  expect(result).toEqual({ echo: '[REDACTED]', cookie: '[REDACTED]', fine: 'dark' });
  expect(masked.sort()).toEqual(['/result/cookie', '/result/echo']);
});

test('a credential too short to search is searched with its scheme; a value without a scheme whole', () => {
  const document = {
    request: {
      http: {
        method: 'GET',
        path: '/',
        headers: { Authorization: 'Basic abc', 'X-Api-Key': 'k3y-without-scheme', 'Proxy-Authorization': 'Bearer\tlong-enough-credential' },
        query: {},
      },
    },
  };
  const { input, secrets, masked } = redactInPlace(document as never);
  expect(secrets.sort()).toEqual(['Basic abc', 'k3y-without-scheme', 'long-enough-credential']);
  expect((input as typeof document).request.http.headers).toEqual({
    Authorization: 'Basic [REDACTED]',
    'X-Api-Key': '[REDACTED]',
    'Proxy-Authorization': 'Bearer [REDACTED]',
  });
  expect(masked).toHaveLength(3);
  const resultMasks: string[] = [];
  const result = redactResult(
    { a: 'saw Basic abc', b: 'abc', c: 'k3y-without-scheme', d: 'long-enough-credential!' },
    secrets,
    resultMasks,
  );
  expect(result).toEqual({ a: '[REDACTED]', b: 'abc', c: '[REDACTED]', d: '[REDACTED]' });
});

test('decision ids are random UUIDs (version 4, RFC 9562), all different, across refills of their random bytes', () => {
  const ids = Array.from({ length: 5000 }, () => newDecisionId());
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Set(ids).size).toBe(ids.length);
  // Every hexadecimal digit shows up in every random position: nothing is stuck.
  for (const position of [0, 9, 15, 20, 35]) expect(new Set(ids.map((id) => id[position])).size).toBe(16);
});
