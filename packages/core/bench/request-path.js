#!/usr/bin/env node
/**
 * Cost of the per-request path in one process, without HTTP: `authorize()` called in a loop with realistic
 * requests (the headers a node:http server sees from a typical client, fresh strings for each request), one
 * request at a time (each awaited), as a server's thread would spend it. Prints, per scenario, the median over
 * several rounds of the mean µs per request in a round. Scenarios are interleaved round by round, so that the
 * machine's noise hits them alike.
 *
 * - cached token, allowed:   GET /orders/7 with a reader token already verified (policies/api-authz.rego)
 * - cached token, denied:    POST /orders with the same reader token (403 insufficient_scope)
 * - anonymous, denied:       GET /orders/7 without a token, `authRequired: false`, so the policy runs (401)
 * - anonymous, refused:      the same with the default `authRequired: true`: 401 before the policy runs
 * - MCP tools/call, allowed: POST /mcp, JSON-RPC tools/call get_ticket_price, tickets:read (policies/mcp-tools.rego)
 * - cached token, allowed, decision log on: the first scenario with a logger (entries built and redacted)
 * - cached token, allowed, decision log serialised: the same with an `onDecision` that writes each entry's JSON,
 *   as any sink does (what Node's JSON.stringify takes the fast way depends on the entry's objects and strings)
 * - cached token, allowed, decision log lines: the same sink handed each entry's JSON by `onDecisionLine` (a build
 *   without that option serialises the entry for it, as the sink above)
 * - cached token, allowed, decision log upload on: the first scenario with `opaConfig`: the policy is a bundle
 *   polled from a local HTTP server and every decision is buffered and uploaded (gzipped) to a local collector
 *
 * Then, per scenario (and build), the bytes of objects a request makes, from V8's sampling heap profiler.
 *
 * Not a test: `node packages/core/bench/request-path.js` after `npm run build` (about 10 s; add `--cpu-prof` to
 * profile). Environment: REQUEST_PATH_ROUNDS (default 15), REQUEST_PATH_PER_ROUND (requests per scenario and
 * round, default 4000), REQUEST_PATH_ONLY (a scenario name, to profile one alone), REQUEST_PATH_BASELINE (the
 * path of another build's index.js, e.g. a copy of an older dist/: each scenario is also run against it,
 * interleaved in the same rounds, and the ratio printed; give it NODE_PATH=node_modules if it lives elsewhere).
 */
'use strict';
const path = require('node:path');
const { generateKeyPairSync, sign } = require('node:crypto');

const ROOT = path.join(__dirname, '..', '..', '..');
const ROUNDS = Number(process.env.REQUEST_PATH_ROUNDS || 15);
const PER_ROUND = Number(process.env.REQUEST_PATH_PER_ROUND || 4000);
const ONLY = process.env.REQUEST_PATH_ONLY;
const ISSUER = 'https://issuer.bench.example/';
const AUDIENCE = 'orders-api';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
function mint(claims) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', kid: 'bench', typ: 'JWT' })}.${b64({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** What node:http puts in `req.headers` for a typical API client. */
function headers(extra) {
  return {
    host: 'api.example.com',
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) bench-client/1.0',
    accept: 'application/json, text/plain, */*',
    'accept-encoding': 'gzip, deflate, br',
    'accept-language': 'en-GB,en;q=0.9',
    connection: 'keep-alive',
    'x-request-id': '5b0f7a3e-2c1d-4e8f-9a6b-1c2d3e4f5a6b',
    ...extra,
  };
}

