#!/usr/bin/env node
/**
 * Peer benchmark (`npm run bench:http`): the same API behind opa-jwt and behind what a user would pick instead,
 * measured in one run on this machine.
 *
 * 1. An issuer on 127.0.0.1 serves a JWKS (one RS256 key) and mints tokens: a reader's, an admin's, an MCP
 *    agent's, and 1,000 distinct readers'.
 * 2. Each scenario's server (server.js) starts in its own process, pinned to core 0 with `taskset` where it
 *    exists; the load generator (load.js, autocannon, 50 connections) runs pinned to core 1. Both run on this
 *    process's Node.js, or on the major version BENCH_HTTP_NODE names (installed by scripts/node-version.sh).
 *    Servers run with V8's memory reducer off (see startServer): they sit idle between their measurements.
 * 3. Before measuring, each server must answer correctly: 200 for a reader's GET /orders/1, 401 without a token
 *    (JWT variants), 403 for a reader's POST /orders (authorization variants), 200 for an allowed MCP tools/call.
 *    A server that answers wrongly stops the run: a fast wrong answer is no result.
 * 4. Every scenario is warmed up (discarded), then measured in rounds, each time together with its bare framework on
 *    a server of its own: a twin, started for this scenario alone, so that both have the same history (each measured
 *    once a round, idle as long in between). Its ratio in a round is its req/s over its twin's. The two are loaded at
 *    the same time, both servers on core 0 and each with a load generator of its own on core 1, started together
 *    (BENCH_HTTP_PAIRING=together, the default): the kernel shares core 0 equally between two processes that are
 *    always ready to run, so their rates stand in the inverse ratio of their CPU time per request, and every moment
 *    of the machine's noise falls on both. These machines' speed drifts by 20 % and more within a minute (other
 *    tenants): measured one after the other (BENCH_HTTP_PAIRING=turns: the twin before the scenario in one round,
 *    after it in the next, each with the core to itself), two identical bare Express servers' ratio ranged 0.69–1.31
 *    over rounds; measured together, 0.98–1.03 (the control row shows it in every run). A server measured more often
 *    than another runs hotter, so the bare framework is not shared. Scenarios and frameworks take a rotated order
 *    each round. Each measurement is preceded by 3 s of the same load, discarded too: a server idle while the others
 *    ran would otherwise be measured partly cold (its code and data out of the caches, its connections new; an opa-
 *    jwt server took up to 2 s after 90 s idle to reach its steady rate, a bare one 1 s), which costs a small server
 *    relatively more. Every server, twins included, runs as several identical processes that take turns, two rounds
 *    each: identical processes of one server were seen to hold rates up to 9 % apart over a whole run, a difference
 *    more rounds on one process cannot average out.
 *
 * The "repeated token" scenarios send one request over and over: opa-jwt remembers the answers of a deterministic
 * policy per input (policies/api-authz.rego is one), so they measure verification and the memory of answers, not the
 * policy's evaluation. The "distinct paths" scenarios (Express and Fastify, reader token) send GET /orders/<n> with n
 * counting up per request across the whole run (the correctness check included), so no two requests share an input
 * and every one evaluates the policy; they run on servers of their own, so that neither fills the other's memory,
 * and a run whose server reports a reused answer during their measurement stops with an error.
 *
 * 5. Printed: a Markdown table with, per scenario, the median req/s (min–max over rounds; a bare framework's over
 *    all its twins), the median of its rounds' ratios to its twin (min–max), the server's CPU µs per request (from
 *    the server process's own CPU time over the measured part) and the median of its rounds' extra over its twin,
 *    median p50/p99 latency (measured together, a server's latency includes its twin's turns on the core); then
 *    each opa-jwt server's heap at the start and the end.
 *
 * Not a test. Environment: BENCH_HTTP_ROUNDS (default 5), BENCH_HTTP_SECONDS (per measurement, default 3),
 * BENCH_HTTP_WARMUP (seconds, default 2), BENCH_HTTP_REWARM (seconds of load before each measurement, default 3),
 * BENCH_HTTP_CONNECTIONS (default 50), BENCH_HTTP_PROCESSES (processes per server, default 2), BENCH_HTTP_PAIRING
 * (`together`, the default, or `turns`: how a scenario and its twin are measured, see 4.), BENCH_HTTP_ONLY
 * (scenario names as printed, separated by `;`; the bare framework of each is always added), BENCH_HTTP_NODE (a
 * Node.js major version, e.g. 22 or 24, for the servers and the load generator; default: this process's),
 * BENCH_HTTP_BASELINE (the root of another checkout of opa-jwt, built: every opa-jwt scenario runs a second time on
 * servers using that build's adapters, named "… (baseline)", in the same interleaved rounds, so that two builds are
 * compared under the same noise; e.g.
 * `git worktree add /tmp/before <commit> && npm ci --prefix /tmp/before`).
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const http = require('node:http');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { startJwksIssuer } = require('../jwks-issuer');
const { nodeBinary } = require('../node-binary');

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS || 5);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS || 3);
const WARMUP = Number(process.env.BENCH_HTTP_WARMUP || 2);
const REWARM = Number(process.env.BENCH_HTTP_REWARM ?? 3);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS || 50);
const PROCESSES = Number(process.env.BENCH_HTTP_PROCESSES || 2);
const PAIRING = process.env.BENCH_HTTP_PAIRING || 'together';
const PAIRINGS = ['together', 'turns'];
/** Seconds of load after a measurement measured together, discarded: the two generators' timers end a moment apart. */
const TRAIL = 0.5;
const ONLY = process.env.BENCH_HTTP_ONLY ? process.env.BENCH_HTTP_ONLY.split(';').map((name) => name.trim()) : undefined;
const BASELINE = process.env.BENCH_HTTP_BASELINE ? path.resolve(process.env.BENCH_HTTP_BASELINE) : undefined;
const AUDIENCE = 'orders-api';
const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinned = (core, command, args) => (HAS_TASKSET ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]);
/** The Node.js the servers and the load generator run on. */
const NODE = nodeBinary('BENCH_HTTP_NODE');

