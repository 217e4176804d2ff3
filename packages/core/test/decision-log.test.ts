/**
 * Parts of decision log entries: the decision id, the timestamp (written once per millisecond), the secrets results
 * are searched for, the plain objects an entry is made of.
 */
import { newDecisionId, REDACTED, redactInPlace, redactResult, timestampNow } from '../src/decision-log';
import { buildInput } from '../src/input';

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

test("an entry's headers, query and scrubbed result are plain objects, names the client chose (__proto__) their members", () => {
  const headers = JSON.parse('{"__proto__":"p","authorization":"Bearer abcdefghijkl","accept":"*/*"}') as Record<string, string>;
  const document = buildInput({ method: 'GET', url: '/x?__proto__=1&access_token=secret-value&constructor=2', headers }, undefined);
  // The document's own have no Object.prototype (input.ts); the entry's are as JSON.parse makes them.
  expect(Object.getPrototypeOf(document.request.http.headers)).not.toBe(Object.prototype);
  const { input, masked, secrets } = redactInPlace(document);
  const http = (input as typeof document).request.http;
  for (const record of [http.headers, http.query]) expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  expect(Object.keys(http.headers)).toEqual(['__proto__', 'Authorization', 'Accept']);
  expect(JSON.stringify(http.headers)).toBe(`{"__proto__":"p","Authorization":"Bearer ${REDACTED}","Accept":"*/*"}`);
  expect(JSON.stringify(http.query)).toBe(`{"__proto__":["1"],"access_token":["${REDACTED}"],"constructor":["2"]}`);
  expect(masked).toEqual([
    '/input/request/http/headers/Authorization',
    '/input/request/http/query/access_token',
    '/input/request/http/raw_target',
  ]);
  expect(secrets.sort()).toEqual(['abcdefghijkl', 'secret-value']);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();

  const resultMasks: string[] = [];
  const result = redactResult(JSON.parse('{"__proto__":{"echo":"abcdefghijkl"},"ok":true}'), secrets, resultMasks) as object;
  expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  expect(JSON.stringify(result)).toBe(`{"__proto__":{"echo":"${REDACTED}"},"ok":true}`);
  expect(resultMasks).toEqual(['/result/__proto__/echo']);
});

test('a scheme or a parameter name too long to be remembered is redacted all the same', () => {
  const scheme = `X-${'s'.repeat(80)}`;
  const name = `token_${'n'.repeat(80)}`;
  const document = {
    request: {
      http: { method: 'GET', path: '/', headers: { Authorization: `${scheme} long-enough-credential` }, query: { [name]: ['v'] } },
    },
  };
  const { input, masked } = redactInPlace(document as never);
  expect((input as typeof document).request.http).toEqual({
    method: 'GET',
    path: '/',
    headers: { Authorization: `${scheme} ${REDACTED}` },
    query: { [name]: [REDACTED] },
  });
  expect(masked).toEqual(['/input/request/http/headers/Authorization', `/input/request/http/query/${name}`]);
});

test('a document an input hook left without headers, or with a list for them, is logged as it is', () => {
  for (const headers of [undefined, ['Accept: */*']]) {
    const document = { request: { http: { method: 'GET', path: '/', headers, query: undefined } } };
    const { input, masked } = redactInPlace(document as never);
    expect((input as typeof document).request.http).toEqual({ method: 'GET', path: '/', headers, query: undefined });
    expect(masked).toEqual([]);
  }
});
