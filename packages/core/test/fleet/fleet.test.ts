/**
 * `opaConfig` end to end against real components: nginx serving bundles made by our bundle writer (ETag, 304),
 * a collector on 127.0.0.1 receiving gzipped decision logs and status reports, real authorizers. Covers activation,
 * 304 polling, propagation of a new revision, fail-closed 503 before the first bundle, last-good on corrupt /
 * unsigned / tampered / non-compiling bundles, a server that never answers, persistence across a restart with the
 * server gone, decision log delivery under load and through a collector outage (drops counted), and three
 * instances following one server. Skipped, with the reason, when nginx is not installed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { compile, writeBundle } from '@opa-jwt/rego';
import { signFiles, writeTar } from '../../../rego/src/bundle';
import { OpaJwtAuthorizer } from '../../src/authorizer';
import type { CoreRequest, Outcome } from '../../src/contract';
import { InvalidOptionError } from '../../src/errors';
import { readinessHandler } from '../../src/fleet/health';
import { startCollector, type Collector } from '../helpers/collector';
import { AUDIENCE, recordingLogger, startIssuer, type TestIssuer } from '../../../../test/support/issuer';
import { findNginx, startNginx, type Nginx } from '../helpers/nginx';

const nginxBinary = findNginx();
if (!nginxBinary) {
  console.warn('fleet tests skipped: nginx is not installed (apt-get install -y nginx; .ci/run installs it)');
}
const describeWithNginx = nginxBinary ? describe : describe.skip;

const POLICY = 'package authz\n\ndefault allow := false\n\nallow if data.config.open\n';
const RESOURCE = 'bundles/authz.tar.gz';

/** A bundle as `opa-jwt build` writes it (policy.wasm + sources + data + manifest with the revision). */
function wasmBundle(revision: string, open: boolean): Buffer {
  const modules = [{ path: 'authz/authz.rego', source: POLICY }];
  const compiled = compile({ modules, entrypoints: ['authz/allow'] });
  return writeBundle({
    wasm: compiled.wasm,
    data: { config: { open } },
    manifest: { revision, roots: [''], wasm: [{ entrypoint: 'authz/allow', module: '/policy.wasm' }] },
    regoFiles: modules,
  });
}

function regoFiles(revision: string, source: string, open: boolean): Map<string, Buffer> {
  return new Map([
    ['.manifest', Buffer.from(JSON.stringify({ revision, roots: [''] }))],
    ['authz/authz.rego', Buffer.from(source)],
    ['data.json', Buffer.from(JSON.stringify({ config: { open } }))],
  ]);
}

function tarball(files: Map<string, Buffer>): Buffer {
  return gzipSync(writeTar([...files].map(([name, content]) => ({ path: `/${name}`, content }))));
}

let issuer: TestIssuer;
let token: string;
let dir: string;
let nginx: Nginx;
let collector: Collector;
const started: OpaJwtAuthorizer[] = [];

/** nginx's ETag is the file's mtime (seconds) and size: each publication gets its own second, as in real life. */
let publications = 0;

function publish(archive: Buffer, resource = RESOURCE): void {
  const file = path.join(nginx.root, resource);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(`${file}.tmp`, archive);
  const mtime = Math.floor(Date.now() / 1000) + ++publications;
  utimesSync(`${file}.tmp`, mtime, mtime);
  renameSync(`${file}.tmp`, file); // atomic: nginx never serves half a file
}

function config(extra: { bundle?: Record<string, unknown>; decisionLogs?: Record<string, unknown>; top?: Record<string, unknown> } = {}) {
  return {
    services: { bundles: { url: nginx.url }, collector: { url: collector.url, credentials: { bearer: { token: 'collector-secret' } } } },
    bundles: {
      authz: { service: 'bundles', resource: RESOURCE, polling: { min_delay_seconds: 0.05, max_delay_seconds: 0.1 }, ...extra.bundle },
    },
    decision_logs: { service: 'collector', reporting: { min_delay_seconds: 0.05, max_delay_seconds: 0.1, ...extra.decisionLogs } },
    status: { service: 'collector' },
    labels: { region: 'test-1' },
    persistence_directory: path.join(dir, 'persist'),
    ...extra.top,
  };
}

