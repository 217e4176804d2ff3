/**
 * The input document: a superset of the seed schema, canonical MIME header names, the verified token only.
 */
import type { CoreRequest } from '../src/contract';
import { applyInputHook, buildInput, canonicalHeaderName, canonicalHeaders, normaliseIp } from '../src/input';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../src/json-depth';
import { RateLimitedLog } from '../src/logger';
import { MalformedTargetError } from '../src/request-target';
import type { VerifiedToken } from '../src/verify';

const verified: VerifiedToken = {
  header: { alg: 'RS256', kid: 'rsa-1', typ: 'JWT' },
  payload: { sub: 'alice', scope: 'tickets:read', iss: 'https://issuer.test' },
  issuerLabel: 'issuer',
};

const request: CoreRequest = {
  method: 'post',
  url: '/mcp/tools?page=2&tag=a&tag=b',
  // As Node gives them: lower-case names, set-cookie as an array, duplicates of other headers already joined.
  headers: {
    host: 'mcp.example.com',
    authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig',
    'content-type': 'application/json',
    'user-agent': 'MCP-Client/1.0',
    'x-forwarded-for': '10.0.0.1, 10.0.0.2',
    'set-cookie': ['a=1', 'b=2'],
    'www-authenticate': 'Basic',
    'x-custom-ID': 'x',
  },
  ip: '::ffff:192.168.1.100',
};

test('canonical MIME header names (Go textproto rules)', () => {
  expect(canonicalHeaderName('content-type')).toBe('Content-Type');
  expect(canonicalHeaderName('user-agent')).toBe('User-Agent');
  expect(canonicalHeaderName('AUTHORIZATION')).toBe('Authorization');
  expect(canonicalHeaderName('x-request-id')).toBe('X-Request-Id');
  expect(canonicalHeaderName('www-authenticate')).toBe('Www-Authenticate');
  expect(canonicalHeaderName('bad header')).toBe('bad header');
});

