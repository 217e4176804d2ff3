/**
 * Every option is checked at start-up; a bad one throws an InvalidOptionError (a TypeError) naming it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { InvalidOptionError } from '../src/errors';
import { ASYMMETRIC_ALGORITHMS, resolveOptions, type AuthorizerOptions } from '../src/options';
import { TEST_POLICY as POLICY } from './helpers/verifier';

const base: AuthorizerOptions = {
  policy: POLICY,
  entrypoint: 'authz/allow',
  issuer: 'https://issuer.test',
  jwksUri: 'https://issuer.test/jwks.json',
  audience: 'api',
};

function bad(options: Record<string, unknown>): () => unknown {
  return () => resolveOptions(options);
}

function expectOptionError(options: Record<string, unknown>, option: string, message?: RegExp): void {
  let thrown: unknown;
  try {
    resolveOptions(options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionError);
  expect(thrown).toBeInstanceOf(TypeError);
  expect((thrown as InvalidOptionError).option).toBe(option);
  expect((thrown as Error).message).toContain(`option "${option}"`);
  if (message) expect((thrown as Error).message).toMatch(message);
}

describe('defaults', () => {
  test('a minimal configuration gets safe defaults', () => {
    const resolved = resolveOptions(base);
    expect(resolved.authRequired).toBe(true);
    expect(resolved.strict).toBe(false);
    expect(resolved.clockTolerance).toBe(5);
    expect([...resolved.bearerMethods]).toEqual(['header']);
    expect(resolved.issuers).toHaveLength(1);
    expect(resolved.issuers[0].algorithms).toEqual([...ASYMMETRIC_ALGORITHMS]);
    expect(resolved.issuers[0].algorithms).not.toContain('HS256');
    expect(resolved.issuers[0].audience).toEqual(['api']);
    expect(resolved.jwks).toEqual({ cacheMaxAge: 600000, cooldownDuration: 30000, timeoutDuration: 5000, staleIfErrorDuration: 3600000 });
    expect(resolved.decisionIdHeader).toBe('X-Decision-Id');
    expect(resolved.policy).toEqual({ kind: 'file', path: POLICY, format: 'rego' });
    expect(resolved.protocols.maxBodySize).toBe(1024 * 1024); // 1 MiB (issue 5)
    expect(resolved.tokenCacheSize).toBe(1000);
    expect(resolved.maxTokenSize).toBe(8192);
    expect(resolved.evaluationTimeout).toBe(250);
    expect(resolved.maxPolicyMemory).toBe(64 * 1024 * 1024);
  });

  test('the resource identifier of resourceMetadata is an accepted audience (RFC 8707)', () => {
    const { audience: _omit, ...noAudience } = base;
    const resolved = resolveOptions({ ...noAudience, resourceMetadata: { resource: 'https://mcp.example.com/mcp' } });
    expect(resolved.issuers[0].audience).toEqual(['https://mcp.example.com/mcp']);
    expect(resolved.protocols.resourceMetadata?.document.authorization_servers).toEqual(['https://issuer.test']);
  });

  test('bearerMethods are advertised in the RFC 9728 document', () => {
    const resolved = resolveOptions({ ...base, bearerMethods: ['query'], resourceMetadata: { resource: 'https://mcp.example.com/mcp' } });
    expect([...resolved.bearerMethods].sort()).toEqual(['header', 'query']);
    expect(resolved.protocols.resourceMetadata?.document.bearer_methods_supported).toEqual(['header', 'query']);
  });

  test('a secret issuer accepts HS* only, and only that issuer', () => {
    const resolved = resolveOptions({
      policy: POLICY,
      entrypoint: 'authz/allow',
      audience: 'api',
      issuers: [
        { issuer: 'https://a.test', jwksUri: 'https://a.test/jwks' },
        { issuer: 'https://b.test', secret: 'x'.repeat(32) },
      ],
    });
    expect(resolved.issuers[0].algorithms).not.toContain('HS256');
    expect(resolved.issuers[1].algorithms).toEqual(['HS256', 'HS384', 'HS512']);
    expect(resolved.issuers[1].keys.type).toBe('secret');
  });

  test('publicKey accepts PEM and JWK, local jwks a key set', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const jwk = publicKey.export({ format: 'jwk' });
    expect(resolveOptions({ ...base, jwksUri: undefined, publicKey: pem }).issuers[0].keys.type).toBe('public-key');
    expect(resolveOptions({ ...base, jwksUri: undefined, publicKey: jwk as never }).issuers[0].keys.type).toBe('public-key');
    expect(resolveOptions({ ...base, jwksUri: undefined, jwks: { keys: [{ ...jwk, kid: 'k' } as never] } }).issuers[0].keys.type).toBe(
      'jwks',
    );
  });
});

describe('bad options name themselves', () => {
  test('not an object', () => {
    expect(bad(undefined as never)).toThrow(/option "options"/);
  });

  test('unknown option (typo)', () => {
    expectOptionError({ ...base, audiance: 'x' }, 'audiance', /not a known option/);
  });

  test('policy', () => {
    expectOptionError({ ...base, policy: undefined }, 'policy');
    expectOptionError({ ...base, policy: 42 }, 'policy');
    expectOptionError({ ...base, policy: '/no/such/policy.rego' }, 'policy', /does not exist/);
    expectOptionError({ ...base, policy: __filename }, 'policy', /expected a \.rego file/);
    expectOptionError({ ...base, policy: new Uint8Array(0) }, 'policy', /empty/);
    expectOptionError({ ...base, policy: { path: POLICY, entrypoint: 'authz/allow' } }, 'policy', /top-level/);
  });

  test('entrypoint is required for Rego sources and must be a string', () => {
    expectOptionError({ ...base, entrypoint: undefined }, 'entrypoint', /required/);
    expectOptionError({ ...base, entrypoint: 7 }, 'entrypoint');
  });

  test('data, watch, v0Compatible', () => {
    expectOptionError({ ...base, data: [1] }, 'data');
    expectOptionError({ ...base, watch: 'yes' }, 'watch');
    expectOptionError({ ...base, policy: new Uint8Array([0, 97, 115, 109]), watch: true }, 'watch', /path/);
    expectOptionError({ ...base, v0Compatible: 1 }, 'v0Compatible');
  });

  test('issuer, issuerBaseURL, jwksUri', () => {
    expectOptionError({ ...base, issuer: 42 }, 'issuer');
    expectOptionError({ ...base, issuer: undefined }, 'issuer', /required/);
    expectOptionError({ ...base, issuerBaseURL: 'not a url' }, 'issuerBaseURL', /absolute URL/);
    expectOptionError({ ...base, jwksUri: 'ftp://issuer.test/jwks' }, 'jwksUri', /http/);
    expectOptionError({ ...base, jwksUri: undefined }, 'jwksUri', /required/);
  });

  test('one key source per issuer', () => {
    expectOptionError({ ...base, secret: 'x'.repeat(32) }, 'secret', /cannot be combined/);
    expectOptionError(
      { ...base, jwksUri: undefined, issuerBaseURL: 'https://issuer.test', secret: 'x'.repeat(32) },
      'issuerBaseURL',
      /cannot be combined/,
    );
  });

  test('publicKey, jwks, secret', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const noJwks = { ...base, jwksUri: undefined };
    expectOptionError({ ...noJwks, publicKey: 'not a pem' }, 'publicKey', /could not be read/);
    expectOptionError({ ...noJwks, publicKey: privateKey }, 'publicKey', /private/);
    expectOptionError({ ...noJwks, publicKey: privateKey.export({ format: 'jwk' }) }, 'publicKey', /private/);
    expectOptionError({ ...noJwks, jwks: { keys: [] } }, 'jwks', /no keys/);
    expectOptionError({ ...noJwks, jwks: { keys: [{ kty: 'oct', k: 'AAAA' }] } }, 'jwks.keys[0]');
    expectOptionError({ ...noJwks, secret: 'short' }, 'secret', /32 bytes/);
  });

  test('algorithms: never none, HS* only with a secret, asymmetric never with a secret', () => {
    expectOptionError({ ...base, algorithms: ['none'] }, 'algorithms', /none/);
    expectOptionError({ ...base, algorithms: ['RS256', 'HS256'] }, 'algorithms', /secret/);
    expectOptionError({ ...base, algorithms: ['RS1'] }, 'algorithms', /unknown algorithm/);
    expectOptionError({ ...base, algorithms: [] }, 'algorithms');
    expectOptionError({ ...base, jwksUri: undefined, secret: 'x'.repeat(32), algorithms: ['RS256'] }, 'algorithms', /secret/);
  });

  test('audience is required', () => {
    const { audience: _omit, ...noAudience } = base;
    expectOptionError(noAudience, 'audience', /required/);
    expectOptionError({ ...base, audience: [] }, 'audience');
  });

  test('issuers', () => {
    expectOptionError({ ...base, issuers: [] }, 'issuers');
    expectOptionError(
      { ...base, issuers: [{ issuer: 'https://a.test', jwksUri: 'https://a.test/j' }] },
      'issuer',
      /cannot be combined with `issuers`/,
    );
    const { issuer: _i, jwksUri: _j, ...noIssuer } = base;
    expectOptionError({ ...noIssuer, issuers: [{ issuer: 'https://a.test' }] }, 'issuers[0].jwksUri', /required/);
    expectOptionError(
      { ...noIssuer, issuers: [{ issuer: 'https://a.test', jwksUri: 'https://a.test/j', policy: 'x' }] },
      'issuers[0].policy',
      /not a known option/,
    );
    expectOptionError(
      {
        ...noIssuer,
        issuers: [
          { issuer: 'https://a.test', jwksUri: 'https://a.test/j' },
          { issuer: 'https://a.test', jwksUri: 'https://a.test/k' },
        ],
      },
      'issuers[1].issuer',
      /repeats/,
    );
  });

  test('numbers and booleans', () => {
    expectOptionError({ ...base, clockTolerance: -1 }, 'clockTolerance');
    expectOptionError({ ...base, maxTokenAge: '1h' }, 'maxTokenAge');
    expectOptionError({ ...base, strict: 'true' }, 'strict');
    expectOptionError({ ...base, authRequired: 0 }, 'authRequired');
    expectOptionError({ ...base, cooldownDuration: Number.NaN }, 'cooldownDuration');
    expectOptionError({ ...base, timeoutDuration: 0 }, 'timeoutDuration');
    expectOptionError({ ...base, cacheMaxAge: -5 }, 'cacheMaxAge');
    expectOptionError({ ...base, staleIfErrorDuration: '1h' }, 'staleIfErrorDuration');
    expectOptionError({ ...base, maxTokenSize: 10 }, 'maxTokenSize');
    expectOptionError({ ...base, tokenCacheSize: 1.5 }, 'tokenCacheSize');
    expectOptionError({ ...base, evaluationTimeout: 0 }, 'evaluationTimeout', /integer >= 1/);
    expectOptionError({ ...base, evaluationTimeout: 2.5 }, 'evaluationTimeout');
    expectOptionError({ ...base, evaluationTimeout: '100ms' }, 'evaluationTimeout');
    expectOptionError({ ...base, evaluationTimeout: Infinity }, 'evaluationTimeout');
    expectOptionError({ ...base, maxPolicyMemory: 4096 }, 'maxPolicyMemory', /integer >= 1048576/);
    expectOptionError({ ...base, maxPolicyMemory: '64MiB' }, 'maxPolicyMemory');
    expect(resolveOptions({ ...base, evaluationTimeout: 50, maxPolicyMemory: 8 * 1024 * 1024 })).toMatchObject({
      evaluationTimeout: 50,
      maxPolicyMemory: 8 * 1024 * 1024,
    });
  });

  test('bearerMethods, realm, decisionIdHeader', () => {
    expectOptionError({ ...base, bearerMethods: ['cookie'] }, 'bearerMethods');
    expectOptionError({ ...base, realm: '' }, 'realm');
    expectOptionError({ ...base, decisionIdHeader: 'bad header' }, 'decisionIdHeader');
  });

  test('logger, onDecision, onDecisionLine, input', () => {
    expectOptionError({ ...base, logger: console.log }, 'logger');
    expectOptionError({ ...base, logger: { info() {}, warn() {}, error() {} } }, 'logger', /debug/);
    expectOptionError({ ...base, onDecision: 'log' }, 'onDecision');
    expectOptionError({ ...base, onDecisionLine: process.stdout }, 'onDecisionLine');
    expectOptionError({ ...base, input: { extra: 1 } }, 'input');
  });

  test('getToken and isRevoked are functions; onRefusal, includeBody and audienceClaim take their values only', () => {
    expectOptionError({ ...base, getToken: 'cookie' }, 'getToken', /must be a function, got "cookie"/);
    expectOptionError({ ...base, isRevoked: new Set(['jti-1']) }, 'isRevoked', /must be a function/);
    expectOptionError({ ...base, getToken: () => undefined, bearerMethods: ['query'] }, 'bearerMethods', /getToken/);
    expectOptionError({ ...base, onRefusal: 'throw' }, 'onRefusal', /"respond" or "error"/);
    expectOptionError({ ...base, onRefusal: true }, 'onRefusal');
    expectOptionError({ ...base, includeBody: 'yes' }, 'includeBody', /true or false/);
    expectOptionError({ ...base, audienceClaim: 'azp' }, 'audienceClaim', /"aud" or "client_id"/);
    const { issuer: _i, jwksUri: _j, ...noIssuer } = base;
    expectOptionError(
      { ...noIssuer, issuers: [{ issuer: 'https://a.test', jwksUri: 'https://a.test/jwks', audienceClaim: 'sub' }] },
      'issuers[0].audienceClaim',
    );
    const resolved = resolveOptions(base);
    expect(resolved).toMatchObject({ onRefusal: 'respond', includeBody: false, getToken: undefined, isRevoked: undefined });
    expect(resolved.issuers[0].audienceClaim).toBe('aud');
    const getToken = () => undefined;
    const isRevoked = () => false;
    const chosen = resolveOptions({ ...base, getToken, isRevoked, onRefusal: 'error', includeBody: true, audienceClaim: 'client_id' });
    expect(chosen).toMatchObject({ getToken, isRevoked, onRefusal: 'error', includeBody: true });
    expect(chosen.issuers[0].audienceClaim).toBe('client_id');
  });

  test('protocol options are InvalidOptionErrors too, nested ones named by their path', () => {
    expectOptionError({ ...base, maxBodySize: 0 }, 'maxBodySize');
    expectOptionError({ ...base, maxBodySize: '1mb' }, 'maxBodySize');
    expectOptionError({ ...base, resourceMetadata: 'https://example.com' }, 'resourceMetadata', /must be an object/);
    expectOptionError({ ...base, resourceMetadata: { resource: 'http://example.com' } }, 'resourceMetadata.resource', /https/);
    expectOptionError(
      { ...base, resourceMetadata: { resource: 'https://example.com', scopesSupported: 'read' } },
      'resourceMetadata.scopesSupported',
    );
    expectOptionError(
      { ...base, resourceMetadata: { resource: 'https://example.com', bearerMethodsSupported: ['cookie'] } },
      'resourceMetadata.bearerMethodsSupported',
    );
  });

  test('objects are plain objects: not a Date, a Map, an array or a class instance', () => {
    class Settings {
      policy = POLICY;
    }
    expectOptionError(new Settings() as unknown as Record<string, unknown>, 'options');
    expectOptionError({ ...base, data: new Date(0) }, 'data');
    expectOptionError({ ...base, data: new Map([['a', 1]]) }, 'data');
    expectOptionError({ policy: POLICY, entrypoint: 'authz/allow', audience: 'api', issuers: [new Map()] }, 'issuers[0]');
    expectOptionError({ ...base, resourceMetadata: [] }, 'resourceMetadata');
    // An object without a prototype is still a plain object.
    const data = Object.assign(Object.create(null) as Record<string, unknown>, { roles: ['admin'] });
    expect(resolveOptions({ ...base, data }).data).toBe(data);
    // So is an object literal made in another realm (a vm context, a JWK Node exported).
    const foreign = runInNewContext('({ roles: ["admin"] })') as Record<string, unknown>;
    expect(resolveOptions({ ...base, data: foreign }).data).toBe(foreign);
  });
});
