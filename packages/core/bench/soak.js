#!/usr/bin/env node
/**
 * Soak benchmark for the V8 hazard described in packages/rego/runtime/ABI.md: servers calling into WebAssembly on every
 * request were seen to die with a V8 fatal error when TurboFan deoptimised a function with an inlined JS-to-Wasm
 * call. @opa-jwt/core turns that inlining off when it is loaded (src/v8-hazard.ts). This script:
 *
 * 1. checks that the runtime flag takes effect: TurboFan's code for a JS function calling a Wasm export is compiled
 *    in three child processes (V8 default, core loaded, `--no-turbo-inline-js-wasm-calls` on the command line);
 *    with the core loaded it must match the command-line flag and differ from the default;
 * 2. soaks a real HTTP server on 127.0.0.1 (node:http + createAuthorizer, policies/api-authz.rego compiled by
 *    @opa-jwt/rego, RS256 tokens from a JWKS served by this process) in a child process, under concurrent
 *    keep-alive load for a bounded time, once with the mitigation and once without it
 *    (OPA_JWT_KEEP_V8_WASM_INLINING=1), and prints requests/s (median of 1 s windows), the answers seen, and
 *    whether the server process survived;
 * 3. runs the same server without the authorizer (mode `baseline`: every request answered 200 at once), so the
 *    cost of opa-jwt shows as a throughput ratio measured in the same run.
 *
 * Not a test: run it by hand, `node packages/core/bench/soak.js` after `npm run build`.
 * Environment: SOAK_SECONDS (per run, default 15), SOAK_CONCURRENCY (default 32), SOAK_MODES (default
 * "baseline,mitigated,unmitigated").
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { startJwksIssuer } = require('../../../bench/jwks-issuer');

const ROOT = path.join(__dirname, '..', '..', '..');
const POLICY = path.join(ROOT, 'policies', 'api-authz.rego');
const SECONDS = Number(process.env.SOAK_SECONDS || 15);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY || 32);
const MODES = (process.env.SOAK_MODES || 'baseline,mitigated,unmitigated').split(',');
const AUDIENCE = 'orders-api';

// ----------------------------------------------------------------------------------------------- child: the server

/** Mode `baseline`: no authorizer at all, every request allowed at once (the cost of opa-jwt is the difference). */
const allowEverything = { authorize: async () => ({ type: 'allow', auth: { payload: { sub: 'baseline' } }, headers: {} }) };

async function serve() {
  const [issuer, jwksUri] = process.argv.slice(3);
  let authorizer = allowEverything;
  if (!process.env.SOAK_BASELINE) {
    const { createAuthorizer } = require('@opa-jwt/core');
    authorizer = createAuthorizer({
      policy: POLICY,
      entrypoint: 'authz/decision',
      issuer,
      jwksUri,
      audience: AUDIENCE,
      algorithms: ['RS256'],
    });
    await authorizer.ready();
  }
  const rssAtStart = process.memoryUsage().rss;
  const server = http.createServer((req, res) => {
    if (req.url === '/__soak_stats') {
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ rssAtStart, rss: process.memoryUsage().rss }));
    }
    authorizer
      .authorize({ method: req.method, url: req.url, headers: req.headers, ip: req.socket.remoteAddress })
      .then((outcome) => {
        if (outcome.type === 'allow') {
          res
            .writeHead(200, { 'content-type': 'application/json', ...outcome.headers })
            .end(JSON.stringify({ sub: outcome.auth.payload.sub }));
        } else {
          res.writeHead(outcome.status, { 'content-type': 'application/json', ...outcome.headers }).end(JSON.stringify(outcome.body));
        }
      })
      .catch((error) => res.writeHead(500).end(String(error)));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`));
}

// ----------------------------------------------------------------------------------------------- flag check

/** A JS function calling a Wasm export in a hot loop; TurboFan compiles `caller`, whose code we print. */
const FLAG_PROBE = `
  if (process.env.PROBE_LOAD_CORE) require('@opa-jwt/core');
  // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  function caller(a) { return instance.exports.add(a, 1); }
  let sum = 0;
  for (let i = 0; i < 2e6; i++) sum += caller(i & 1023);
  if (sum < 0) console.log(sum);
