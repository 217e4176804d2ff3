/**
 * What a policy's value means (boolean or the seed's object, anything else denies), the response each outcome
 * gets, and the decision log's redaction.
 */
import { decisionOf, denialError, errorOutcome } from '../src/decision';
import { REDACTED, redactInput, redactResult } from '../src/decision-log';
import { buildInput } from '../src/input';

describe('decisionOf', () => {
  test.each([
    ['true', true, true],
    ['false', false, false],
    ['undefined rule', undefined, false],
    ['{allowed: true}', { allowed: true }, true],
    ['{allowed: false}', { allowed: false }, false],
    ['{allowed: "true"} (not a boolean)', { allowed: 'true' }, false],
    ['{} (no allowed)', {}, false],
    ['a number', 1, false],
    ['a string', 'allow', false],
    ['an array', [true], false],
    ['null', null, false],
  ])('%s', (_name, value, allowed) => {
    const decision = decisionOf(value, 'id-1');
    expect(decision).toMatchObject({ allowed, decisionId: 'id-1' });
    expect(decision.result).toBe(value);
  });

  test("messages are read from the seed's object", () => {
    const value = { allowed: false, internal_message: 'no admin role', external_message: 'unauthorized' };
    expect(decisionOf(value, 'id-2')).toEqual({
      allowed: false,
      result: value,
      decisionId: 'id-2',
      internalMessage: 'no admin role',
      externalMessage: 'unauthorized',
    });
    const notText = { allowed: false, external_message: 42, internal_message: '' };
    expect(decisionOf(notText, 'id-3')).toEqual({ allowed: false, result: notText, decisionId: 'id-3' });
  });
});

describe('denials', () => {
  test('with credentials: 403 carrying external_message, never internal_message', () => {
    const outcome = errorOutcome(
      denialError(decisionOf({ allowed: false, external_message: 'admins only', internal_message: 'secret reason' }, 'id-4'), true),
      'api',
    );
    expect(outcome.status).toBe(403);
    expect(outcome.body).toEqual({ error: 'insufficient_scope', error_description: 'admins only' });
    expect(JSON.stringify(outcome)).not.toContain('secret reason');
  });

  test('without credentials: 401 with a bare challenge (a token could change the answer)', () => {
    const outcome = errorOutcome(denialError({}, false), 'api');
    expect(outcome.status).toBe(401);
    expect(outcome.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
  });
});

describe('decision log redaction', () => {
  test('credentials are replaced and listed in `masked`; claims and other headers stay', () => {
    const input = buildInput(
      {
        method: 'GET',
        url: '/x?access_token=abc&page=1',
        headers: {
          authorization: 'Bearer abc.def.ghi',
          cookie: 'session=s3cr3t',
          'x-api-key': 'k3y',
          'x-auth-token': 't0k',
          accept: 'application/json',
        },
      },
      { header: { alg: 'RS256' }, payload: { sub: 'alice' }, issuerLabel: 'issuer' },
    );
    const { input: logged, masked } = redactInput(input);
    const text = JSON.stringify(logged);
    for (const secret of ['abc.def.ghi', 's3cr3t', 'k3y', 't0k', 'access_token=abc']) expect(text).not.toContain(secret);
    expect(logged).toMatchObject({
      request: {
        http: {
          headers: { Authorization: `Bearer ${REDACTED}`, Cookie: REDACTED, Accept: 'application/json' },
          query: { access_token: [REDACTED], page: ['1'] },
          raw_target: `/x?access_token=${REDACTED}&page=1`,
        },
      },
      jwt: { payload: { sub: 'alice' } },
    });
    expect(masked.sort()).toEqual([
      '/input/request/http/headers/Authorization',
      '/input/request/http/headers/Cookie',
      '/input/request/http/headers/X-Api-Key',
      '/input/request/http/headers/X-Auth-Token',
      '/input/request/http/query/access_token',
      '/input/request/http/raw_target',
    ]);
    // The policy's own input is untouched.
    expect(input.request.http.headers.Authorization).toBe('Bearer abc.def.ghi');
  });

  test('the raw target: a percent-encoded secret name is redacted too, a query naming no secret is left as it is', () => {
    const logged = (url: string) => {
      const input = buildInput({ method: 'GET', url, headers: {} }, undefined);
      return (redactInput(input).input as { request: { http: { raw_target: string } } }).request.http.raw_target;
    };
    expect(logged('/x?%61ccess_%74oken=abc&page=1')).toBe(`/x?%61ccess_%74oken=${REDACTED}&page=1`);
    expect(logged('/x?API_TOKEN=abc')).toBe(`/x?API_TOKEN=${REDACTED}`);
    expect(logged('/x?page=1&q=a+b')).toBe('/x?page=1&q=a+b');
    // A secret word as a value, not a name: nothing to redact.
    expect(logged('/x?q=token')).toBe('/x?q=token');
  });
});

test('a result with a __proto__ member keeps it as a member when scrubbed for the log', () => {
  const result = JSON.parse('{"allowed":true,"__proto__":{"token":"abc.def.ghi-secret"}}');
  const masked: string[] = [];
  const scrubbed = redactResult(result, ['abc.def.ghi-secret'], masked);
  expect(JSON.stringify(scrubbed)).toBe(`{"allowed":true,"__proto__":{"token":"${REDACTED}"}}`);
  expect(masked).toEqual(['/result/__proto__/token']);
});