// ------------------------------------------------------------------------------------------------ scenarios

const READ = { method: 'GET', path: '/orders/1', body: null };
/** `{n}` counts up per request across the run (see pathOf): no two requests share a path. */
const READ_DISTINCT = { method: 'GET', path: '/orders/{n}', body: null };
const MCP_CALL = {
  method: 'POST',
  path: '/mcp',
  body: { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_ticket_price', arguments: { route: 'SFO-JFK' } } },
};

/**
 * name, server variant, the bare scenario it is compared with, what the load sends, which token(s), and which
 * answers the correctness check requires (`jwt`: 401 without a token; `authz`: 403 for a reader's write).
 */
const SCENARIOS = [
  { name: 'bare Express', variant: 'express', bare: 'bare Express', load: READ, token: 'reader', checks: [] },
  // The control: bare Express measured against a twin of itself, so the run shows how far apart two identical servers measure.
  { name: 'bare Express (control)', variant: 'express', bare: 'bare Express', load: READ, token: 'reader', checks: [] },
  {
    name: 'express-oauth2-jwt-bearer',
    variant: 'express-oauth2-jwt-bearer',
    bare: 'bare Express',
    load: READ,
    token: 'reader',
    checks: ['jwt'],
  },
  { name: 'express-jwt + jwks-rsa', variant: 'express-jwt', bare: 'bare Express', load: READ, token: 'reader', checks: ['jwt'] },
  { name: 'jose jwtVerify', variant: 'jose', bare: 'bare Express', load: READ, token: 'reader', checks: ['jwt'] },
  { name: 'jose + token cache', variant: 'jose-cache', bare: 'bare Express', load: READ, token: 'reader', checks: ['jwt'] },
  {
    name: 'jose + cache + casbin',
    variant: 'jose-cache-casbin',
    bare: 'bare Express',
    load: READ,
    token: 'reader',
    checks: ['jwt', 'authz'],
  },
  {
    name: 'jose + cache + Cedar (wasm)',
    variant: 'jose-cache-cedar',
    bare: 'bare Express',
    load: READ,
    token: 'reader',
    checks: ['jwt', 'authz'],
  },
  { name: '**opa-jwt, repeated token**', variant: 'opa-jwt', bare: 'bare Express', load: READ, token: 'reader', checks: ['jwt', 'authz'] },
  { name: 'opa-jwt, 1,000 tokens', variant: 'opa-jwt', bare: 'bare Express', load: READ, token: 'readers', checks: ['jwt', 'authz'] },
  {
    name: 'opa-jwt, distinct paths',
    variant: 'opa-jwt',
    server: 'opa-jwt (distinct paths)',
    bare: 'bare Express',
    load: READ_DISTINCT,
    token: 'reader',
    checks: ['jwt', 'authz'],
  },
  { name: 'opa-jwt, decision log on', variant: 'opa-jwt-log', bare: 'bare Express', load: READ, token: 'reader', checks: ['jwt', 'authz'] },
  {
    name: 'opa-jwt, decision log lines',
    variant: 'opa-jwt-log-lines',
    bare: 'bare Express',
    load: READ,
    token: 'reader',
    checks: ['jwt', 'authz'],
  },
  { name: 'bare Express, MCP POST', variant: 'express', bare: 'bare Express, MCP POST', load: MCP_CALL, token: 'agent', checks: [] },
  {
    name: 'opa-jwt, MCP tools/call',
    variant: 'opa-jwt-mcp',
    bare: 'bare Express, MCP POST',
    load: MCP_CALL,
    token: 'agent',
    checks: ['jwt'],
  },
  { name: 'bare Fastify', variant: 'fastify', bare: 'bare Fastify', load: READ, token: 'reader', checks: [] },
  { name: '@fastify/jwt', variant: 'fastify-jwt', bare: 'bare Fastify', load: READ, token: 'reader', checks: ['jwt'] },
  {
    name: 'opa-jwt (Fastify), repeated token',
    variant: 'fastify-opa-jwt',
    bare: 'bare Fastify',
    load: READ,
    token: 'reader',
    checks: ['jwt', 'authz'],
  },
  {
    name: 'opa-jwt (Fastify), distinct paths',
    variant: 'fastify-opa-jwt',
    server: 'fastify-opa-jwt (distinct paths)',
    bare: 'bare Fastify',
    load: READ_DISTINCT,
    token: 'reader',
    checks: ['jwt', 'authz'],
  },
  { name: 'bare Koa', variant: 'koa', bare: 'bare Koa', load: READ, token: 'reader', checks: [] },
  {
    name: 'opa-jwt (Koa), repeated token',
    variant: 'koa-opa-jwt',
    bare: 'bare Koa',
    load: READ,
    token: 'reader',
    checks: ['jwt', 'authz'],
  },
];

/** The server process a scenario runs on: scenarios of one variant share one, unless they name their own. */
const serverOf = (scenario) => scenario.server ?? scenario.variant;

/**
 * The process of a scenario's server that measures in round `round` (BENCH_HTTP_PROCESSES): the copies take turns
 * every two rounds, so that each is measured with its twin both before and after it.
 */
const processOf = (scenario, round) => processKey(scenario, Math.floor(round / 2) % PROCESSES);

/** Every process of a scenario's server. */
const processesOf = (scenario) => Array.from({ length: PROCESSES }, (_, copy) => processKey(scenario, copy));

/** The name of one copy of a scenario's server: the first keeps the server's own. */
const processKey = (scenario, copy) => (copy === 0 ? serverOf(scenario) : `${serverOf(scenario)} [${copy + 1}]`);

/** BENCH_HTTP_BASELINE's copy of an opa-jwt scenario: the same load, on a server of its own using the other build. */
function baselineOf(scenario) {
  return { ...scenario, name: `${scenario.name} (baseline)`, server: `${serverOf(scenario)} (baseline)`, build: BASELINE };
}

/** The next number a `{n}` path gets: counts up over the whole run, checks and warm-up included. */
let nextPathNumber = 1;
const numbered = (load) => load.path.includes('{n}');
const pathOf = (load) => (numbered(load) ? load.path.replaceAll('{n}', String(nextPathNumber++)) : load.path);

// ------------------------------------------------------------------------------------------------ issuer

/** The shared benchmark issuer, and the tokens the scenarios send. */
async function startIssuer() {
  const issuer = await startJwksIssuer({ audience: AUDIENCE });
  issuer.tokens = {
    reader: [issuer.mint({ sub: 'bob', roles: ['reader'], scope: 'orders:read' })],
    readers: Array.from({ length: 1000 }, (_, i) => issuer.mint({ sub: `reader-${i}`, roles: ['reader'], scope: 'orders:read' })),
    agent: [issuer.mint({ sub: 'agent-7', scope: 'tickets:read', client_id: 'mcp-client' })],
    admin: [issuer.mint({ sub: 'alice', roles: ['admin'], scope: 'orders:read orders:write' })],
  };
  return issuer;
}

// ------------------------------------------------------------------------------------------------ servers

/**
 * `build`: the root of the checkout whose opa-jwt adapters the server uses (default: this one); `nodeOptions`: more
 * of Node's options for it (profile.js's `--perf-basic-prof`).
 */
function startServer(variant, issuer, build, nodeOptions = []) {
  const [command, args] = pinned(0, NODE.binary, [
    ...nodeOptions,
    '--expose-gc',
    // Idle for minutes between its measurements, a server would get V8's memory reducer: a full collection that
    // deoptimises the code embedding objects it frees (some 150 functions of Node, the framework and the core), so
    // that the next measurement would time their re-optimisation, not a server under steady load. For every server.
    '--no-memory-reducer',
    path.join(__dirname, 'server.js'),
    variant,
    issuer.issuer,
    issuer.jwksUri,
  ]);
  return new Promise((resolve, reject) => {
    const env = build === undefined ? process.env : { ...process.env, OPA_JWT_BUILD: build };
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      const match = /LISTENING (\d+)/.exec(String(chunk));
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code, signal) => {
      child.stderrText = stderr;
      const message = `${variant} exited (code ${code}, signal ${signal}): ${stderr}`;
      // Servers stop with code 0 when the run ends (SIGTERM); any other exit is a crash, reported whatever else failed.
      if (code !== 0) process.stderr.write(`${message}\n`);
      reject(new Error(message));
    });
  });
}