`;

/** The builtins TurboFan's code for `caller` calls: a fingerprint of how the Wasm call was compiled. */
function compiledCallerFingerprint(nodeArgs, env) {
  const run = spawnSync(process.execPath, [...nodeArgs, '--print-opt-code', '--print-opt-code-filter=caller', '-e', FLAG_PROBE], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const names = [...run.stdout.matchAll(/\(([A-Za-z0-9_]+)\)\s+;; near builtin entry/g)].map((m) => m[1]);
  return names.length === 0 ? undefined : names.sort().join(',');
}

function checkFlag() {
  const byDefault = compiledCallerFingerprint([], { OPA_JWT_KEEP_V8_WASM_INLINING: '1', PROBE_LOAD_CORE: '1' });
  const withCore = compiledCallerFingerprint([], { PROBE_LOAD_CORE: '1' });
  const withFlag = compiledCallerFingerprint(['--no-turbo-inline-js-wasm-calls'], {});
  if (!byDefault || !withCore || !withFlag)
    return { effective: undefined, detail: 'could not read TurboFan code (--print-opt-code unavailable?)' };
  const effective = withCore === withFlag && withCore !== byDefault;
  return { effective, detail: `default=[${byDefault}] core=[${withCore}] cmdline-flag=[${withFlag}]` };
}

// ----------------------------------------------------------------------------------------------- parent: issuer + load

/** Requests that take different paths through the policy (allowed, denied, uncovered), so types and shapes vary. */
function requestMix(issuer) {
  const roleSets = [['admin'], ['reader'], [], ['reader', 'admin'], ['auditor']];
  const tokens = [];
  for (let i = 0; i < 40; i++) tokens.push(issuer.mint({ sub: `user-${i}`, roles: roleSets[i % roleSets.length] }));
  const mix = [];
  for (let i = 0; i < 400; i++) {
    const method = i % 3 === 0 ? 'POST' : 'GET';
    const url = method === 'POST' ? (i % 7 === 0 ? '/orders/extra' : '/orders') : `/orders/${i % 50}${i % 5 === 0 ? '?expand=1' : ''}`;
    mix.push({ method, url, token: tokens[i % tokens.length] });
  }
  return mix;
}

function startServer(issuer, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--serve', issuer.issuer, issuer.jwksUri], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
    child.stdout.on('data', (chunk) => {
      const match = /LISTENING (\d+)/.exec(String(chunk));
      if (match) resolve({ child, port: Number(match[1]), exited, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`server exited before listening (code ${code}): ${stderr}`)));
  });
}

async function load(port, mix, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map();
  const windows = [];
  let inWindow = 0;
  let errors = 0;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const ticker = setInterval(() => {
    windows.push(inWindow);
    inWindow = 0;
  }, 1000);
  let next = 0;
  async function worker() {
    while (Date.now() < deadline) {
      const { method, url, token } = mix[next++ % mix.length];
      try {
        const status = await new Promise((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port, method, path: url, agent, headers: { authorization: `Bearer ${token}`, 'content-length': 0 } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode));
            },
          );
          req.on('error', reject);
          req.end();
        });
        statuses.set(status, (statuses.get(status) || 0) + 1);
        inWindow++;
      } catch {
        errors++;
        if (errors > 50) return; // the server is gone
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(ticker);
  agent.destroy();
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const sorted = windows.filter((w) => w > 0).sort((a, b) => a - b);
  const median = sorted.length ? sorted[sorted.length >> 1] : 0;
  return { total, median, errors, statuses: Object.fromEntries(statuses), seconds: (Date.now() - started) / 1000 };
}

async function soak(issuer, mix, mode) {
  const env = mode === 'unmitigated' ? { OPA_JWT_KEEP_V8_WASM_INLINING: '1' } : mode === 'baseline' ? { SOAK_BASELINE: '1' } : {};
  const server = await startServer(issuer, env);
  const result = await load(server.port, mix, SECONDS);
  const stats = await new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: '/__soak_stats' }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', () => resolve(undefined));
  });
  const alive = server.child.exitCode === null && server.child.signalCode === null;
  if (alive) server.child.kill('SIGTERM');
  const exit = await server.exited;
  const fatal = /Fatal error|unreachable code|FATAL/i.exec(server.stderr());
  const rss = stats ? `${Math.round(stats.rssAtStart / 1048576)} -> ${Math.round(stats.rss / 1048576)} MB` : 'n/a';
  return {
    mode,
    ...result,
    rss,
    survived: alive,
    exit: alive ? 'stopped by the benchmark' : `code ${exit.code} signal ${exit.signal}`,
    fatal: fatal ? server.stderr().slice(0, 400) : undefined,
  };
}

async function main() {
  try {
    require.resolve('@opa-jwt/core');
  } catch {
    console.error('soak.js needs the built packages: run `npm run build` first');
    process.exit(1);
  }
  console.log(`node ${process.version}, V8 ${process.versions.v8}, ${require('node:os').cpus().length} CPUs`);
  const flag = checkFlag();
  console.log(
    `--no-turbo-inline-js-wasm-calls set at runtime by @opa-jwt/core takes effect: ${flag.effective === undefined ? 'unknown' : flag.effective ? 'yes' : 'NO'}`,
  );
  console.log(`  builtins called by TurboFan code of a JS->Wasm caller: ${flag.detail}`);

  const issuer = await startJwksIssuer({ audience: AUDIENCE, kid: `soak-${randomUUID()}`, lifetime: 3600 });
  const mix = requestMix(issuer);
  const results = [];
  try {
    for (const mode of MODES) {
      process.stdout.write(`soaking (${mode}) for ${SECONDS}s at concurrency ${CONCURRENCY}... `);
      const result = await soak(issuer, mix, mode);
      results.push(result);
      console.log(result.survived ? 'survived' : `DIED (${result.exit})`);
    }
  } finally {
    issuer.close();
  }
  console.log('');
  console.log('mode          requests   req/s (median of 1 s windows)   answers                       server RSS         survived');
  for (const r of results) {
    console.log(
      `${r.mode.padEnd(13)} ${String(r.total).padStart(8)}   ${String(r.median).padStart(8)}                        ${JSON.stringify(r.statuses).padEnd(29)} ${r.rss.padEnd(18)} ${r.survived ? 'yes' : `NO: ${r.exit}`}`,
    );
    if (r.fatal) console.log(`  server stderr: ${r.fatal}`);
  }
  const mitigated = results.find((r) => r.mode === 'mitigated');
  const unmitigated = results.find((r) => r.mode === 'unmitigated');
  if (mitigated?.median && unmitigated?.median) {
    console.log(`\nthroughput ratio mitigated / unmitigated (medians, same run): ${(mitigated.median / unmitigated.median).toFixed(2)}`);
  }
  const baseline = results.find((r) => r.mode === 'baseline');
  if (baseline?.median && mitigated?.median) {
    // The server is one thread kept busy by the load: the difference of the time each request takes of it.
    const perRequestUs = 1e6 / mitigated.median - 1e6 / baseline.median;
    console.log(
      `throughput ratio opa-jwt / no authorizer (medians, same run): ${(mitigated.median / baseline.median).toFixed(2)}` +
        ` (opa-jwt costs about ${Math.round(perRequestUs)} µs of the server's thread per request: verification (cached), input, evaluation, log)`,
    );
  }
  process.exitCode = mitigated && !mitigated.survived ? 1 : 0;
}

if (process.argv[2] === '--serve') {
  serve().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