const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** A bundle server (the api-authz policy as `opa-jwt build` bundles it) and a decision log collector, on 127.0.0.1. */
async function startFleetServer() {
  const http = require('node:http');
  const fs = require('node:fs');
  const { compile, writeBundle } = require('@opa-jwt/rego');
  const source = fs.readFileSync(path.join(ROOT, 'policies', 'api-authz.rego'), 'utf8');
  const modules = [{ path: 'api-authz.rego', source }];
  const compiled = compile({ modules, entrypoints: ['authz/decision'] });
  const bundle = writeBundle({
    wasm: compiled.wasm,
    entrypoints: ['authz/decision'],
    regoFiles: modules,
    manifest: { revision: 'bench', roots: [''], wasm: [{ entrypoint: 'authz/decision', module: '/policy.wasm' }] },
  });
  let received = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET')
      return void (req.headers['if-none-match'] === '"bench"'
        ? res.writeHead(304).end()
        : res.writeHead(200, { ETag: '"bench"' }).end(bundle));
    req.on('data', () => undefined);
    req.on('end', () => {
      received++;
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, uploads: () => received, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))) };
}

/** What the serialising and the line sinks wrote (as a writer measures text it writes), kept so that their work is not optimised away. */
let serialisedBytes = 0;
let lineBytes = 0;
const writeLine = (line) => void (lineBytes += Buffer.byteLength(line));

/** An authorizer handing its entries' JSON to `writeLine`: through `onDecisionLine`, or serialised where a build has none. */
function linesAuthorizer(core, options) {
  try {
    return core.createAuthorizer({ ...options, onDecisionLine: writeLine });
  } catch (error) {
    if (!String(error?.message).includes('onDecisionLine')) throw error;
    return core.createAuthorizer({ ...options, onDecision: (entry) => writeLine(JSON.stringify(entry)) });
  }
}