/** How a server's process ended, once it has (waiting a moment for the event); undefined while it runs. */
async function exitOf(child) {
  if (child.exitCode === null && child.signalCode === null) {
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 1000))]);
  }
  if (child.exitCode === null && child.signalCode === null) return undefined;
  // V8's fatal errors print their reason first ("# Fatal error in ..., line 0", "# unreachable code").
  const reason = (child.stderrText ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '' && line.trim() !== '#')
    .slice(0, 3)
    .join(' / ');
  return { code: child.exitCode, signal: child.signalCode, reason };
}

function ask(port, { method, path: target, body, token }) {
  return new Promise((resolve, reject) => {
    const payload = body === null || body === undefined ? undefined : JSON.stringify(body);
    const headers = { accept: 'application/json' };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (error) => reject(new Error(`${method} ${target} on port ${port}: ${error.message}`)));
    req.end(payload);
  });
}

/** The answers a scenario's server must give before its figures mean anything. */
async function checkAnswers(scenario, port, tokens) {
  const token = tokens[scenario.token][0];
  const load = () => ({ ...scenario.load, path: pathOf(scenario.load) });
  const expect = [[{ ...load(), token }, 200]];
  if (scenario.checks.includes('jwt')) expect.push([load(), 401], [{ ...load(), token: `${token.slice(0, -4)}AAAA` }, 401]);
  if (scenario.checks.includes('authz')) {
    expect.push([{ method: 'POST', path: '/orders', body: { item: 'tea' }, token }, 403]);
    expect.push([{ method: 'POST', path: '/orders', body: { item: 'tea' }, token: tokens.admin[0] }, 201]);
  }
  for (const [request, status] of expect) {
    const answer = await ask(port, request);
    if (answer.status !== status) {
      throw new Error(
        `${scenario.name}: ${request.method} ${request.path} ${request.token ? 'with' : 'without'} token → ${answer.status}, expected ${status}: ${answer.text.slice(0, 200)}`,
      );
    }
  }
}