test('an IPv4-mapped IPv6 address is its IPv4 address; other addresses and texts stay as they are', () => {
  expect(normaliseIp('::ffff:203.0.113.195')).toBe('203.0.113.195');
  expect(normaliseIp('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  expect(normaliseIp('::ffff:203.0.113.195')).toBe('203.0.113.195'); // remembered: the same answer
  for (const other of ['10.0.0.1', '::1', '2001:db8::1', '::ffff:10.0.0', `::ffff:10.0.0.1${' '.repeat(40)}`, '::'.repeat(40)])
    expect(normaliseIp(other)).toBe(other);
});

test('repeated values are joined with ", " (also across names differing in case)', () => {
  expect(canonicalHeaders({ 'set-cookie': ['a=1', 'b=2'], 'X-A': '1', 'x-a': '2' })).toEqual({ 'Set-Cookie': 'a=1, b=2', 'X-A': '1, 2' });
});

test('the document matches the seed schema, plus shortcuts and the verified token', () => {
  const input = buildInput(request, verified);
  expect(input).toEqual({
    source: { ip: '192.168.1.100' },
    request: {
      http: {
        host: 'mcp.example.com',
        method: 'POST',
        path: '/mcp/tools',
        raw_target: '/mcp/tools?page=2&tag=a&tag=b',
        headers: {
          Host: 'mcp.example.com',
          Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig',
          'Content-Type': 'application/json',
          'User-Agent': 'MCP-Client/1.0',
          'X-Forwarded-For': '10.0.0.1, 10.0.0.2',
          'Set-Cookie': 'a=1, b=2',
          'Www-Authenticate': 'Basic',
          'X-Custom-Id': 'x',
        },
        query: { page: ['2'], tag: ['a', 'b'] },
      },
    },
    jwt: { header: verified.header, payload: verified.payload },
    method: 'POST',
    path: '/mcp/tools',
  });
});

test('anonymous requests have no jwt member at all', () => {
  const input = buildInput({ method: 'GET', url: '/', headers: {} }, undefined);
  expect('jwt' in input).toBe(false);
  expect(input.request.http).toEqual({ host: '', method: 'GET', path: '/', raw_target: '/', headers: {}, query: {} });
  expect(input.source).toEqual({});
});

describe('the input hook', () => {
  test('may return a new document', async () => {
    const input = buildInput(request, verified);
    const result = await applyInputHook(async (doc) => ({ ...doc, resource: { owner: 'alice' } }), input, { request, token: verified });
    expect(result.resource).toEqual({ owner: 'alice' });
  });

  test('may change the given one and return nothing; it sees the request and the verified token', async () => {
    const input = buildInput(request, verified);
    const seen: unknown[] = [];
    const result = await applyInputHook(
      (doc, context) => {
        seen.push(context.request.url, context.token?.payload.sub);
        doc.risk = { score: 3 };
      },
      input,
      { request, token: verified },
    );
    expect(result.risk).toEqual({ score: 3 });
    expect(seen).toEqual(['/mcp/tools?page=2&tag=a&tag=b', 'alice']);
  });

  test('must produce an object', async () => {
    await expect(applyInputHook(() => 42 as never, buildInput(request, undefined), { request })).rejects.toThrow(/must return an object/);
  });
});

describe('keys chosen by the client', () => {
  test('query parameters named like Object.prototype members are ordinary lists', () => {
    const input = buildInput({ ...request, url: '/x?constructor=1&__proto__=2&toString=3&hasOwnProperty=4&constructor=5' }, undefined);
    const { query } = input.request.http;
    expect(query instanceof Object).toBe(false);
    expect(Object.keys(query)).toEqual(['constructor', '__proto__', 'toString', 'hasOwnProperty']);
    expect(query.constructor).toEqual(['1', '5']);
    expect(query['__proto__']).toEqual(['2']);
    expect(JSON.parse(JSON.stringify(query))).toEqual(
      JSON.parse('{"constructor":["1","5"],"__proto__":["2"],"toString":["3"],"hasOwnProperty":["4"]}'),
    );
  });

  test('header names too, including a __proto__ header (as an object parsed from JSON can hold one)', () => {
    const headers = canonicalHeaders(JSON.parse('{"__proto__":"p","constructor":"c","hasownproperty":"h"}'));
    expect(headers instanceof Object).toBe(false);
    expect(JSON.stringify(headers)).toBe('{"__proto__":"p","Constructor":"c","Hasownproperty":"h"}');
  });

  test('held in plain objects (a document for a decision log alone): the same names and values, as own members', () => {
    const raw = JSON.parse('{"__proto__":["p1","p2"],"constructor":"c","Constructor":"C","x-a":"1"}') as Record<string, string>;
    const headers = canonicalHeaders(raw, 'plain');
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(JSON.stringify(headers)).toBe(JSON.stringify(canonicalHeaders(raw)));
    expect(JSON.stringify(headers)).toBe('{"__proto__":"p1, p2","Constructor":"c, C","X-A":"1"}');
    const input = buildInput(
      { ...request, url: '/x?constructor=1&__proto__=2&toString=3&constructor=5' },
      undefined,
      undefined,
      undefined,
      'plain',
    );
    const { query } = input.request.http;
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(query, '__proto__')?.value).toEqual(['2']);
    expect(JSON.stringify(query)).toBe('{"constructor":["1","5"],"__proto__":["2"],"toString":["3"]}');
    expect(Object.getPrototypeOf(input.request.http.headers)).toBe(Object.prototype);
    expect(Object.prototype).not.toHaveProperty('p1');
  });
});

describe('the path: canonical, with the raw target and the route beside it', () => {
  test('absolute-form, case and a trailing slash: path is what the router matches, raw_target what was received', () => {
    const input = buildInput({ ...request, url: 'http://evil.example/Admin/Settings/?a=1', route: '/admin/settings' }, undefined);
    expect(input.request.http).toMatchObject({
      path: '/admin/settings',
      raw_target: 'http://evil.example/Admin/Settings/?a=1',
      route: '/admin/settings',
      query: { a: ['1'] },
    });
    expect(input.path).toBe('/admin/settings');
  });

  test("the app's own settings are followed", () => {
    const input = buildInput({ ...request, url: '/Admin/', routing: { caseSensitive: true, strictTrailingSlash: true } }, undefined);
    expect(input.path).toBe('/Admin/');
    expect(input.request.http).not.toHaveProperty('route');
  });

  test('a target that cannot be shown faithfully throws a 400', () => {
    expect(() => buildInput({ ...request, url: '/public/../admin' }, undefined)).toThrow(MalformedTargetError);
  });
});

describe('nesting depth of client JSON', () => {
  const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  test('counts object and array levels and stops at the limit', () => {
    expect(nestedDeeperThan(nested(3), 3)).toBe(false);
    expect(nestedDeeperThan(nested(4), 3)).toBe(true);
    expect(nestedDeeperThan({ a: { b: [1] } }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: { b: [{}] } }, 3)).toBe(true);
    expect(nestedDeeperThan('x', 0)).toBe(false);
    expect(nestedDeeperThan(nested(100_000))).toBe(true); // no stack overflow: the walk stops at the limit
    expect(nestedDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
  });
});

describe('RateLimitedLog', () => {
  afterEach(() => jest.useRealTimers());
  test('one record per kind and interval, then the count of those left out', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const written: Array<[object, string | undefined]> = [];
    const log = new RateLimitedLog((fields, message) => written.push([fields, message]), 60_000);
    for (let i = 0; i < 5; i++) log.log('a', { i }, 'm');
    log.log('b', { i: 9 }, 'm');
    expect(written).toEqual([
      [{ i: 0, suppressed_since_last: 0 }, 'm'],
      [{ i: 9, suppressed_since_last: 0 }, 'm'],
    ]);
    jest.setSystemTime(1_000_000 + 60_000);
    log.log('a', { i: 6 }, 'm');
    expect(written[2]).toEqual([{ i: 6, suppressed_since_last: 4 }, 'm']);
  });
});
