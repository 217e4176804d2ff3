/**
 * `DEBUG=opa-jwt`: a debug record of each refusal and why (the failed check with expected and actual values for a
 * 401, the decision for a 403), never the token; and policy results of the wrong shape, reported once per shape and
 * entrypoint. Real keys and JWKS on 127.0.0.1, Rego compiled by @opa-jwt/rego, the stock OPA Wasm SDK.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CoreRequest } from '../src/contract';
import { createAuthorizer } from '../src/authorizer';
import { debugEnabled } from '../src/debug';
import type { AuthorizerOptions } from '../src/options';
import { ResultShapeWarnings, wrongShape } from '../src/result-shape';
import { AUDIENCE, recordingLogger, startIssuer, type Recorded, type TestIssuer } from '../../../test/support/issuer';

const POLICY = `package app

import rego.v1

default allow := false

allow if "admin" in input.jwt.payload.roles

default decision := {"allowed": false, "external_message": "admins only", "internal_message": "no admin role in token"}

decision := {"allowed": true} if allow

number := 1

text := "yes"

allowed_string := {"allowed": "true"}

no_allowed := {"reason": "x"}

list := [true]

never if false

shifty := "yes" if input.request.http.path == "/a"

shifty := 1 if input.request.http.path == "/b"
`;

let issuer: TestIssuer;
let dir: string;
let policy: string;
const savedDebug = process.env.DEBUG;

beforeAll(async () => {
  issuer = await startIssuer();
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-debug-'));
  policy = path.join(dir, 'app.rego');
  writeFileSync(policy, POLICY);
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  if (savedDebug === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = savedDebug;
});

async function authorizerWith(debug: string | undefined, options: Partial<AuthorizerOptions> = {}, withLogger = true) {
  if (debug === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = debug;
  const { logger, records } = recordingLogger();
  const authorizer = createAuthorizer({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    policy,
    entrypoint: 'app/decision',
    ...(withLogger ? { logger } : {}),
    ...options,
  });
  await authorizer.ready();
  return { authorizer, records };
}

const request = (token?: string, url = '/'): CoreRequest => ({
  method: 'GET',
  url,
  headers: token ? { authorization: `Bearer ${token}` } : {},
});
/** The refusal records (other debug records, such as key set fetches, are not this test's business). */
const debugRecords = (records: Recorded[]) => records.filter((record) => record.level === 'debug' && 'check' in record.fields);

describe('the DEBUG switch, read as the debug package reads it', () => {
  test.each([
    ['opa-jwt', true],
    ['opa-jwt*', true],
    ['opa*', true],
    ['*', true],
    ['express:*,opa-jwt', true],
    ['express:* opa-jwt', true],
    ['*,-opa-jwt', false],
    ['opa-jwt,-opa-jwt', false],
    ['opa-jwt:*', false],
    ['express:*', false],
    ['', false],
  ])('DEBUG=%j → %s', (value, enabled) => {
    expect(debugEnabled(value)).toBe(enabled);
  });
  test('unset', () => expect(debugEnabled(undefined)).toBe(false));
});