/** The server's CPU time and memory; `collect` runs a full GC first, so that heap readings compare. */
const serverStats = async (port, collect = false) =>
  JSON.parse((await ask(port, { method: 'GET', path: collect ? '/__stats?gc=1' : '/__stats' })).text);

/**
 * A starting line for `parties` load generators: `place()` gives one party its arrival, to call when it is ready (or
 * has ended, or failed: arriving again counts once). Each arrival returns a promise of the start, when all arrived.
 */
function startingLine(parties) {
  let waiting = parties;
  let open;
  const opened = new Promise((resolve) => (open = resolve));
  return function place() {
    let arrived = false;
    return () => {
      if (!arrived && --waiting === 0) open();
      arrived = true;
      return opened;
    };
  };
}

/**
 * One run of load.js. Asynchronous, so that this process's issuer goes on serving its JWKS meanwhile: the JWT
 * peers fetch it again when their caches expire, in the middle of a measurement. With `arrive` (one party's arrival
 * on a startingLine), it starts its load with the others of that line, and goes on for TRAIL seconds after its
 * measurement.
 */
async function runLoad(port, scenario, tokens, seconds, warmupSeconds = 0, arrive = undefined) {
  const spec = {
    url: `http://127.0.0.1:${port}`,
    ...scenario.load,
    tokens: tokens[scenario.token],
    seconds,
    warmupSeconds,
    trailSeconds: arrive ? TRAIL : 0,
    connections: CONNECTIONS,
  };
  if (numbered(scenario.load)) spec.firstPathNumber = nextPathNumber;
  const [command, args] = pinned(1, NODE.binary, [path.join(__dirname, 'load.js')]);
  const output = await new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (ready || !arrive || !stdout.startsWith('ready\n')) return;
      ready = true;
      arrive().then(() => child.stdin.end('go\n'));
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      arrive?.(); // one that failed before it was ready does not hold the others back
      if (code === 0) resolve(stdout);
      else reject(new Error(`load.js exited with ${code}: ${stderr}`));
    });
    if (arrive) child.stdin.write(`${JSON.stringify(spec)}\n`);
    else child.stdin.end(JSON.stringify(spec));
  });
  const result = JSON.parse(output.trim().split('\n').pop());
  if (numbered(scenario.load)) nextPathNumber = result.nextPathNumber;
  return result;
}

