/**
 * The canonical path (request-target.ts): the path each framework routes on, measured against Express 5,
 * @koa/router 15 and Fastify 5 (find-my-way 9) by sending these targets over a socket; the adapter table
 * (test/adapters) sends them to the real servers.
 */
import { MalformedTargetError, requestTarget, type RoutingOptions } from '../src/request-target';

const EXPRESS: RoutingOptions = {}; // Express and @koa/router defaults: case-insensitive, trailing slash ignored
const FASTIFY: RoutingOptions = { caseSensitive: true, strictTrailingSlash: true };

const path = (target: string, routing: RoutingOptions = EXPRESS) => requestTarget(target, routing).path;
const refusal = (target: string, routing: RoutingOptions = EXPRESS): string => {
  try {
    requestTarget(target, routing);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedTargetError);
    expect((error as MalformedTargetError).status).toBe(400);
    return (error as MalformedTargetError).reason;
  }
  throw new Error(`${target} was accepted`);
};

test('origin-form: the path without query or fragment; the query kept apart', () => {
  expect(requestTarget('/orders/7?expand=1&x=%20')).toEqual({ path: '/orders/7', query: 'expand=1&x=%20' });
  expect(requestTarget('/orders/7#frag')).toEqual({ path: '/orders/7', query: undefined });
  expect(requestTarget('/?a=1#f')).toEqual({ path: '/', query: 'a=1' });
  expect(requestTarget('/')).toEqual({ path: '/', query: undefined });
});

test('absolute-form (RFC 9112 §3.2.2): routed on its path, whatever the host', () => {
  expect(path('http://127.0.0.1:3000/admin')).toBe('/admin');
  expect(path('http://evil.example/admin/settings')).toBe('/admin/settings');
  expect(requestTarget('HTTPS://x/admin?y=1')).toEqual({ path: '/admin', query: 'y=1' });
  expect(path('http://user@host:8080/a')).toBe('/a');
  expect(path('http://[::1]:80/a')).toBe('/a');
  expect(path('http://x')).toBe('/');
  expect(requestTarget('http://x?/admin')).toEqual({ path: '/', query: '/admin' });
  expect(path('http://x//admin', FASTIFY)).toBe('//admin');
});

test('targets that are neither origin-form nor http(s) absolute-form, or whose authority is odd, are refused', () => {
  for (const target of ['*', 'admin', 'ftp://x/admin', 'http:/admin', 'javascript://x/admin', ''])
    expect(refusal(target)).toBe('target_form');
  for (const target of ['http://x;y/admin', 'http://x%2f/admin', 'http://a@b@c/admin', 'http://x\\y/admin'])
    expect(refusal(target)).toBe('target_authority');
});

test('case: lower-cased where the router ignores case (Express, @koa/router defaults), kept where it does not', () => {
  for (const target of ['/ADMIN', '/aDmIn', '/Admin']) expect(path(target)).toBe('/admin');
  expect(path('/Admin/settings')).toBe('/admin/settings');
  expect(path('/ADMIN', FASTIFY)).toBe('/ADMIN');
  expect(path('/Admin/Settings', { caseSensitive: true })).toBe('/Admin/Settings');
});

test('percent-escapes are decoded as find-my-way does: all but reserved characters and %', () => {
  expect(path('/%61dmin', FASTIFY)).toBe('/admin');
  expect(path('/adm%69n/%73ettings', FASTIFY)).toBe('/admin/settings');
  expect(path('/%41dmin', FASTIFY)).toBe('/Admin');
  expect(path('/%41dmin')).toBe('/admin');
  expect(path('/caf%C3%A9', FASTIFY)).toBe('/café');
  expect(path('/a%20b', FASTIFY)).toBe('/a b');
  // Reserved characters stay escaped (upper-case hex): decoding %2F would make a segment boundary the router never saw.
  expect(path('/files/a%2fb', FASTIFY)).toBe('/files/a%2Fb');
  expect(path('/a%3Fb%23c%3bd', FASTIFY)).toBe('/a%3Fb%23c%3Bd');
  // %25 is not decoded: /%2561dmin must not become /%61dmin (and /admin to whoever decodes next).
  expect(path('/%2561dmin', FASTIFY)).toBe('/%2561dmin');
});