function create(opaConfig: Record<string, unknown> | string, options: Record<string, unknown> = {}) {
  const { logger, records } = recordingLogger();
  const authorizer = new OpaJwtAuthorizer({
    opaConfig,
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger,
    ...options,
  });
  authorizer.ready().catch(() => undefined);
  started.push(authorizer);
  return { authorizer, records };
}

const request = (): CoreRequest => ({ method: 'GET', url: '/things', headers: { authorization: `Bearer ${token}` } });
const statusOf = (outcome: Outcome) => (outcome.type === 'allow' ? 200 : outcome.status);

async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

beforeAll(async () => {
  issuer = await startIssuer();
  token = await issuer.sign({ expiresIn: 600 });
});
afterAll(async () => {
  await issuer.close();
});

describe('opaConfig validation', () => {
  const base = { issuer: 'https://issuer.test', jwksUri: 'https://issuer.test/jwks', audience: 'api', logger: recordingLogger().logger };
  const services = { s: { url: 'https://bundles.test' } };
  const make =
    (opaConfig: unknown, extra = {}) =>
    () =>
      new OpaJwtAuthorizer({ ...base, opaConfig: opaConfig as Record<string, unknown>, ...extra });

  it('refuses credentials other than bearer tokens, naming the section', () => {
    expect(make({ services: { s: { url: 'https://b.test', credentials: { oauth2: {} } } }, bundles: { a: {} } })).toThrow(
      /opaConfig\.services\.s\.credentials\.oauth2.*not supported/,
    );
    expect(make({ services: { s: { url: 'https://b.test', credentials: { client_tls: {} } } }, bundles: { a: {} } })).toThrow(
      InvalidOptionError,
    );
  });
  it('refuses unknown keys and sections', () => {
    expect(make({ services, bundles: { a: { pollling: {} } } })).toThrow(/opaConfig\.bundles\.a\.pollling/);
    expect(make({ services, bundles: { a: {} }, distributed_tracing: {} })).toThrow(/opaConfig\.distributed_tracing/);
    expect(make({ services, bundles: { a: { signing: { keyid: 'missing' } } } })).toThrow(
      /opaConfig\.bundles\.a\.signing\.keyid.*not in `keys`/,
    );
    expect(make({ services, bundles: { a: { service: 'other' } } })).toThrow(/opaConfig\.bundles\.a\.service/);
  });
  it('refuses policy together with opaConfig, and neither', () => {
    expect(make({ services, bundles: { a: {} } }, { policy: 'x.rego' })).toThrow(/option "policy" cannot be combined with `opaConfig`/);
    expect(() => new OpaJwtAuthorizer({ ...base })).toThrow(/option "policy" is required/);
  });
  it('reads the YAML file `opa run -c` takes', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'opa-jwt-fleet-config-'));
    try {
      const file = path.join(folder, 'opa.yaml');
      writeFileSync(
        file,
        'services:\n  acme:\n    url: https://bundles.test\n    credentials:\n      bearer:\n        token: ${OPA_JWT_FLEET_TEST_TOKEN}\nbundles:\n  authz:\n    service: acme\n    polling:\n      min_delay_seconds: 3600\n      max_delay_seconds: 3600\n',
      );
      process.env.OPA_JWT_FLEET_TEST_TOKEN = 'from-the-environment';
      const authorizer = make(file)();
      delete process.env.OPA_JWT_FLEET_TEST_TOKEN;
      expect(authorizer.options.fleet?.services.get('acme')?.bearer).toEqual({ token: 'from-the-environment', scheme: 'Bearer' });
      expect(authorizer.health()).toMatchObject({ ready: false, bundles: { authz: {} } });
      await authorizer.close();
      writeFileSync(file, 'services: [\n');
      expect(make(file)).toThrow(/opaConfig.*not valid YAML/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('long polling', () => {
  it('sends Prefer: wait=N and asks again at once when the server holds requests (application/vnd.openpolicyagent.bundles)', async () => {
    let current = { etag: '"v1"', archive: wasmBundle('v1', true) };
    const waiting = new Set<() => void>();
    const prefers: string[] = [];
    const server: Server = createServer((req, res) => {
      prefers.push(String(req.headers.prefer));
      const answer = () => {
        res.writeHead(200, { 'Content-Type': 'application/vnd.openpolicyagent.bundles', ETag: current.etag }).end(current.archive);
      };
      if (req.headers['if-none-match'] !== current.etag) return answer();
      // Held until a new revision is published or the wait is over (then 304), as a long-polling bundle server does.
      const timer = setTimeout(() => {
        waiting.delete(release);
        res.writeHead(304, { 'Content-Type': 'application/vnd.openpolicyagent.bundles' }).end();
      }, 5000);
      const release = () => {
        clearTimeout(timer);
        answer();
      };
      waiting.add(release);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { logger } = recordingLogger();
    const authorizer = new OpaJwtAuthorizer({
      opaConfig: {
        services: { lp: { url } },
        bundles: { authz: { polling: { min_delay_seconds: 600, max_delay_seconds: 600, long_polling_timeout_seconds: 5 } } },
      },
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      audience: AUDIENCE,
      logger,
    });
    try {
      await authorizer.ready();
      expect(statusOf(await authorizer.authorize(request()))).toBe(200);
      await eventually(() => expect(waiting.size).toBe(1)); // the next request is already waiting at the server
      current = { etag: '"v2"', archive: wasmBundle('v2', false) };
      const t0 = Date.now();
      for (const release of waiting) release();
      waiting.clear();
      await eventually(async () => expect(statusOf(await authorizer.authorize(request()))).toBe(403), 3000);
      expect(Date.now() - t0).toBeLessThan(3000); // not the 600 s polling delay
      expect(prefers.every((p) => p === 'wait=5')).toBe(true);
    } finally {
      for (const release of waiting) release();
      await authorizer.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describeWithNginx('a fleet against nginx and a collector', () => {
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-fleet-'));
    nginx = await startNginx(nginxBinary!, dir);
    collector = await startCollector();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((a) => a.close()));
    await nginx.stop();
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails closed (503, Retry-After) before the first bundle, activates it, then polls with If-None-Match (304)', async () => {
    const { authorizer } = create(config());
    const before = await authorizer.authorize(request());
    expect(before).toMatchObject({ type: 'respond', status: 503 });
    expect((before as { headers: Record<string, string> }).headers['Retry-After']).toMatch(/^\d+$/);
    expect(authorizer.health().ready).toBe(false);

    publish(wasmBundle('r1', true));
    await authorizer.ready();
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);
    expect(authorizer.health()).toMatchObject({ ready: true, bundles: { authz: { active_revision: 'r1' } } });
    await eventually(() => expect(nginx.accessLog().filter((l) => l.status === 304).length).toBeGreaterThanOrEqual(3));
    const log = nginx.accessLog();
    expect(log.filter((l) => l.status === 200).length).toBe(1); // downloaded once, then only 304s
    expect(log.some((l) => l.status === 404)).toBe(true); // the polls before it was published
  });

  it('propagates a new revision (and reports it in status and decision logs)', async () => {
    publish(wasmBundle('r1', true));
    const { authorizer } = create(config());
    await authorizer.ready();
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);
    const t0 = Date.now();
    publish(wasmBundle('r2', false));
    await eventually(async () => expect(statusOf(await authorizer.authorize(request()))).toBe(403), 5000);
    const propagationMs = Date.now() - t0;

    console.log(`fleet: new revision in force after ${propagationMs} ms (polling 50-100 ms)`);
    expect(authorizer.health().bundles?.authz.active_revision).toBe('r2');
    await eventually(() => expect(collector.statuses.at(-1)?.bundles?.authz?.active_revision).toBe('r2'));
    expect(collector.statuses.at(-1)?.labels).toMatchObject({ region: 'test-1', version: 'opa-jwt' });
    await eventually(() =>
      expect(collector.events.some((e) => (e.bundles as { authz?: { revision?: string } } | undefined)?.authz?.revision === 'r2')).toBe(
        true,
      ),
    );
    const event = collector.events.at(-1)!;
    expect(event.labels).toMatchObject({ region: 'test-1' });
    expect(JSON.stringify(event.input)).toContain('"Bearer [REDACTED]"');
    expect(event.masked).toEqual(expect.arrayContaining([expect.stringMatching(/^\/input\/request\/http\/headers\/authorization$/i)]));
    expect(JSON.stringify(collector.events)).not.toContain(token);
  });

  it('keeps the last good bundle on a corrupt tarball, a policy that does not compile, and a server that never answers', async () => {
    const regoConfig = config();
    publish(tarball(regoFiles('good', POLICY, true)));
    const { authorizer, records } = create(regoConfig, { entrypoint: 'authz/allow' });
    await authorizer.ready();
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);

    publish(Buffer.from('this is not a tarball'));
    await eventually(() => expect(authorizer.health().bundles?.authz.error).toMatch(/tarball|decompress/));
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);
    expect(authorizer.health().bundles?.authz.active_revision).toBe('good');

    publish(tarball(regoFiles('broken', 'package authz\n\nallow if {\n', false)));
    await eventually(() => expect(authorizer.health().bundles?.authz.error).toMatch(/authz\/authz\.rego:\d+:\d+/));
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);
    expect(records.some((r) => r.level === 'error' && /last good one stays in force/.test(r.message ?? ''))).toBe(true);
    await eventually(() => expect(collector.statuses.at(-1)?.bundles?.authz?.code).toBe('bundle_error'));

    publish(tarball(regoFiles('fixed', POLICY, false)));
    await eventually(async () => expect(statusOf(await authorizer.authorize(request()))).toBe(403));
    expect(authorizer.health().bundles?.authz).toMatchObject({ active_revision: 'fixed', error: undefined });
  });

  it('times out a server that never answers and backs off', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hanging: Server = createServer(() => undefined); // accepts, never answers
    hanging.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const { authorizer } = create({
        services: { slow: { url, response_header_timeout_seconds: 0.2 } },
        bundles: { authz: { polling: { min_delay_seconds: 0.05, max_delay_seconds: 0.1 } } },
      });
      await eventually(() => expect(authorizer.health().bundles?.authz.error).toMatch(/no response within 0\.2 s/));
      expect(await authorizer.authorize(request())).toMatchObject({ status: 503 });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('verifies signed bundles as OPA does: unsigned and tampered bundles are refused, the last good stays', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signed = async (revision: string, open: boolean, tamper = false) => {
      const files = regoFiles(revision, POLICY, open);
      files.set('.signatures.json', Buffer.from(await signFiles(files, { key: privateKey, algorithm: 'RS256', keyId: 'global' })));
      if (tamper) files.set('data.json', Buffer.from(JSON.stringify({ config: { open: !open } })));
      return tarball(files);
    };
    const signing = config({
      bundle: { signing: { keyid: 'global' } },
      top: { keys: { global: { algorithm: 'RS256', key: publicKey.export({ type: 'spki', format: 'pem' }).toString() } } },
    });
    publish(tarball(regoFiles('unsigned', POLICY, true)));
    const { authorizer } = create(signing, { entrypoint: 'authz/allow' });
    await eventually(() => expect(authorizer.health().bundles?.authz.error).toMatch(/missing \.signatures\.json/));
    expect(await authorizer.authorize(request())).toMatchObject({ status: 503 });

    publish(await signed('s1', true));
    await authorizer.ready();
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);

    publish(await signed('s2', false, true));
    await eventually(() => expect(authorizer.health().bundles?.authz.error).toMatch(/data\.json: digest mismatch/));
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);

    // Whitespace in JSON files does not change their digest (OPA hashes the canonical form).
    const files = regoFiles('s3', POLICY, false);
    files.set('.signatures.json', Buffer.from(await signFiles(files, { key: privateKey, algorithm: 'RS256', keyId: 'global' })));
    files.set('data.json', Buffer.from('{ "config" : { "open" : false } }\n'));
    publish(tarball(files));
    await eventually(async () => expect(statusOf(await authorizer.authorize(request()))).toBe(403));
  });

  it('keeps the last good bundle on disk (persist) and enforces it after a restart with the server down', async () => {
    publish(wasmBundle('p1', true));
    const persisted = config({ bundle: { persist: true } });
    const first = create(persisted).authorizer;
    await first.ready();
    await first.close();
    await nginx.stop();
    const { authorizer } = create(persisted);
    await authorizer.ready();
    expect(statusOf(await authorizer.authorize(request()))).toBe(200);
    expect(authorizer.health()).toMatchObject({ ready: true, bundles: { authz: { active_revision: 'p1' } } });
    await eventually(() => expect(authorizer.health().bundles?.authz.error).toMatch(/download failed/));
    nginx = await startNginx(nginxBinary!, mkdtempSync(path.join(tmpdir(), 'opa-jwt-fleet-nginx-'))); // for afterEach
  });

  it('delivers every decision log under load and through a collector outage; beyond the buffer, drops are counted', async () => {
    publish(wasmBundle('r1', true));
    const { authorizer } = create(config({ decisionLogs: { buffer_size_limit_events: 300, upload_size_limit_bytes: 4096 } }));
    await authorizer.ready();
    const made = async (n: number) => {
      for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => authorizer.authorize(request())));
    };
    // Bounded load: 1000 decisions, 100 at a time, at most 200 not yet delivered (the buffer holds 300).
    for (let batch = 1; batch <= 10; batch++) {
      await made(100);
      await eventually(() => expect(collector.events.length).toBeGreaterThanOrEqual(batch * 100 - 100));
    }
    await eventually(() => expect(collector.events.length).toBe(1000));
    expect(Math.max(...collector.uploads)).toBeLessThanOrEqual(4096);
    expect(new Set(collector.events.map((e) => e.decision_id)).size).toBe(1000);

    await collector.down();
    await made(250); // fits the buffer: nothing lost
    await collector.up();
    await eventually(() => expect(collector.events.length).toBe(1250));

    await collector.down();
    await made(500); // 200 more than the buffer holds: the oldest 200 are dropped
    await collector.up();
    await eventually(() => expect(collector.events.length).toBe(1550));
    const metrics = authorizer.fleet!.uploader!.metrics;
    expect(metrics.counter_decision_logs_dropped_buffer_size_limit_exceeded).toBe(200);
    await eventually(() =>
      expect(collector.statuses.at(-1)?.metrics?.decision_logs?.counter_decision_logs_dropped_buffer_size_limit_exceeded).toBe(200),
    );

    console.log(
      `fleet: decision logs made 1750, received ${collector.events.length}, dropped (buffer full during outage) ${metrics.counter_decision_logs_dropped_buffer_size_limit_exceeded}, uploads ${collector.uploads.length}`,
    );
  });

  it('three instances follow one bundle server; the readiness handler answers 503 then 200', async () => {
    const instances = [create(config()), create(config()), create(config())].map((i) => i.authorizer);
    const ready = async (authorizer: OpaJwtAuthorizer) => {
      const server = createServer(readinessHandler(authorizer));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health/ready`);
        return { status: response.status, body: await response.json() };
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    };
    expect((await ready(instances[0])).status).toBe(503);
    publish(wasmBundle('f1', true));
    await Promise.all(instances.map((a) => a.ready()));
    expect(await ready(instances[1])).toMatchObject({ status: 200, body: { ready: true, bundles: { authz: { active_revision: 'f1' } } } });
    publish(wasmBundle('f2', false));
    const t0 = Date.now();
    await Promise.all(instances.map((a) => eventually(async () => expect(statusOf(await a.authorize(request()))).toBe(403))));

    console.log(`fleet: revision f2 in force on all 3 instances after ${Date.now() - t0} ms`);
    const ids = new Set(collector.statuses.map((s) => s.labels.id));
    expect(ids.size).toBe(3);
  });
});