/** The scenarios, on authorizers created by one build of the core. */
async function scenariosOf(core, label) {
  const keys = { issuer: ISSUER, publicKey: publicKey.export({ type: 'spki', format: 'pem' }), audience: AUDIENCE, algorithms: ['ES256'] };
  const api = { ...keys, policy: path.join(ROOT, 'policies', 'api-authz.rego'), entrypoint: 'authz/decision', authRequired: false };
  const authorizers = {
    api: core.createAuthorizer(api),
    logged: core.createAuthorizer({ ...api, logger: silentLogger }),
    serialised: core.createAuthorizer({
      ...api,
      onDecision: (entry) => void (serialisedBytes += Buffer.byteLength(JSON.stringify(entry))),
    }),
    lines: linesAuthorizer(core, api),
    required: core.createAuthorizer({ ...api, authRequired: true }),
    mcp: core.createAuthorizer({ ...keys, policy: path.join(ROOT, 'policies', 'mcp-tools.rego'), entrypoint: 'mcp/tools/result' }),
  };
  const fleetServer = await startFleetServer();
  const { policy: _policy, ...withoutPolicy } = api;
  authorizers.uploaded = core.createAuthorizer({
    ...withoutPolicy,
    opaConfig: {
      services: { local: { url: fleetServer.url } },
      bundles: { authz: { resource: 'bundle.tar.gz', polling: { min_delay_seconds: 10, max_delay_seconds: 20 } } },
      decision_logs: { reporting: { min_delay_seconds: 0.5, max_delay_seconds: 1, buffer_size_limit_events: 100000 } },
    },
  });
  await Promise.all(Object.values(authorizers).map((authorizer) => authorizer.ready()));

  const reader = mint({ sub: 'alice', roles: ['reader'], scope: 'orders:read' });
  const agent = mint({ sub: 'agent-7', scope: 'tickets:read', client_id: 'mcp-client' });
  const ip = '::ffff:10.0.0.7';
  const mcpBody = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_ticket_price', arguments: { route: 'SFO-JFK' } } };
  const scenarios = [
    {
      name: 'cached token, allowed',
      authorizer: authorizers.api,
      expect: 'allow',
      request: { method: 'GET', url: '/orders/7?expand=1', headers: headers({ authorization: `Bearer ${reader}` }), ip },
    },
    {
      name: 'cached token, denied',
      authorizer: authorizers.api,
      expect: 403,
      request: {
        method: 'POST',
        url: '/orders',
        headers: headers({ authorization: `Bearer ${reader}`, 'content-type': 'application/json', 'content-length': '13' }),
        ip,
        body: { item: 'x' },
      },
    },
    {
      name: 'anonymous, denied',
      authorizer: authorizers.api,
      expect: 401,
      request: { method: 'GET', url: '/orders/7', headers: headers({}), ip },
    },
    {
      name: 'anonymous, refused (authRequired)',
      authorizer: authorizers.required,
      expect: 401,
      request: { method: 'GET', url: '/orders/7', headers: headers({}), ip },
    },
    {
      name: 'MCP tools/call, allowed',
      authorizer: authorizers.mcp,
      expect: 'allow',
      request: {
        method: 'POST',
        url: '/mcp',
        headers: headers({
          authorization: `Bearer ${agent}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': String(JSON.stringify(mcpBody).length),
          'mcp-protocol-version': '2025-06-18',
        }),
        ip,
        body: mcpBody,
      },
    },
    {
      name: 'cached token, allowed, decision log on',
      authorizer: authorizers.logged,
      expect: 'allow',
      request: { method: 'GET', url: '/orders/7?expand=1', headers: headers({ authorization: `Bearer ${reader}` }), ip },
    },
    {
      name: 'cached token, allowed, decision log serialised',
      authorizer: authorizers.serialised,
      expect: 'allow',
      request: { method: 'GET', url: '/orders/7?expand=1', headers: headers({ authorization: `Bearer ${reader}` }), ip },
    },
    {
      name: 'cached token, allowed, decision log lines',
      authorizer: authorizers.lines,
      expect: 'allow',
      request: { method: 'GET', url: '/orders/7?expand=1', headers: headers({ authorization: `Bearer ${reader}` }), ip },
    },
    {
      name: 'cached token, allowed, decision log upload on',
      authorizer: authorizers.uploaded,
      expect: 'allow',
      request: { method: 'GET', url: '/orders/7?expand=1', headers: headers({ authorization: `Bearer ${reader}` }), ip },
    },
  ].filter((scenario) => ONLY === undefined || scenario.name === ONLY);
  if (scenarios.length === 0) throw new Error(`REQUEST_PATH_ONLY="${ONLY}" names no scenario`);

  // Each scenario must give the answer it claims to measure (a broken set-up would time the wrong path).
  for (const { name, authorizer, expect, request } of scenarios) {
    const outcome = await authorizer.authorize(request);
    const got = outcome.type === 'allow' ? 'allow' : outcome.status;
    if (got !== expect)
      throw new Error(`${label}, scenario "${name}": expected ${expect}, got ${got} ${JSON.stringify(outcome.body ?? '')}`);
  }
  if (scenarios.some((scenario) => scenario.authorizer === authorizers.serialised) && serialisedBytes === 0)
    throw new Error(`${label}: the decision log sink was given no entry`);
  if (scenarios.some((scenario) => scenario.authorizer === authorizers.lines) && lineBytes === 0)
    throw new Error(`${label}: the decision log line sink was given no line`);
  const close = async () => {
    await Promise.all(Object.values(authorizers).map((authorizer) => authorizer.close()));
    const metrics = authorizers.uploaded.fleet?.uploader?.metrics;
    if (metrics)
      console.log(
        `  ${label}: decision log upload: ${metrics.counter_decision_logs_uploaded} events uploaded in ${fleetServer.uploads()} requests, ${metrics.counter_decision_logs_dropped_buffer_size_limit_exceeded} dropped, ${metrics.counter_decision_logs_upload_failures} failed uploads, ${metrics.buffered_events} left in the buffer ${JSON.stringify(authorizers.uploaded.fleet.report().decision_logs)}`,
      );
    await fleetServer.close();
  };
  return { scenarios, close };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/**
 * `count` copies of a request as a server hands them over: each with its own headers object and its own strings
 * (a string remembers its hash once a Map has looked it up, so a request reused as it is would cost less than any
 * real one). Made before a round, outside the time measured.
 */
function freshCopies(request, count) {
  const copies = [];
  for (let i = 0; i < count; i++) {
    const headers = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = Buffer.from(value, 'latin1').toString('latin1');
    copies.push({ ...request, headers, url: Buffer.from(request.url, 'latin1').toString('latin1') });
  }
  return copies;
}

async function main() {
  let core;
  try {
    core = require('@opa-jwt/core');
  } catch {
    console.error('request-path.js needs the built packages: run `npm run build` first');
    process.exit(1);
  }
  const builds = [{ label: 'this build', ...(await scenariosOf(core, 'this build')) }];
  if (process.env.REQUEST_PATH_BASELINE) {
    const baseline = require(path.resolve(process.env.REQUEST_PATH_BASELINE));
    builds.push({ label: 'baseline', ...(await scenariosOf(baseline, 'baseline')) });
  }

  const samples = new Map();
  for (let round = -2; round < ROUNDS; round++) {
    // Rounds -2 and -1 warm up (JIT, caches) and are not counted.
    for (let index = 0; index < builds[0].scenarios.length; index++) {
      for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
        const { name, authorizer, request } = build.scenarios[index];
        const requests = freshCopies(request, PER_ROUND);
        const started = process.hrtime.bigint();
        for (let i = 0; i < PER_ROUND; i++) await authorizer.authorize(requests[i]);
        const perRequest = Number(process.hrtime.bigint() - started) / 1000 / PER_ROUND;
        const key = `${build.label}\0${name}`;
        if (!samples.has(key)) samples.set(key, []);
        if (round >= 0) samples.get(key).push(perRequest);
      }
    }
  }

  console.log(
    `node ${process.version}; ${ROUNDS} rounds of ${PER_ROUND} requests per scenario, interleaved; median (min–max) of the rounds' mean µs/request`,
  );
  const cell = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${median(values).toFixed(2).padStart(7)} µs (${sorted[0].toFixed(1)}–${sorted[sorted.length - 1].toFixed(1)})`;
  };
  console.log(
    `  ${'scenario'.padEnd(48)} ${builds.map((build) => build.label.padEnd(24)).join(' ')}${builds.length > 1 ? 'this / baseline' : ''}`,
  );
  for (const { name } of builds[0].scenarios) {
    const columns = builds.map((build) => samples.get(`${build.label}\0${name}`));
    const ratio = columns.length > 1 ? `${(median(columns[0]) / median(columns[1])).toFixed(2)}` : '';
    console.log(`  ${name.padEnd(48)} ${columns.map((values) => cell(values).padEnd(24)).join(' ')}${ratio}`);
  }
  console.log('bytes of objects made per request (V8 sampling heap profiler, garbage included)');
  console.log(`  ${'scenario'.padEnd(48)} ${builds.map((build) => build.label.padStart(10)).join('  ')}`);
  for (let index = 0; index < builds[0].scenarios.length; index++) {
    const bytes = [];
    for (const build of builds) bytes.push(await allocatedPerRequest(build.scenarios[index]));
    console.log(
      `  ${builds[0].scenarios[index].name.padEnd(48)} ${bytes.map((value) => String(Math.round(value)).padStart(10)).join('  ')}`,
    );
  }
  await Promise.all(builds.map((build) => build.close()));
}

/**
 * The bytes of objects a scenario's requests make, per request, from V8's sampling heap profiler with the objects
 * garbage-collected since counted (an estimate: one sample per 64 bytes on average). The requests are decided as the
 * adapters decide them (`authorizeNow`, awaited only when it returns a promise) and made before sampling starts.
 */
async function allocatedPerRequest({ authorizer, request }) {
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  const requests = freshCopies(request, PER_ROUND);
  await post('HeapProfiler.startSampling', {
    samplingInterval: 64,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
  for (let i = 0; i < PER_ROUND; i++) {
    const outcome = authorizer.authorizeNow ? authorizer.authorizeNow(requests[i]) : authorizer.authorize(requests[i]);
    if (outcome instanceof Promise) await outcome;
  }
  const { profile } = await post('HeapProfiler.stopSampling');
  session.disconnect();
  let total = 0;
  const add = (node) => {
    total += node.selfSize;
    for (const child of node.children) add(child);
  };
  add(profile.head);
  return total / PER_ROUND;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