/** `arrive`: one party's arrival on a startingLine, for a measurement taken together with another. */
async function measure(server, scenario, tokens, arrive) {
  const before = await serverStats(server.port);
  const result = await runLoad(server.port, scenario, tokens, SECONDS, REWARM, arrive);
  const after = await serverStats(server.port);
  const expected = String(200);
  const wrong = Object.entries(result.statuses).filter(([code]) => code !== expected);
  if (wrong.length > 0 || result.errors > 0 || result.total === 0) {
    throw new Error(`${scenario.name}: unexpected answers under load ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
  }
  const reused = after.answersReused - before.answersReused;
  if (numbered(scenario.load) && reused !== 0) {
    throw new Error(
      `${scenario.name}: the server answered ${reused} requests from remembered answers (or could not tell: ${after.answersReused}); this scenario must evaluate every request`,
    );
  }
  // A decision log scenario whose sink was not handed every decision measured less than it says.
  const loggedPerRequest = (after.loggedBytes - before.loggedBytes) / result.total;
  if (scenario.variant.includes('-log') && !(loggedPerRequest >= MIN_LOGGED_BYTES)) {
    throw new Error(
      `${scenario.name}: the decision log sink got ${loggedPerRequest} bytes a request, not an entry's ${MIN_LOGGED_BYTES} or more`,
    );
  }
  return { ...result, cpuPerRequest: result.cpuMicros / Math.max(1, result.total), heapUsed: after.heapUsed };
}

