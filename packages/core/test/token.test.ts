/**
 * Token extraction (RFC 6750 §2) and the error responses of RFC 6750 §3.
 */
import type { CoreRequest } from '../src/contract';
import { errorOutcome } from '../src/decision';
import {
  bearerChallenge,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeysUnavailableError,
  UnauthorizedError,
} from '../src/errors';
import type { BearerMethod } from '../src/token';
import { extractToken } from '../src/token';
import { VerifiedTokenCache } from '../src/token-cache';

const HEADER_ONLY = new Set<BearerMethod>(['header']);
const ALL = new Set<BearerMethod>(['header', 'query', 'body']);

function req(parts: Partial<CoreRequest> = {}): CoreRequest {
  return { method: 'GET', url: '/x', headers: {}, ...parts };
}

describe('extractToken', () => {
  test('no credentials at all', () => {
    expect(extractToken(req(), HEADER_ONLY)).toBeUndefined();
  });

  test('Authorization: Bearer, scheme case-insensitive', () => {
    expect(extractToken(req({ headers: { authorization: 'Bearer abc.def.ghi' } }), HEADER_ONLY)).toEqual({
      token: 'abc.def.ghi',
      method: 'header',
    });
    expect(extractToken(req({ headers: { authorization: 'bearer abc.def.ghi' } }), HEADER_ONLY)?.token).toBe('abc.def.ghi');
  });

  test('another scheme is not a bearer token (Basic client authentication)', () => {
    expect(extractToken(req({ headers: { authorization: 'Basic YTpi' } }), HEADER_ONLY)).toBeUndefined();
  });

  test('a Bearer header without a usable token is a 400 invalid_request', () => {
    expect(() => extractToken(req({ headers: { authorization: 'Bearer' } }), HEADER_ONLY)).toThrow(InvalidRequestError);
    expect(() => extractToken(req({ headers: { authorization: 'Bearer a b' } }), HEADER_ONLY)).toThrow(InvalidRequestError);
  });

  // The common `Bearer <token>` takes a fast path; every other spelling goes through the general parse. Both must
  // agree: a list of spellings and what each must give.
  test.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['Bearer abc.def.ghi==', 'abc.def.ghi=='],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER abc.def.ghi', 'abc.def.ghi'],
    ['Bearer  abc.def.ghi', 'abc.def.ghi'],
    ['  Bearer abc.def.ghi  ', 'abc.def.ghi'],
    ['Bearer\tabc.def.ghi', 'abc.def.ghi'],
    ['Bearer abc.d=ef.ghi', InvalidRequestError],
    ['Bearer abc def', InvalidRequestError],
    ['Bearer ', InvalidRequestError],
    ['Bearerabc.def.ghi', undefined],
    ['Basic abc.def.ghi', undefined],
  ] as const)('Authorization: %j', (header, expected) => {
    const extract = () => extractToken(req({ headers: { authorization: header } }), HEADER_ONLY)?.token;
    if (expected === InvalidRequestError) expect(extract).toThrow(InvalidRequestError);
    else expect(extract()).toBe(expected);
  });

  // A token remembered by the verifier skips the header's syntax check: the same answers, for tokens remembered
  // from the header and from elsewhere (a query token need not be a b64token), expired or not.
  test('a remembered token changes no answer', () => {
    const cache = new VerifiedTokenCache(10);
    const verified = { header: { alg: 'RS256' }, payload: {}, issuerLabel: 'issuer' };
    const remembered = ['abc.def.ghi', 'abc.d=ef.ghi', 'abc def', 'a\u00e9b', ' abc.def.ghi', 'abc.def.ghi==', ''];
    for (const token of remembered) cache.set(token, verified, 0, 1);
    const known = (authorization: string) => cache.bearerToken(authorization);
    expect(known('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(known('Bearer abc def')).toBeUndefined();
    const headers = [
      'Bearer',
      'bearer abc.def.ghi',
      '  Bearer abc.def.ghi  ',
      'Bearer  abc.def.ghi',
      'Bearer abc.def.ghi ',
      'Bearer\tabc.def.ghi',
    ];
    for (const token of remembered) headers.push(`Bearer ${token}`, `bearer ${token}`, `Bearer ${token}x`);
    for (const authorization of headers) {
      const request = req({ headers: { authorization } });
      const outcome = (extract: () => unknown) => {
        try {
          return extract();
        } catch (error) {
          return error;
        }
      };
      expect(outcome(() => extractToken(request, HEADER_ONLY, known))).toEqual(outcome(() => extractToken(request, HEADER_ONLY)));
    }
  });

  test('query and body tokens only when enabled; a disabled method is a 400, not silently ignored', () => {
    const query = req({ url: '/x?access_token=abc' });
    expect(() => extractToken(query, HEADER_ONLY)).toThrow(/query string are not accepted/);
    expect(extractToken(query, ALL)).toEqual({ token: 'abc', method: 'query' });

    const form = req({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: { access_token: 'abc' } });
    expect(() => extractToken(form, HEADER_ONLY)).toThrow(/form body are not accepted/);
    expect(extractToken(form, ALL)).toEqual({ token: 'abc', method: 'body' });
    // RFC 6750 §2.2: only form-encoded bodies, never GET (however the method is spelled).
    for (const method of ['GET', 'get', 'Head']) expect(extractToken({ ...form, method }, ALL)).toBeUndefined();
    expect(
      extractToken(req({ method: 'POST', headers: { 'content-type': 'application/json' }, body: { access_token: 'abc' } }), ALL),
    ).toBeUndefined();
    expect(
      extractToken(req({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'access_token=abc' }), ALL)
        ?.token,
    ).toBe('abc');
  });

  test('two methods at once is a 400 invalid_request (RFC 6750 §2)', () => {
    const both = req({ url: '/x?access_token=abc', headers: { authorization: 'Bearer abc' } });
    expect(() => extractToken(both, ALL)).toThrow(/more than one token/);
    expect(() => extractToken(both, HEADER_ONLY)).toThrow(InvalidRequestError);
    expect(() => extractToken(req({ url: '/x?access_token=a&access_token=b' }), ALL)).toThrow(/more than one token/);
    // A name spelled with escapes is the same parameter.
    const escaped = req({ url: '/x?page=2&acc%65ss_token=abc', headers: { authorization: 'Bearer abc' } });
    expect(() => extractToken(escaped, ALL)).toThrow(/more than one token/);
    expect(extractToken(req({ url: '/x?page=2&access%5Ftoken=abc' }), ALL)).toEqual({ token: 'abc', method: 'query' });
    expect(extractToken(req({ url: '/x?page=2&tokens=access', headers: { authorization: 'Bearer abc' } }), ALL)).toEqual({
      token: 'abc',
      method: 'header',
    });
  });
});

