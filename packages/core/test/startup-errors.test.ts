/**
 * Start-up errors say where they looked and what would fix them: the absolute path of a missing policy, the rules
 * that exist when the entrypoint names none (closest first), Rego v0 syntax without `v0Compatible`, parse errors
 * with OPA's code and file:line:col, and the URL of an issuer whose discovery failed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile } from '@opa-jwt/rego';
import { createAuthorizer } from '../src/authorizer';
import { InvalidOptionError } from '../src/errors';
import type { AuthorizerOptions } from '../src/options';
import { loadArtifact } from '../src/policy/source';
import { AUDIENCE, recordingLogger, startIssuer, type TestIssuer } from '../../../test/support/issuer';

const POLICY = `package app

import rego.v1

default allow := false

allow if input.jwt.payload.sub == "alice"

decision := {"allowed": allow}
`;

let issuer: TestIssuer;
let dir: string;

beforeAll(async () => {
  issuer = await startIssuer();
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-startup-'));
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Uint8Array): string {
  const full = path.join(dir, name);
  writeFileSync(full, content);
  return full;
}

/** The start-up error of an authorizer with these options (its `ready()` rejection), and what was logged. */
async function startupError(
  options: Partial<AuthorizerOptions>,
): Promise<{ error: Error; records: ReturnType<typeof recordingLogger>['records'] }> {
  const { logger, records } = recordingLogger();
  const authorizer = createAuthorizer({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: AUDIENCE, logger, ...options });
  let error: Error | undefined;
  await authorizer.ready().catch((thrown: Error) => {
    error = thrown;
  });
  await authorizer.close();
  if (!error) throw new Error('expected a start-up error');
  return { error, records };
}

describe('a policy path that does not exist', () => {
  test('the option error shows the absolute path it looked for', () => {
    const given = path.join('no-such-folder', 'authz.rego');
    let error: unknown;
    try {
      createAuthorizer({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: AUDIENCE, policy: given, entrypoint: 'authz/allow' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain(`looked for ${path.resolve(given)}`);
    expect((error as Error).message).toContain(process.cwd());
  });

  test('a policy file that cannot be read at load time is named by its absolute path', async () => {
    const missing = path.join(dir, 'gone.rego');
    await expect(
      loadArtifact({ kind: 'file', path: missing, format: 'rego' }, { entrypoint: 'app/allow', v0Compatible: false }),
    ).rejects.toThrow(`cannot read policy file ${missing}:`);
  });
});

describe('an entrypoint the policy does not define', () => {
  test('.rego: did you mean the closest rule, and the rules that exist', async () => {
    const { error, records } = await startupError({ policy: file('app.rego', POLICY), entrypoint: 'app/alow' });
    expect(error.message).toBe(
      'rego_compile_error: entrypoint "app/alow" does not refer to a rule or package (no rule defines data.app.alow) (did you mean "app/allow"? the policy defines: app/allow, app/decision)',
    );
    expect(records.find((record) => record.level === 'error')?.fields.error).toBe(error.message);
  });

  test('.rego: nothing close, the rules are listed', async () => {
    const { error } = await startupError({ policy: file('app.rego', POLICY), entrypoint: 'billing/permit' });
    expect(error.message).toContain('(the policy defines: app/allow, app/decision)');
    expect(error.message).not.toContain('did you mean');
  });

  test('a .wasm module: did you mean one of its entrypoints', async () => {
    const { wasm } = compile({ modules: [{ path: 'app.rego', source: POLICY }], entrypoints: ['app/allow', 'app/decision'] });
    const { error } = await startupError({ policy: wasm, entrypoint: 'app/decison' });
    expect(error.message).toContain(
      'entrypoint "app/decison" is not in the policy (did you mean "app/decision"? the policy defines: app/allow, app/decision)',
    );
  });
});

test('a per-route entrypoint the policy does not define: 500, and the log suggests the closest rule', async () => {
  const { logger, records } = recordingLogger();
  const authorizer = createAuthorizer({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger,
    policy: file('route.rego', POLICY),
    entrypoint: 'app/allow',
  });
  await authorizer.ready();
  const outcome = await authorizer.authorize(
    { method: 'GET', url: '/', headers: { authorization: `Bearer ${await issuer.sign()}` } },
    { entrypoint: 'app/decisoin' },
  );
  await authorizer.close();
  expect(outcome.type === 'respond' && outcome.status).toBe(500);
  const logged = records.find((record) => record.level === 'error' && record.message?.includes('policy evaluation failed'));
  expect(logged?.fields.error).toBe(
    'entrypoint "app/decisoin" is not in the policy (did you mean "app/decision"? the policy defines: app/allow, app/decision)',
  );
});

describe('Rego v0 syntax without v0Compatible', () => {
  test.each([
    [
      'a rule body without `if`',
      'package app\n\ndefault allow = false\n\nallow {\n\tinput.jwt.payload.sub == "alice"\n}\n',
      'v0.rego:5:1: rego_parse_error: `if` keyword is required before rule body',
    ],
    [
      'a partial set without `contains`',
      'package app\n\ndeny[msg] {\n\tmsg := "no"\n}\n',
      'v0.rego:3:1: rego_parse_error: `if` keyword is required before rule body',
    ],
  ])('%s: the error says to set v0Compatible', async (_what, source, where) => {
    const policy = file('v0.rego', source);
    const { error } = await startupError({ policy, entrypoint: 'app/allow' });
    const shown = path.relative(process.cwd(), policy).split(path.sep).join('/');
    expect(error.message).toContain(where.replace('v0.rego', shown.startsWith('..') ? policy : shown));
    expect(error.message).toContain('this is Rego v0 syntax: set `v0Compatible: true`');
    expect((error as Error & { code?: string }).code).toBe('rego_parse_error');
  });

  test('with v0Compatible the same policy loads', async () => {
    const { logger } = recordingLogger();
    const authorizer = createAuthorizer({
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      audience: AUDIENCE,
      logger,
      v0Compatible: true,
      policy: file('v0ok.rego', 'package app\n\ndefault allow = false\n\nallow {\n\tinput.jwt.payload.sub == "alice"\n}\n'),
      entrypoint: 'app/allow',
    });
    await expect(authorizer.ready()).resolves.toBeUndefined();
    await authorizer.close();
  });

  test('a v1 syntax error is not blamed on v0', async () => {
    const { error } = await startupError({
      policy: file('broken.rego', 'package app\n\nimport rego.v1\n\nallow if {\n\tinput.x ==\n}\n'),
      entrypoint: 'app/allow',
    });
    expect(error.message).toMatch(/broken\.rego:7:1: rego_parse_error: unexpected '}', expected expression$/);
    expect(error.message).not.toContain('v0');
  });
});

describe('an issuer whose discovery fails', () => {
  test('the log names its URL and the option that configured it', async () => {
    const base = `${issuer.issuer}/nothing-here`;
    const { error, records } = await startupError({
      issuer: undefined,
      jwksUri: undefined,
      issuerBaseURL: base,
      policy: file('ok.rego', POLICY),
      entrypoint: 'app/allow',
    });
    expect(error.message).toContain(base);
    const logged = records.find((record) => record.level === 'error' && record.message?.includes('discovery failed'));
    expect(logged?.fields).toMatchObject({ issuer: base, issuerBaseURL: base, option: 'issuer' });
    expect(logged?.message).toContain(`issuer discovery failed at start-up for ${base};`);
  });
});