/** Fewer bytes than any entry of the benchmark's requests takes (about 1,100). */
const MIN_LOGGED_BYTES = 500;

/**
 * What is measured: each scenario beside a twin of its bare framework (a server of its own, see 4. above), and a
 * bare framework alone when nothing is compared with it (BENCH_HTTP_ONLY naming only bare ones).
 */
function measurementUnits(scenarios) {
  const twins = new Map();
  const units = [];
  for (const scenario of scenarios) {
    if (scenario.name === scenario.bare) continue;
    const bare = scenarios.find((s) => s.name === scenario.bare);
    const count = (twins.get(bare.name) ?? 0) + 1;
    twins.set(bare.name, count);
    units.push({ scenario, twin: { ...bare, server: `${bare.name} #${count}` } });
  }
  for (const scenario of scenarios) if (scenario.name === scenario.bare && !twins.has(scenario.name)) units.push({ scenario });
  return units;
}

/** A scenario's measurement against its twin's, taken together with it or right before or after it. */
const paired = (measured, twin) => ({
  ratio: measured.perSecond / twin.perSecond,
  extraCpu: measured.cpuPerRequest - twin.cpuPerRequest,
});

// ------------------------------------------------------------------------------------------------ report

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A ratio, and its spread over rounds when there is one. */
const ratioText = (values) => {
  const mid = median(values).toFixed(2);
  return values.length > 1 ? `${mid} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})` : mid;
};

