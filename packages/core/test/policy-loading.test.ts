/**
 * Every form the `policy` option takes, compiled by the project's compiler and run by the stock OPA Wasm SDK:
 * a .rego file, a folder (with data.json), a .wasm module, an OPA bundle (.tar.gz in `opa build -t wasm`'s layout),
 * and bytes of either; default entrypoints, data merging, and start-up errors.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { compile, writeBundle } from '@opa-jwt/rego';
// The `opa-jwt build` command itself (not exported by the package: it is the CLI's entry point).
import { main as cli } from '../../rego/src/cli/main';
import type { CoreRequest } from '../src/contract';
import { createAuthorizer } from '../src/authorizer';
import type { AuthorizerOptions } from '../src/options';
import { AUDIENCE, recordingLogger, startIssuer, type TestIssuer } from '../../../test/support/issuer';

const REPO = path.join(__dirname, '..', '..', '..');

const SOURCE = `package authz

import rego.v1

default allow := false

allow if input.jwt.payload.sub in data.authz.users

decision := {"allowed": true} if allow

decision := {"allowed": false, "external_message": sprintf("%s is not on the list", [input.jwt.payload.sub])} if not allow
`;

let issuer: TestIssuer;
let dir: string;

beforeAll(async () => {
  issuer = await startIssuer();
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-core-policies-'));
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Uint8Array): string {
  const full = path.join(dir, name);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
  return full;
}

async function decide(options: Partial<AuthorizerOptions>, sub: string, route?: { entrypoint?: string }) {
  const { logger } = recordingLogger();
  const authorizer = createAuthorizer({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: AUDIENCE, logger, ...options });
  await authorizer.ready();
  const request: CoreRequest = { method: 'GET', url: '/', headers: { authorization: `Bearer ${await issuer.sign({ claims: { sub } })}` } };
  const outcome = await authorizer.authorize(request, route);
  await authorizer.close();
  return outcome.type === 'allow' ? 'allow' : `${outcome.status} ${JSON.stringify(outcome.body)}`;
}

function compiled(entrypoints: string[]): Uint8Array {
  return compile({ modules: [{ path: 'authz.rego', source: SOURCE }], entrypoints }).wasm;
}

test('a .rego file, with data given as an option', async () => {
  const policy = file('single/authz.rego', SOURCE);
  expect(await decide({ policy, entrypoint: 'authz/allow', data: { authz: { users: ['alice'] } } }, 'alice')).toBe('allow');
  expect(await decide({ policy, entrypoint: 'authz/decision', data: { authz: { users: ['alice'] } } }, 'bob')).toBe(
    '403 {"error":"insufficient_scope","error_description":"bob is not on the list"}',
  );
});

test('a folder: every .rego module, data.json placed by its folder, *_test.rego left out', async () => {
  file('folder/authz.rego', SOURCE);
  file('folder/authz/data.json', JSON.stringify({ users: ['alice', 'carol'] }));
  file('folder/authz_test.rego', 'package authz_test\n\nthis is not rego at all\n');
  const policy = path.join(dir, 'folder');
  expect(await decide({ policy, entrypoint: 'authz/allow' }, 'carol')).toBe('allow');
  expect(await decide({ policy, entrypoint: 'authz/allow' }, 'bob')).toMatch(/^403/);
});

test("a .wasm module; the default entrypoint is the module's first", async () => {
  const policy = file('module/policy.wasm', compiled(['authz/allow', 'authz/decision']));
  const data = { authz: { users: ['alice'] } };
  expect(await decide({ policy, data }, 'alice')).toBe('allow');
  expect(await decide({ policy, data, entrypoint: 'authz/decision' }, 'bob')).toMatch(/bob is not on the list/);
});

describe('OPA bundles (the layout of `opa build -t wasm`)', () => {
  // What `opa build -t wasm -e authz/decision -e authz/allow` writes: /data.json, /policy.wasm, /authz.rego, /.manifest.
  const manifest = {
    revision: '',
    roots: [''],
    wasm: [
      { entrypoint: 'authz/decision', module: '/policy.wasm' },
      { entrypoint: 'authz/allow', module: '/policy.wasm' },
    ],
    rego_version: 1,
  };
  let bundle: Buffer;
  beforeAll(() => {
    bundle = writeBundle({
      wasm: compiled(['authz/allow', 'authz/decision']),
      manifest,
      data: { authz: { users: ['alice'] }, other: { keep: true } },
      regoFiles: [{ path: 'authz.rego', source: SOURCE }],
    });
  });

  test("a .tar.gz file: the manifest's first entrypoint is the default; the bundle's data is used", async () => {
    const policy = file('bundle/bundle.tar.gz', bundle);
    expect(await decide({ policy }, 'bob')).toMatch(/^403 .*bob is not on the list/); // authz/decision, the first
    expect(await decide({ policy }, 'alice')).toBe('allow');
    expect(await decide({ policy, entrypoint: 'authz/allow' }, 'alice')).toBe('allow');
  });

  test("the data option is merged over the bundle's data", async () => {
    const policy = file('bundle/merge.tar.gz', bundle);
    expect(await decide({ policy, data: { authz: { users: ['bob'] } } }, 'bob')).toBe('allow');
    expect(await decide({ policy, data: { authz: { users: ['bob'] } } }, 'alice')).toMatch(/^403/);
  });

  test('a tarball written by another tar (GNU tar, absolute member names, directory entries) loads exactly like `opa-jwt build` output', async () => {
    if (spawnSync('tar', ['--version']).status !== 0) {
      console.warn('skipped: no `tar` command on this machine to write an independent bundle with');
      return;
    }
    // The layout `opa build -t wasm -e authz/decision -e authz/allow` writes, with the project's compiled module.
    const layout = path.join(dir, 'opa-layout');
    mkdirSync(path.join(layout, 'authz'), { recursive: true });
    writeFileSync(path.join(layout, 'policy.wasm'), compiled(['authz/decision', 'authz/allow']));
    writeFileSync(path.join(layout, 'data.json'), JSON.stringify({ authz: { users: ['alice'] } }));
    writeFileSync(path.join(layout, 'authz', 'authz.rego'), SOURCE);
    writeFileSync(path.join(layout, '.manifest'), JSON.stringify(manifest));
    const opaStyle = path.join(dir, 'opa-style.tar.gz');
    const tar = spawnSync(
      'tar',
      ['--format=ustar', '-P', '--transform', 's,^\\./,/,', '-czf', opaStyle, './data.json', './policy.wasm', './authz', './.manifest'],
      { cwd: layout, encoding: 'utf8' },
    );
    expect(tar.stderr).toBe('');
    expect(tar.status).toBe(0);

    // The same policy through the project's CLI.
    const sources = path.join(dir, 'cli-sources');
    mkdirSync(path.join(sources, 'authz'), { recursive: true });
    writeFileSync(path.join(sources, 'authz', 'authz.rego'), SOURCE);
    writeFileSync(path.join(sources, 'data.json'), JSON.stringify({ authz: { users: ['alice'] } }));
    const cliOutput = path.join(dir, 'cli.tar.gz');
    const stderr: string[] = [];
    const code = await cli(['build', '-t', 'wasm', '-e', 'authz/decision', '-e', 'authz/allow', '-o', cliOutput, sources], {
      stdout: () => undefined,
      stderr: (text) => stderr.push(text),
      cwd: dir,
    });
    expect(stderr.join('')).toBe('');
    expect(code).toBe(0);

    for (const policy of [opaStyle, cliOutput]) {
      expect(await decide({ policy }, 'alice')).toBe('allow'); // authz/decision, the manifest's first
      expect(await decide({ policy }, 'bob')).toBe('403 {"error":"insufficient_scope","error_description":"bob is not on the list"}');
      expect(await decide({ policy }, 'bob', { entrypoint: 'authz/allow' })).toBe(
        '403 {"error":"insufficient_scope","error_description":"access denied by policy"}',
      );
      expect(await decide({ policy, data: { authz: { users: ['bob'] } } }, 'bob')).toBe('allow');
    }
  });

  test('bundle bytes and module bytes', async () => {
    expect(await decide({ policy: new Uint8Array(bundle) }, 'alice')).toBe('allow');
    expect(await decide({ policy: compiled(['authz/allow']), data: { authz: { users: ['alice'] } } }, 'alice')).toBe('allow');
  });
});

test("the seed's v0 policy loads with v0Compatible and reads input.method", async () => {
  const policy = path.join(REPO, 'policies', 'v0', 'api-authz-v0.rego');
  const { logger } = recordingLogger();
  const authorizer = createAuthorizer({
    policy,
    entrypoint: 'authz/allow',
    v0Compatible: true,
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger,
  });
  await authorizer.ready();
  const admin = `Bearer ${await issuer.sign({ claims: { roles: ['admin'] } })}`;
  expect((await authorizer.authorize({ method: 'POST', url: '/orders', headers: { authorization: admin } })).type).toBe('allow');
  expect((await authorizer.authorize({ method: 'GET', url: '/orders', headers: { authorization: admin } })).type).toBe('respond');
  await authorizer.close();
});

describe('start-up errors reject ready()', () => {
  async function startupError(options: Partial<AuthorizerOptions>): Promise<string> {
    const { logger } = recordingLogger();
    const authorizer = createAuthorizer({ issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: AUDIENCE, logger, ...options });
    const error = await authorizer.ready().then(
      () => undefined,
      (e: Error) => e,
    );
    // Until fixed, every request fails closed.
    const outcome = await authorizer.authorize({ method: 'GET', url: '/', headers: {} });
    expect(outcome.type === 'respond' && outcome.status).toBe(500);
    await authorizer.close();
    if (!error) throw new Error('ready() resolved');
    return error.message;
  }

  test('a compile error names file:line:col', async () => {
    const policy = file('broken/authz.rego', 'package authz\n\nallow if {\n\tinput.x ==\n}\n');
    expect(await startupError({ policy, entrypoint: 'authz/allow' })).toMatch(/broken\/authz\.rego:\d+:\d+/);
  });

  test('an entrypoint the module does not export', async () => {
    const policy = file('missing/policy.wasm', compiled(['authz/allow']));
    expect(await startupError({ policy, entrypoint: 'authz/nope' })).toMatch(
      /entrypoint "authz\/nope" is not in the policy \(the policy defines: authz\/allow\)/,
    );
  });

  test('bytes that are neither a module nor a bundle', async () => {
    expect(await startupError({ policy: new Uint8Array([1, 2, 3, 4]) })).toMatch(/neither a WebAssembly module nor an OPA bundle/);
  });

  test('a .wasm file that is not WebAssembly', async () => {
    const policy = file('fake/policy.wasm', 'hello');
    expect(await startupError({ policy })).toMatch(/not a WebAssembly module/);
  });
});
