/**
 * Parts of decision log entries: the decision id, the timestamp (written once per millisecond, as toISOString
 * writes it), the credential's scheme kept, the secrets results are searched for (a frozen result's strings found
 * once), the plain objects an entry is made of.
 */
import { authorizationScheme, newDecisionId, REDACTED, redactInPlace, redactResult, rfc3339, timestampNow } from '../src/decision-log';
import { deepFreeze } from '../src/deep-freeze';
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

test('timestamps are written as toISOString writes them, in every year it writes with four digits and beyond', () => {
  const day = 86_400_000;
  const edges = [
    0,
    -1,
    day - 1,
    -day,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999), // a leap day of a century divisible by 400
    Date.UTC(2100, 2, 1), // a century that is not a leap year
    Date.UTC(1969, 11, 31, 23, 59, 59, 999),
    new Date(0).setUTCFullYear(0, 0, 1),
    new Date(0).setUTCFullYear(0, 0, 1) - 1, // year -1: six digits and a sign
    new Date(0).setUTCFullYear(9999, 11, 31) + day - 1,
    new Date(0).setUTCFullYear(10000, 0, 1),
    8.64e15,
  ];
  // Every day of 1999–2001 at a changing time of day, and a spread over the whole range.
  for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2002, 0, 1); ms += day + 3_723_001) edges.push(ms);
  for (let i = 0; i < 1000; i++) edges.push(Math.round(-8.64e15 + (i * 2 * 8.64e15) / 1000) + i * 1_234_567);
  for (const ms of edges) expect([ms, rfc3339(ms)]).toEqual([ms, new Date(ms).toISOString()]);
});

test('the scheme of a credential is read as /^(\\S+)\\s+(?=\\S)/ reads it, for every kind of white space', () => {
  const pattern = /^(\S+)\s+(?=\S)/;
  const spaces = [
    ' ',
    '\t',
    '\n',
    '\v',
    '\f',
    '\r',
    '\u00a0',
    '\u1680',
    '\u2000',
    '\u200a',
    '\u2028',
    '\u2029',
    '\u202f',
    '\u205f',
    '\u3000',
    '\ufeff',
  ];
  const others = ['\u0085', '\u200b', '\u180e', 'x', '\u0000'];
  const values = ['', 'Bearer', 'Bearer ', ' Bearer x', 'Bearer  abc', 'Basic dXNlcg==', 'a b c'];
  for (const space of [...spaces, ...others])
    values.push(`Bearer${space}token`, `Bearer${space}${space}`, `${space}x y`, `DPoP${space} ${space}t`);
  for (const value of values) {
    const match = pattern.exec(value);
    expect([value, authorizationScheme(value)]).toEqual([value, match ? { name: match[1], end: match[0].length } : undefined]);
  }
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

test('a frozen result is searched by the strings it holds, found once; one that can change is searched afresh', () => {
  const secret = 'abcdefghijkl';
  const frozen = deepFreeze({ allowed: true, reasons: [{ text: `saw ${secret}` }], n: 1 });
  expect(redactResult(frozen, [secret], [])).toEqual({ allowed: true, reasons: [{ text: REDACTED }], n: 1 });
  expect(redactResult(frozen, ['other-secret'], [])).toBe(frozen); // the same result, another request's secrets
  expect(redactResult(frozen, [secret], [])).not.toBe(frozen);
  const open: { text: string } = { text: 'nothing' };
  expect(redactResult(open, [secret], [])).toBe(open);
  open.text = secret;
  expect(redactResult(open, [secret], [])).toEqual({ text: REDACTED });
  // Frozen on top, not below: what is below can change.
  const child = { text: 'nothing' };
  const shallow = Object.freeze({ child });
  expect(redactResult(shallow, [secret], [])).toBe(shallow);
  child.text = secret;
  expect(redactResult(shallow, [secret], [])).toEqual({ child: { text: REDACTED } });
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
