/**
 * `watch: true`: edits to the policy file or folder are compiled and swapped in between requests; a broken edit keeps
 * the last good policy and logs why; editors that save by renaming are followed; close() stops watching. A policy
 * that fails at start-up is put in force once a good version is saved, and an issuer that is down at start-up is
 * picked up when it comes back: no restart either way, fail closed meanwhile.
 */
import { mkdtempSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CoreRequest } from '../src/contract';
import { OpaJwtAuthorizer } from '../src/authorizer';
import type { AuthorizerOptions } from '../src/options';
import { fakeDateOnly } from '../../../test/support/clock';
import { AUDIENCE, recordingLogger, startIssuer, type Recorded, type TestIssuer } from '../../../test/support/issuer';

const allowAll = 'package authz\n\ndefault allow := false\n\nallow if input.method == "GET"\n';
const denyAll = 'package authz\n\ndefault allow := false\n';
const broken = 'package authz\n\nallow if {\n';
const brokenOtherwise = 'package authz\n\nallow if input.method ==\n';

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

/**
 * Runs `check` now and again after each record the authorizer logs (a reload, a failed one, a recovery) until it
 * passes. The file events come when the OS delivers them, so the test waits for the authorizer to report that it
 * acted, never for a fixed time; it fails if 8 s pass without a record after which `check` holds.
 */
async function afterLogs(
  nextRecord: (matches: (record: Recorded) => boolean) => Promise<Recorded>,
  check: () => Promise<void>,
  timeoutMs = 8000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const next = nextRecord(aboutPolicy); // asked before `check`, so that a record logged meanwhile is not missed
    try {
      return await check();
    } catch (error) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))),
      );
      const outcome = await Promise.race([next, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') throw error;
    }
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** What the policy store logs when it acted on a change (reloaded, could not load, recovered); not per-request logs. */
const aboutPolicy = (record: Recorded) => /polic/i.test(record.message ?? '');

/** An authorizer on `policy` (watched unless `options` say otherwise), not awaited: `ready()` may reject. */
function create(policy: string, options: Partial<AuthorizerOptions> = {}) {
  const { logger, records, nextRecord } = recordingLogger();
  const authorizer = new OpaJwtAuthorizer({
    policy,
    entrypoint: 'authz/allow',
    watch: true,
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger,
    ...options,
  });
  const request: CoreRequest = { method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } };
  const decide = () => authorizer.authorize(request);
  const answer = async () => {
    const outcome = await decide();
    return outcome.type === 'allow' ? 200 : outcome.status;
  };
  /** Runs `check` after each thing the authorizer logs until it passes (see afterLogs). */
  const eventually = (check: () => Promise<void>) => afterLogs(nextRecord, check);
  return { authorizer, records, answer, decide, eventually, nextRecord };
}

async function start(policy: string, options: Partial<AuthorizerOptions> = {}) {
  const created = create(policy, options);
  await created.authorizer.ready();
  return created;
}

test('an edit changes the answer; a broken edit keeps the last good policy and logs why', async () => {
  const file = path.join(dir, 'authz.rego');
  writeFileSync(file, allowAll);
  const { authorizer, records, answer, eventually } = await start(file);
  try {
    // Repeated until the request itself is remembered with its answer (repeated-requests.ts): the new policy answers it.
    for (let n = 0; n < 4; n++) expect(await answer()).toBe(200);

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
  const { authorizer, answer, eventually } = await start(file);
  try {
    for (const [content, expected] of [
      [denyAll, 403],
      [allowAll, 200],
      [denyAll, 403],
    ] as const) {
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
  writeFileSync(
    path.join(dir, 'authz.rego'),
    'package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.jwt.payload.sub in data.authz.users\n',
  );
  writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ authz: { users: ['bob'] } }));
  const { authorizer, answer, eventually } = await start(dir);
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
  const { authorizer, answer, nextRecord } = await start(file, { tokenCacheSize: 0 });
  try {
    const seen = new Set<number>();
    let writing = true;
    // Twelve edits, each written once the previous one was reloaded, while batches of requests run in between.
    const writer = (async () => {
      for (let flip = 0; flip < 12; flip++) {
        const reloaded = nextRecord(aboutPolicy);
        writeFileSync(file, flip % 2 === 0 ? denyAll : allowAll);
        expect((await reloaded).message).toMatch(/policy reloaded/);
      }
    })().finally(() => (writing = false));
    let batches = 0;
    while (writing) {
      const results = await Promise.all(Array.from({ length: 10 }, answer));
      results.forEach((status) => seen.add(status));
      batches++;
      await turn(); // let the file events and the reload in
    }
    await writer;
    expect(authorizer.policies.reloads).toBeGreaterThanOrEqual(12);
    expect(batches).toBeGreaterThan(12);
    expect([...seen].sort()).toEqual([200, 403]);
  } finally {
    await authorizer.close();
  }
});