function report(scenarios, results, pairs, heaps, serverNode, crashes) {
  const summary = new Map();
  for (const scenario of scenarios) {
    const runs = results.get(scenario.name);
    if (runs.length === 0) continue;
    summary.set(scenario.name, {
      rps: median(runs.map((r) => r.perSecond)),
      min: Math.min(...runs.map((r) => r.perSecond)),
      max: Math.max(...runs.map((r) => r.perSecond)),
      cpu: median(runs.map((r) => r.cpuPerRequest)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
    });
  }
  const lines = [
    `servers on node ${serverNode}, load on node ${NODE.version}${process.env.BENCH_HTTP_NODE ? ` (BENCH_HTTP_NODE=${process.env.BENCH_HTTP_NODE})` : ''}, ${ROUNDS} rounds × ${SECONDS} s, ${PROCESSES} server process${PROCESSES === 1 ? '' : 'es'} per server taking turns, ${CONNECTIONS} connections, ${HAS_TASKSET ? 'servers on core 0, load on core 1' : 'not pinned (no taskset)'}`,
    PAIRING === 'together'
      ? `ratio and extra: medians over rounds of each measurement against its bare framework's, measured at the same time on a twin server${HAS_TASKSET ? " sharing core 0 (each with half of it: req/s are half a server's, latencies include the other's turns)" : ''} (BENCH_HTTP_PAIRING=together)`
      : 'ratio and extra: medians over rounds of each measurement against its bare framework, measured right before or after it on a twin server (BENCH_HTTP_PAIRING=turns)',
    '',
    '| server | req/s median (min–max) | ratio (min–max) | server CPU µs/req | extra µs/req | p50 / p99 ms |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const scenario of scenarios) {
    const s = summary.get(scenario.name);
    const crash = processesOf(scenario)
      .map((key) => crashes.get(key))
      .find((found) => found !== undefined);
    const isBare = scenario.name === scenario.bare;
    const against = pairs.get(scenario.name) ?? [];
    if (!s || (!isBare && against.length === 0)) {
      lines.push(`| ${scenario.name} | ${crash ? `crashed in round ${crash.round}` : 'no result'} | – | – | – | – |`);
      continue;
    }
    const name = crash ? `${scenario.name} (crashed in round ${crash.round})` : scenario.name;
    const ratio = isBare ? '1.00' : ratioText(against.map((pair) => pair.ratio));
    const extra = isBare ? 0 : median(against.map((pair) => pair.extraCpu));
    lines.push(
      `| ${name} | ${fmt(s.rps)} (${fmt(s.min)}–${fmt(s.max)}) | ${ratio} | ${fmt(s.cpu, 1)} | ${fmt(extra, 1)} | ${s.p50} / ${s.p99} |`,
    );
  }
  lines.push('', 'Heap of each opa-jwt server (MB, after a full GC), after warm-up → after the last round; answers it reused:');
  for (const [server, { start, end, answersReused }] of heaps) {
    if (end === undefined) continue;
    lines.push(`- ${server}: ${(start / 1e6).toFixed(1)} → ${(end / 1e6).toFixed(1)}; ${fmt(answersReused ?? 0)} answers reused`);
  }
  if (crashes.size > 0) {
    lines.push('', 'Servers that died under load (measured up to then, left out afterwards):');
    for (const [server, { code, signal, round, reason }] of crashes)
      lines.push(`- ${server}: round ${round}, exit code ${code}, signal ${signal}${reason ? `: ${reason}` : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ------------------------------------------------------------------------------------------------ main

async function main() {
  if (!Number.isInteger(PROCESSES) || PROCESSES < 1)
    throw new Error(`BENCH_HTTP_PROCESSES must be a whole number of 1 or more, got ${process.env.BENCH_HTTP_PROCESSES}`);
  if (!PAIRINGS.includes(PAIRING)) throw new Error(`BENCH_HTTP_PAIRING must be one of ${PAIRINGS.join(', ')}, got ${PAIRING}`);
  let scenarios = SCENARIOS;
  if (ONLY) {
    const wanted = new Set(ONLY.flatMap((name) => [name, SCENARIOS.find((s) => s.name === name)?.bare]).filter(Boolean));
    scenarios = SCENARIOS.filter((s) => wanted.has(s.name));
    if (scenarios.length === 0) throw new Error(`BENCH_HTTP_ONLY names no scenario; names: ${SCENARIOS.map((s) => s.name).join('; ')}`);
  }
  if (BASELINE) {
    if (!existsSync(path.join(BASELINE, 'packages', 'core', 'dist', 'index.js')))
      throw new Error(`BENCH_HTTP_BASELINE: no built checkout of opa-jwt at ${BASELINE} (run npm ci there)`);
    scenarios = scenarios.flatMap((scenario) => (serverOf(scenario).includes('opa-jwt') ? [scenario, baselineOf(scenario)] : [scenario]));
  }
  const units = measurementUnits(scenarios);
  const measured = units.flatMap(({ scenario, twin }) => (twin ? [scenario, twin] : [scenario]));
  const issuer = await startIssuer();
  const servers = new Map();
  try {
    for (const scenario of measured)
      for (const key of processesOf(scenario))
        if (!servers.has(key)) servers.set(key, await startServer(scenario.variant, issuer, scenario.build));
    const serverNodes = new Set();
    for (const server of servers.values()) serverNodes.add((await serverStats(server.port)).node);
    for (const scenario of measured)
      for (const key of processesOf(scenario)) await checkAnswers(scenario, servers.get(key).port, issuer.tokens);
    process.stderr.write(`answers checked for ${scenarios.length} scenarios on ${servers.size} server processes; warming up\n`);
    const warmUp = async () => {
      for (const scenario of measured)
        for (const key of processesOf(scenario)) await runLoad(servers.get(key).port, scenario, issuer.tokens, WARMUP);
    };
    await warmUp();
    const heaps = new Map();
    for (const [key, server] of servers)
      if (key.includes('opa-jwt')) heaps.set(key, { start: (await serverStats(server.port, true)).heapUsed });
    // That full collection deoptimised the code embedding objects it freed (Express's router and Node's HTTP parser
    // among it): warmed up again, lest the first round measure its re-optimisation. It did: the Express server with a
    // repeated token measured 0.71–0.74 of bare Express in that round, 0.80–0.84 in later ones.
    await warmUp();
    const results = new Map(scenarios.map((s) => [s.name, []]));
    const pairs = new Map(scenarios.map((s) => [s.name, []]));
    // A server that dies is reported (a crash is a result too), and the run goes on without it.
    const crashes = new Map();
    /** One measurement of a scenario, kept in `results` (a twin's under its bare framework's name); undefined when its server has died. */
    const attempt = async (scenario, round, arrive) => {
      const key = processOf(scenario, round);
      if (crashes.has(key)) {
        arrive?.();
        return undefined;
      }
      const server = servers.get(key);
      try {
        const result = await measure(server, scenario, issuer.tokens, arrive);
        results.get(scenario.name).push(result);
        return result;
      } catch (error) {
        arrive?.();
        const exit = await exitOf(server.child);
        if (!exit) throw error;
        crashes.set(key, { ...exit, round: round + 1 });
        return undefined;
      }
    };
    process.stderr.write(
      PAIRING === 'together'
        ? `${ROUNDS} rounds of ${units.length} measurements of two servers at once, ${SECONDS + REWARM + TRAIL} s each\n`
        : `${ROUNDS} rounds of ${measured.length} measurements, ${SECONDS + REWARM} s each\n`,
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const { scenario, twin } of units.map((_, i) => units[(i + round) % units.length])) {
        if (!twin) {
          await attempt(scenario, round);
          continue;
        }
        let ofTwin;
        let ofScenario;
        if (PAIRING === 'together') {
          const place = startingLine(2);
          [ofTwin, ofScenario] = await settledBoth(attempt(twin, round, place()), attempt(scenario, round, place()));
        } else if (round % 2 === 0) {
          // The twin before the scenario in one round, after it in the next: a drift within a pair evens out.
          ofTwin = await attempt(twin, round);
          ofScenario = await attempt(scenario, round);
        } else {
          ofScenario = await attempt(scenario, round);
          ofTwin = await attempt(twin, round);
        }
        if (ofTwin && ofScenario) pairs.get(scenario.name).push(paired(ofScenario, ofTwin));
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    for (const [key, heap] of heaps) {
      if (crashes.has(key)) continue;
      const stats = await serverStats(servers.get(key).port, true);
      Object.assign(heap, { end: stats.heapUsed, answersReused: stats.answersReused });
    }
    report(scenarios, results, pairs, heaps, [...serverNodes].join(', '), crashes);
  } finally {
    for (const server of servers.values()) server.child.kill('SIGTERM');
    issuer.close();
  }
}

/** Both values, once both promises have settled (so that no load generator is left running): or the first failure. */
async function settledBoth(first, second) {
  const [a, b] = await Promise.allSettled([first, second]);
  for (const settled of [a, b]) if (settled.status === 'rejected') throw settled.reason;
  return [a.value, b.value];
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
  });
}

// What profile.js shares: the same scenarios, issuer, servers and load.
module.exports = { SCENARIOS, NODE, startIssuer, startServer, checkAnswers, startingLine, runLoad, settledBoth };