test('malformed escapes are refused', () => {
  for (const target of ['/admin%', '/admin%zz', '/admin%2', '/%C3', '/%FF', '/%ED%A0%80']) expect(refusal(target)).toBe('target_encoding');
});

test('characters a path may not hold raw are refused', () => {
  for (const target of ['/admin\\..', '/a b', '/a"b', '/a<b>', '/a{b}', '/a|b', '/a^b', '/a`b', '/café', '/a\u0000b'])
    expect(refusal(target)).toBe('target_characters');
  // sub-delims, ":" and "@" are path characters
  expect(path("/a!$&'()*+,;=:@b", FASTIFY)).toBe("/a!$&'()*+,;=:@b");
});

test('dot segments, literal or escaped, are refused: no router resolves them', () => {
  for (const target of [
    '/public/../admin',
    '/public/%2e%2e/admin',
    '/public/%2E%2E/admin',
    '/public/.%2e/admin',
    '/./admin',
    '/admin/.',
    '/admin/..',
    '/..',
    '/admin/../',
  ]) {
    expect(refusal(target)).toBe('target_dot_segment');
  }
  // Not dot segments: dots inside a segment, or more than two.
  expect(path('/files/a..b/.hidden/...', FASTIFY)).toBe('/files/a..b/.hidden/...');
  expect(path('/public/..%2Fadmin', FASTIFY)).toBe('/public/..%2Fadmin');
});

test('a trailing slash is dropped unless the router is strict (Fastify default)', () => {
  expect(path('/admin/')).toBe('/admin');
  expect(path('/ADMIN/')).toBe('/admin');
  expect(path('/admin//')).toBe('/admin/');
  expect(path('/admin/', FASTIFY)).toBe('/admin/');
  expect(path('/')).toBe('/');
});

test('repeated slashes are kept unless the router merges them (Fastify ignoreDuplicateSlashes)', () => {
  expect(path('//admin')).toBe('//admin');
  expect(path('/admin//settings', FASTIFY)).toBe('/admin//settings');
  expect(path('//admin//settings//', { mergeSlashes: true })).toBe('/admin/settings');
  expect(path('//admin//', { ...FASTIFY, mergeSlashes: true })).toBe('/admin/');
});

test('";" is part of the path unless the router ends the path there (Fastify useSemicolonDelimiter)', () => {
  expect(path('/admin;x=1')).toBe('/admin;x=1');
  expect(requestTarget('/admin;x=1', { semicolonEndsPath: true })).toEqual({ path: '/admin', query: 'x=1' });
  expect(requestTarget('/orders/7;x?y=1', { semicolonEndsPath: true })).toEqual({ path: '/orders/7', query: 'x?y=1' });
});

test('a target worked out before gives the same answer under each routing, and a refused one is refused again', () => {
  const routings: RoutingOptions[] = [
    {},
    { caseSensitive: true },
    { strictTrailingSlash: true },
    { mergeSlashes: true },
    { semicolonEndsPath: true },
  ];
  const raw = '//Orders/A;b/?x=1';
  const first = routings.map((routing) => requestTarget(raw, routing));
  expect(first.map((target) => target.path)).toEqual(['//orders/a;b', '//Orders/A;b', '//orders/a;b/', '/orders/a;b', '//orders/a']);
  for (let i = 0; i < routings.length; i++) {
    const again = requestTarget(raw, routings[i]);
    expect(again).toEqual(first[i]);
    expect(Object.isFrozen(again)).toBe(true); // shared between requests
  }
  for (let i = 0; i < 3; i++) expect(() => requestTarget('/a/../admin')).toThrow(MalformedTargetError);
  const long = `/${'a'.repeat(300)}/B`;
  expect(requestTarget(long).path).toBe(long.toLowerCase());
  expect(requestTarget(long, { caseSensitive: true }).path).toBe(long);
});