test('close() stops watching', async () => {
  const file = path.join(dir, 'authz.rego');
  writeFileSync(file, allowAll);
  // The debounce timer is jest's, so a reload the authorizer schedules shows as a pending timer, without waiting for it.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
  // A second watcher on the folder: once it has seen an edit, so has the authorizer's (same folder, same write).
  const witness = watch(dir, { persistent: false });
  const edited = () => new Promise<void>((resolve) => witness.once('change', () => resolve()));
  const { authorizer, answer } = await start(file);
  try {
    // While watching, an edit schedules a reload...
    const timersBefore = jest.getTimerCount();
    let seen = edited();
    writeFileSync(file, allowAll);
    await seen;
    await turn();
    expect(jest.getTimerCount()).toBe(timersBefore + 1);

    // ...after close(), an edit schedules nothing and nothing is reloaded.
    await authorizer.close();
    const timersAfterClose = jest.getTimerCount();
    const reloads = authorizer.policies.reloads;
    seen = edited();
    writeFileSync(file, denyAll);
    await seen;
    await turn();
    expect(jest.getTimerCount()).toBe(timersAfterClose);
    jest.runOnlyPendingTimers();
    await turn();
    expect(authorizer.policies.reloads).toBe(reloads);
    expect(await answer()).toBe(200);
  } finally {
    witness.close();
    jest.useRealTimers();
  }
});