describe('error responses (RFC 6750 §3)', () => {
  test('no credentials: a bare challenge', () => {
    const outcome = errorOutcome(new UnauthorizedError(), 'api');
    expect(outcome.status).toBe(401);
    expect(outcome.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    expect(outcome.body).toEqual({ error: 'unauthorized', error_description: 'a bearer token is required' });
  });

  test('a bad token: invalid_token with a description', () => {
    const outcome = errorOutcome(new InvalidTokenError('expired', 'the token has expired'), 'api');
    expect(outcome.status).toBe(401);
    expect(outcome.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="the token has expired"',
    );
    expect(outcome.headers['Cache-Control']).toBe('no-store');
  });

  test('two methods: 400 invalid_request', () => {
    const outcome = errorOutcome(new InvalidRequestError('more than one token'), 'api');
    expect(outcome.status).toBe(400);
    expect(outcome.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/);
  });

  test('a policy denial: 403 insufficient_scope', () => {
    const outcome = errorOutcome(new InsufficientScopeError('admins only'), 'api');
    expect(outcome.status).toBe(403);
    expect(outcome.body).toEqual({ error: 'insufficient_scope', error_description: 'admins only' });
  });

  test('unavailable keys: 503 with Retry-After, no challenge', () => {
    const outcome = errorOutcome(new KeysUnavailableError('keys unavailable', 12.2), 'api');
    expect(outcome.status).toBe(503);
    expect(outcome.headers['Retry-After']).toBe('13');
    expect(outcome.headers['WWW-Authenticate']).toBeUndefined();
  });

  test('descriptions cannot break out of the quoted string', () => {
    expect(bearerChallenge('a"b', 'invalid_token', 'say "hi"\\ \u00e9\r\n')).toBe(
      'Bearer realm="a\'b", error="invalid_token", error_description="say \'hi\'/ ???"',
    );
  });
});