describe('DEBUG=opa-jwt: a debug record per refusal, with the reason', () => {
  /** Refuses `token` and returns the one debug record; the token's text (and its signature alone) is nowhere in the log. */
  async function refusedWith(token: string | undefined, options: Partial<AuthorizerOptions> = {}, url = '/') {
    const { authorizer, records } = await authorizerWith('opa-jwt', options);
    const outcome = await authorizer.authorize(request(token, url));
    await authorizer.close();
    expect(outcome.type).toBe('respond');
    const debug = debugRecords(records);
    expect(debug).toHaveLength(1);
    if (token) {
      const logged = JSON.stringify(records);
      expect(logged).not.toContain(token);
      for (const segment of token.split('.')) expect(logged).not.toContain(segment);
    }
    return { record: debug[0], outcome };
  }

  test("aud: the accepted audiences against the token's", async () => {
    const { record } = await refusedWith(await issuer.sign({ audience: ['https://other.test', 'https://third.test'] }));
    expect(record.message).toBe('opa-jwt: bearer token refused');
    expect(record.fields).toMatchObject({
      status: 401,
      check: 'audience',
      claim: 'aud',
      claim_check: 'check_failed',
      expected: [AUDIENCE],
      actual: ['https://other.test', 'https://third.test'],
      method: 'GET',
      path: '/',
    });
  });

  test("iss: the configured issuer against the token's", async () => {
    const { record } = await refusedWith(await issuer.sign({ issuer: 'https://evil.test' }));
    expect(record.fields).toMatchObject({
      status: 401,
      check: 'issuer',
      claim: 'iss',
      expected: issuer.issuer,
      actual: 'https://evil.test',
    });
  });

  test("alg: the accepted algorithms against the header's", async () => {
    const { record } = await refusedWith(await issuer.sign({ key: issuer.ec }), { algorithms: ['RS256'] });
    expect(record.fields).toMatchObject({ status: 401, check: 'alg_not_allowed', claim: 'alg', expected: ['RS256'], actual: 'ES256' });
  });

  test("typ: at+jwt in strict mode against the header's", async () => {
    const { record } = await refusedWith(await issuer.sign({ claims: { client_id: 'c1', jti: 'j1' } }), { strict: true });
    expect(record.fields).toMatchObject({ status: 401, check: 'type', claim: 'typ', expected: 'at+jwt', actual: 'JWT' });
  });

  test("exp: the token's expiry, the clock and the tolerance", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { record } = await refusedWith(await issuer.sign({ expiresIn: -3600 }));
    expect(record.fields).toMatchObject({ status: 401, check: 'expired', claim: 'exp', clock_tolerance: 5 });
    const { actual, now } = record.fields as { actual: number; now: number };
    expect(now).toBeGreaterThanOrEqual(before);
    expect(actual).toBeLessThanOrEqual(now - 3600);
    expect(record.fields.expected).toBe(`exp > now - clockTolerance (${now - 5})`);
  });

  test("nbf: the token's not-before, the clock and the tolerance", async () => {
    const { record } = await refusedWith(await issuer.sign({ notBefore: 600 }));
    expect(record.fields).toMatchObject({ status: 401, check: 'not_yet_valid', claim: 'nbf', clock_tolerance: 5 });
    expect(record.fields.actual as number).toBeGreaterThan(record.fields.now as number);
  });

  test('a missing claim', async () => {
    const { record } = await refusedWith(await issuer.sign({ noExpiry: true }));
    expect(record.fields).toMatchObject({ status: 401, check: 'missing_exp', claim: 'exp', expected: 'present', actual: 'absent' });
  });

  test('no token at all', async () => {
    const { record } = await refusedWith(undefined);
    expect(record.fields).toMatchObject({ status: 401, check: 'token_missing', method: 'GET', path: '/' });
  });

  test('a malformed token', async () => {
    const { record } = await refusedWith('not-a-jwt');
    expect(record.fields).toMatchObject({ status: 401, check: 'malformed' });
    expect(JSON.stringify(record)).not.toContain('not-a-jwt');
  });

  test('403: the decision, its internal_message, the decision id and the entrypoint', async () => {
    const { record, outcome } = await refusedWith(await issuer.sign({ claims: { roles: ['reader'] } }));
    expect(outcome.type === 'respond' && outcome.status).toBe(403);
    const decisionId = outcome.type === 'respond' ? outcome.headers['X-Decision-Id'] : undefined;
    expect(decisionId).toEqual(expect.any(String));
    expect(record.message).toBe('opa-jwt: request denied by the policy');
    expect(record.fields).toMatchObject({
      status: 403,
      check: 'policy',
      allowed: false,
      internal_message: 'no admin role in token',
      external_message: 'admins only',
      decision_id: decisionId,
      entrypoint: 'app/decision',
    });
  });

  test('allowed requests leave no debug record', async () => {
    const { authorizer, records } = await authorizerWith('opa-jwt');
    expect((await authorizer.authorize(request(await issuer.sign({ claims: { roles: ['admin'] } })))).type).toBe('allow');
    await authorizer.close();
    expect(debugRecords(records)).toEqual([]);
  });
});