describe('recovery after a failed start', () => {
  test('watch: a policy broken at start-up is put in force once a good version is saved; until then every request is 500', async () => {
    const file = path.join(dir, 'authz.rego');
    writeFileSync(file, broken);
    const { authorizer, records, answer, eventually } = create(file);
    try {
      await expect(authorizer.ready()).rejects.toThrow(/authz\.rego:\d+:\d+/);
      expect(await answer()).toBe(500);
      expect(
        records.filter((r) => r.level === 'error' && /failed to start.*until a version that loads is saved/.test(r.message ?? '')),
      ).toHaveLength(1);

      // Another broken version: still nothing in force, logged with its position, still 500.
      const reloadsBefore = authorizer.policies.reloads;
      writeFileSync(file, brokenOtherwise);
      await eventually(async () => expect(authorizer.policies.reloads).toBeGreaterThan(reloadsBefore));
      expect(await answer()).toBe(500);
      const stillBroken = records.find((r) => r.level === 'error' && /still cannot be loaded/.test(r.message ?? ''));
      expect(String(stillBroken?.fields.error)).toMatch(/authz\.rego:\d+:\d+/);

      writeFileSync(file, allowAll);
      await eventually(async () => expect(await answer()).toBe(200));
      const recovered = records.filter((r) => /policy recovered/.test(r.message ?? ''));
      expect(recovered).toHaveLength(1);
      expect(recovered[0]).toMatchObject({ level: 'warn', fields: { entrypoint: 'authz/allow' } });
      await expect(authorizer.ready()).rejects.toThrow(/authz\.rego:\d+:\d+/); // ready() keeps reporting the start-up failure

      // From here on it is an ordinary hot reload: edits apply, a broken one keeps the recovered policy.
      writeFileSync(file, denyAll);
      await eventually(async () => expect(await answer()).toBe(403));
      const reloadsThen = authorizer.policies.reloads;
      writeFileSync(file, broken);
      await eventually(async () => expect(authorizer.policies.reloads).toBeGreaterThan(reloadsThen));
      expect(await answer()).toBe(403);
    } finally {
      await authorizer.close();
    }
  });

  test('watch: a folder whose data.json is broken at start-up recovers when it is fixed', async () => {
    writeFileSync(
      path.join(dir, 'authz.rego'),
      'package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.jwt.payload.sub in data.authz.users\n',
    );
    writeFileSync(path.join(dir, 'data.json'), '{"authz": {"users": ["alice"]'); // truncated JSON
    const { authorizer, answer, eventually } = create(dir);
    try {
      await expect(authorizer.ready()).rejects.toThrow(/data\.json: invalid JSON/);
      expect(await answer()).toBe(500);
      writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ authz: { users: ['alice'] } }));
      await eventually(async () => expect(await answer()).toBe(200));
    } finally {
      await authorizer.close();
    }
  });

  test('without watch nothing changes: the fix a watching authorizer picks up leaves the other one at 500', async () => {
    const file = path.join(dir, 'authz.rego');
    writeFileSync(file, broken);
    const watching = create(file, { watch: true });
    const unwatched = create(file, { watch: false });
    try {
      await expect(watching.authorizer.ready()).rejects.toThrow(/authz\.rego:\d+:\d+/);
      await expect(unwatched.authorizer.ready()).rejects.toThrow(/authz\.rego:\d+:\d+/);
      expect(unwatched.records.some((r) => r.level === 'error' && /until the process is restarted/.test(r.message ?? ''))).toBe(true);
      writeFileSync(file, allowAll);
      await watching.eventually(async () => expect(await watching.answer()).toBe(200));
      expect(await unwatched.answer()).toBe(500);
      expect(unwatched.authorizer.policies.current).toBeUndefined();
    } finally {
      await Promise.all([watching.authorizer.close(), unwatched.authorizer.close()]);
    }
  });

  test('issuer discovery down at start-up: ready() rejects, tokens get 503 with Retry-After, and the issuer is picked up when it answers', async () => {
    const file = path.join(dir, 'authz.rego');
    writeFileSync(file, allowAll);
    let discoveryUp = false;
    let discoveryHits = 0;
    issuer.routes.set('/.well-known/openid-configuration', (_req, res) => {
      discoveryHits++;
      if (!discoveryUp) return void res.writeHead(503).end('down');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri }));
    });
    fakeDateOnly();
    const { authorizer, records, answer, decide } = create(file, {
      watch: false,
      issuer: undefined,
      jwksUri: undefined,
      issuerBaseURL: issuer.issuer,
      cooldownDuration: 300,
    });
    try {
      await expect(authorizer.ready()).rejects.toThrow(/discovery.*HTTP 503/);
      expect(records.filter((r) => r.level === 'error' && /discovery failed at start-up/.test(r.message ?? ''))).toHaveLength(1);

      // Fail closed, and say when to come back; a burst shares at most one new attempt (cooldown, one in flight).
      const hitsBefore = discoveryHits;
      const outcomes = await Promise.all(Array.from({ length: 20 }, decide));
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({ type: 'respond', status: 503, body: { error: 'temporarily_unavailable' } });
        expect((outcome as { headers: Record<string, string> }).headers['Retry-After']).toMatch(/^[1-9]\d*$/);
      }
      expect(discoveryHits - hitsBefore).toBe(0); // within the cooldown of the start-up attempt

      discoveryUp = true;
      jest.setSystemTime(Date.now() + 299);
      expect(await answer()).toBe(503); // still within the cooldown: no attempt, fail closed
      expect(discoveryHits - hitsBefore).toBe(0);
      jest.setSystemTime(Date.now() + 1);
      expect(await answer()).toBe(200);
      expect(discoveryHits - hitsBefore).toBe(1);
      expect(records.some((r) => r.level === 'warn' && /discovery recovered/.test(r.message ?? ''))).toBe(true);
      expect(authorizer.verifier.issuers[0].issuer).toBe(issuer.issuer);
    } finally {
      issuer.routes.delete('/.well-known/openid-configuration');
      await authorizer.close();
      jest.useRealTimers();
    }
  });

  test('JWKS down at start-up: ready() resolves with a warning, tokens get 503, and the keys are fetched when the issuer is back', async () => {
    const file = path.join(dir, 'authz.rego');
    writeFileSync(file, allowAll);
    issuer.setDown(true);
    fakeDateOnly();
    try {
      const { authorizer, records, answer } = create(file, { watch: false, cooldownDuration: 300 });
      try {
        await authorizer.ready();
        expect(records.some((r) => r.level === 'warn' && /keys at start-up; will retry on demand/.test(r.message ?? ''))).toBe(true);
        expect(await answer()).toBe(503);
        const hits = issuer.hits();
        issuer.setDown(false);
        jest.setSystemTime(Date.now() + 299);
        expect(await answer()).toBe(503); // still within the cooldown: no attempt, fail closed
        expect(issuer.hits()).toBe(hits);
        jest.setSystemTime(Date.now() + 1);
        expect(await answer()).toBe(200);
        expect(issuer.hits()).toBe(hits + 1);
      } finally {
        await authorizer.close();
      }
    } finally {
      issuer.setDown(false);
      jest.useRealTimers();
    }
  });
});
