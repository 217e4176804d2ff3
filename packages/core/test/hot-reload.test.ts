/**
 * `watch: true`: edits to the policy file or folder are compiled and swapped in between requests; a broken edit keeps
 * the last good policy and logs why; editors that save by renaming are followed; close() stops watching.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CoreRequest } from '../src/contract';
import { OpaJwtAuthorizer } from '../src/authorizer';
import type { AuthorizerOptions } from '../src/options';
import { AUDIENCE, recordingLogger, sleep, startIssuer, type TestIssuer } from './helpers/issuer';

const allowAll = 'package authz\n\ndefault allow := false\n\nallow if input.method == "GET"\n';
const denyAll = 'package authz\n\ndefault allow := false\n';
const broken = 'package authz\n\nallow if {\n';

let issuer: TestIssuer;
let dir: string;
let token: string;

beforeAll(async () => {
  issuer = await startIssuer();
  token = await issuer.sign({ expiresIn: 600 });
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-core-watch-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await issuer.close();
});

async function eventually(check: () => Promise<void>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

async function start(policy: string, options: Partial<AuthorizerOptions> = {}) {
  const { logger, records } = recordingLogger();
  const authorizer = new OpaJwtAuthorizer({ policy, entrypoint: 'authz/allow', watch: true, issuer: issuer.issuer, jwksUri: issuer.jwksUri, audience: AUDIENCE, logger, ...options });
  await authorizer.ready();
  const request: CoreRequest = { method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } };
  const answer = async () => {
    const outcome = await authorizer.authorize(request);
    return outcome.type === 'allow' ? 200 : outcome.status;
  };
  return { authorizer, records, answer };
}

test('an edit changes the answer; a broken edit keeps the last good policy and logs why', async () => {
  const file = path.join(dir, 'authz.rego');
  writeFileSync(file, allowAll);
  const { authorizer, records, answer } = await start(file);
  try {
    expect(await answer()).toBe(200);

    writeFileSync(file, denyAll);
    await eventually(async () => expect(await answer()).toBe(403));

    const reloadsBefore = authorizer.policies.reloads;
    writeFileSync(file, broken);
    await eventually(async () => expect(authorizer.policies.reloads).toBeGreaterThan(reloadsBefore));
    expect(await answer()).toBe(403);
    const failure = records.find((r) => r.level === 'error' && /last good policy/.test(r.message ?? ''));
    expect(String(failure?.fields.error)).toMatch(/authz\.rego:\d+:\d+/);

    writeFileSync(file, allowAll);
    await eventually(async () => expect(await answer()).toBe(200));
  } finally {
    await authorizer.close();
  }
});

test('an editor saving by rename (write a temp file, rename it over the policy) is followed', async () => {
  const file = path.join(dir, 'authz.rego');
  writeFileSync(file, allowAll);
  const { authorizer, answer } = await start(file);
  try {
    for (const [content, expected] of [[denyAll, 403], [allowAll, 200], [denyAll, 403]] as const) {
      const temp = path.join(dir, '.authz.rego.swp');
      writeFileSync(temp, content);
      renameSync(temp, file);
      await eventually(async () => expect(await answer()).toBe(expected));
    }
  } finally {
    await authorizer.close();
  }
});

test('a folder: a new module or a changed data.json is picked up', async () => {
  writeFileSync(path.join(dir, 'authz.rego'), 'package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.jwt.payload.sub in data.authz.users\n');
  writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ authz: { users: ['bob'] } }));
  const { authorizer, answer } = await start(dir);
  try {
    expect(await answer()).toBe(403);
    writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ authz: { users: ['alice'] } }));
    await eventually(async () => expect(await answer()).toBe(200));
  } finally {
    await authorizer.close();
  }
});

test('requests during reloads get the old or the new answer, never an error', async () => {
  const file = path.join(dir, 'authz.rego');
  writeFileSync(file, allowAll);
  const { authorizer, answer } = await start(file, { tokenCacheSize: 0 });
  try {
    const seen = new Set<number>();
    const deadline = Date.now() + 1500;
    let flips = 0;
    const writer = (async () => {
      while (Date.now() < deadline) {
        writeFileSync(file, flips++ % 2 === 0 ? denyAll : allowAll);
        await sleep(120);
      }
    })();
    while (Date.now() < deadline) {
      const results = await Promise.all(Array.from({ length: 10 }, answer));
      results.forEach((status) => seen.add(status));
      await sleep(5);
    }
    await writer;
    expect([...seen].every((status) => status === 200 || status === 403)).toBe(true);
    expect(seen.has(403)).toBe(true);
  } finally {
    await authorizer.close();
  }
});

test('close() stops watching', async () => {
  const file = path.join(dir, 'authz.rego');
  writeFileSync(file, allowAll);
  const { authorizer, answer } = await start(file);
  await authorizer.close();
  const reloads = authorizer.policies.reloads;
  writeFileSync(file, denyAll);
  await sleep(600);
  expect(authorizer.policies.reloads).toBe(reloads);
  expect(await answer()).toBe(200);
});