describe('the switch off', () => {
  test.each([[undefined], ['express:*'], ['*,-opa-jwt']])('DEBUG=%j: no debug records', async (debug) => {
    const { authorizer, records } = await authorizerWith(debug);
    await authorizer.authorize(request(await issuer.sign({ audience: 'https://other.test' })));
    await authorizer.authorize(request(await issuer.sign({ claims: { roles: ['reader'] } })));
    await authorizer.authorize(request());
    await authorizer.close();
    expect(debugRecords(records)).toEqual([]);
  });
});

describe('without a logger option, DEBUG=opa-jwt prints the records to stderr', () => {
  test('the default console logger drops debug; the switch writes them with console.error', async () => {
    const written: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void written.push(args);
    try {
      const { authorizer } = await authorizerWith('opa-jwt*', {}, false);
      const token = await issuer.sign({ audience: 'https://other.test' });
      await authorizer.authorize(request(token));
      await authorizer.close();
      const refusal = written.find(([message]) => message === 'opa-jwt: bearer token refused');
      expect(refusal?.[1]).toMatchObject({ check: 'audience', expected: [AUDIENCE], actual: 'https://other.test' });
      expect(JSON.stringify(written)).not.toContain(token);
    } finally {
      console.error = original;
    }
  });
});

describe('policy results of the wrong shape: denied, and warned about once per shape and entrypoint', () => {
  test.each([
    ['app/number', 'a number'],
    ['app/text', 'a string'],
    ['app/allowed_string', 'an object whose "allowed" is a string'],
    ['app/no_allowed', 'an object without "allowed"'],
    ['app/list', 'an array'],
    [
      'app/never',
      'no result: the rule is undefined for this input (an empty result set); give it a default, e.g. `default allow := false`',
    ],
  ])('%s: %s', async (entrypoint, shape) => {
    const { authorizer, records } = await authorizerWith(undefined);
    const token = await issuer.sign({ claims: { roles: ['admin'] } });
    for (let i = 0; i < 3; i++) {
      const outcome = await authorizer.authorize(request(token), { entrypoint });
      expect(outcome.type === 'respond' && outcome.status).toBe(403);
    }
    await authorizer.close();
    const warnings = records.filter((record) => record.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].fields).toMatchObject({ entrypoint, expected: 'a boolean or an object with a boolean "allowed"', got: shape });
    expect(warnings[0].message).toContain(
      `entrypoint ${entrypoint} has the wrong shape: expected a boolean or an object with a boolean "allowed"; got ${shape}`,
    );
  });

  test('a second shape from the same entrypoint is warned about too; each only once', async () => {
    const { authorizer, records } = await authorizerWith(undefined);
    const token = await issuer.sign();
    for (const url of ['/a', '/b', '/a', '/b']) await authorizer.authorize(request(token, url), { entrypoint: 'app/shifty' });
    await authorizer.close();
    expect(records.filter((record) => record.level === 'warn').map((record) => record.fields.got)).toEqual(['a string', 'a number']);
  });

  test('denials of the right shape (false, {"allowed": false}) are not warned about', async () => {
    const { authorizer, records } = await authorizerWith(undefined);
    const token = await issuer.sign({ claims: { roles: ['reader'] } });
    await authorizer.authorize(request(token));
    await authorizer.authorize(request(token), { entrypoint: 'app/allow' });
    await authorizer.close();
    expect(records.filter((record) => record.level === 'warn')).toEqual([]);
  });

  test('memory is bounded: past its capacity, no more shapes are remembered (or warned about)', () => {
    const warned: string[] = [];
    const warnings = new ResultShapeWarnings((fields) => void warned.push((fields as { entrypoint: string }).entrypoint), 2);
    for (let i = 0; i < 10; i++) warnings.check(`p/e${i}`, true, 'yes', 'id');
    expect(warned).toEqual(['p/e0', 'p/e1']);
  });

  test('shapes', () => {
    expect(wrongShape(true, true)).toBeUndefined();
    expect(wrongShape(true, false)).toBeUndefined();
    expect(wrongShape(true, { allowed: false })).toBeUndefined();
    expect(wrongShape(true, null)).toBe('null');
    expect(wrongShape(true, { allowed: 1 })).toBe('an object whose "allowed" is a number');
    expect(wrongShape(true, { allowed: null })).toBe('an object whose "allowed" is null');
    expect(wrongShape(false, undefined)).toMatch(/^no result/);
  });
});
