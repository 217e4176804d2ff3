#!/usr/bin/env node
/**
 * Soak benchmark for the V8 hazard described in packages/rego/runtime/ABI.md: servers calling into WebAssembly on every
 * request were seen to die with a V8 fatal error when TurboFan deoptimised a function with an inlined JS-to-Wasm
 * call. @opa-jwt/core turns that inlining off when it is loaded (src/v8-hazard.ts). This script:
 *
 * 1. checks that the runtime flag takes effect, in three child processes (V8 default, core loaded,
 *    `--no-turbo-inline-js-wasm-calls` on the command line); with the core loaded the outcome must match the
 *    command-line flag and differ from the default. Two witnesses:
 *    - the builtins called by TurboFan's code for a JS function calling a Wasm export (`--print-opt-code`). The
 *      probe asks for TurboFan itself (`%OptimizeFunctionOnNextCall`): left to tier up on its own, the function is
 *      compiled by Maglev on Node 22+ and, on Node 24, inlined into its OSR-compiled caller, so that no TurboFan
 *      code of its own is ever printed;
 *    - TurboFan's inlining trace (`--trace-turbo-inlining`): V8 12+ (Node 22+) logs "Considering wasm function"
 *      when it tries to inline a Wasm body into JS, which it only does with the flag on; V8 11 (Node 20) logs
 *      nothing for Wasm calls, so there this witness has nothing to say;
 * 2. soaks a real HTTP server on 127.0.0.1 (node:http + createAuthorizer, policies/api-authz.rego compiled by
 *    @opa-jwt/rego, RS256 tokens from a JWKS served by this process) in a child process, under concurrent
 *    keep-alive load for a bounded time, once with the mitigation and once without it
 *    (OPA_JWT_KEEP_V8_WASM_INLINING=1), and prints requests/s (median of 1 s windows), the answers seen, and
 *    whether the server process survived. Every request has a path of its own (a number counting up), so the
 *    core's memory of answers (which answers a deterministic policy's repeated input without evaluating it) cannot
 *    answer it: each one calls into the Wasm module, which is what the hazard needs. The server reports how many
 *    answers it reused; a soak of the authorizer in which any was reused fails the run;
 * 3. runs the same server without the authorizer (mode `baseline`: every request answered 200 at once), so the
 *    cost of opa-jwt shows as a throughput ratio measured in the same run.
 *
 * Not a test: run it by hand, `node packages/core/bench/soak.js` after `npm run build`.
 * Environment: SOAK_SECONDS (per run, default 15), SOAK_CONCURRENCY (default 32), SOAK_MODES (default
 * "baseline,mitigated,unmitigated"), SOAK_NODE (a Node.js major version, e.g. 22 or 24: the whole benchmark, flag
 * check, servers and load, runs again on that Node.js, installed by scripts/node-version.sh).
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { startJwksIssuer } = require('../../../bench/jwks-issuer');
const { nodeBinary } = require('../../../bench/node-binary');

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
      // The policy engine counts the evaluations its memory of answers spared.
      const answersReused = authorizer.policies?.current?.answersReused;
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ rssAtStart, rss: process.memoryUsage().rss, answersReused }));
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

/**
 * A JS function calling a Wasm export, compiled by TurboFan on request (`%OptimizeFunctionOnNextCall`, hence
 * `--allow-natives-syntax`) after enough calls to give it type feedback.
 */
const FLAG_PROBE = `
  if (process.env.PROBE_LOAD_CORE) require('@opa-jwt/core');
  // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  function caller(a) { return instance.exports.add(a, 1); }
  %PrepareFunctionForOptimization(caller);
  let sum = 0;
  for (let i = 0; i < 10000; i++) sum += caller(i & 1023);
  %OptimizeFunctionOnNextCall(caller);
  sum += caller(3);
  if (sum < 0) console.log(sum);
`;

/** The probe's three runs: V8's default, the core loaded (the runtime flag), the flag on the command line. */
const PROBE_RUNS = {
  default: { args: [], env: { OPA_JWT_KEEP_V8_WASM_INLINING: '1', PROBE_LOAD_CORE: '1' } },
  core: { args: [], env: { PROBE_LOAD_CORE: '1' } },
  flag: { args: ['--no-turbo-inline-js-wasm-calls'], env: {} },
};

function runProbe({ args, env }, traceArgs) {
  const run = spawnSync(process.execPath, ['--allow-natives-syntax', ...args, ...traceArgs, '-e', FLAG_PROBE], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`flag probe failed (status ${run.status}): ${run.stderr.slice(0, 400)}`);
  return run.stdout;
}

/** The builtins TurboFan's code for `caller` calls (a fingerprint of how the Wasm call was compiled), or undefined. */
function compiledCallerFingerprint(run) {
  const output = runProbe(run, ['--print-opt-code', '--print-opt-code-filter=caller']);
  // One block per code object; the JS-to-Wasm wrapper (printed too on Node 20) is not TurboFan's code for `caller`.
  const blocks = output
    .split('--- End code ---')
    .filter((block) => /^kind = TURBOFAN(_JS)?$/m.test(block) && /^name = caller$/m.test(block));
  const names = blocks.flatMap((block) => [...block.matchAll(/\(([A-Za-z0-9_]+)\)\s+;; near builtin entry/g)].map((m) => m[1]));
  return names.length === 0 ? undefined : names.sort().join(',');
}

/** How many times TurboFan considered inlining a Wasm function's body into JS (V8 12+ logs it; V8 11 does not). */
const wasmInliningAttempts = (run) => (runProbe(run, ['--trace-turbo-inlining']).match(/Considering wasm function/g) ?? []).length;

/** One witness's verdict: `effective` is true, false, or undefined when it cannot tell (and `detail` says why). */
function verdict(values, unreadable) {
  if (unreadable) return { effective: undefined, detail: unreadable };
  const { default: byDefault, core, flag } = values;
  const detail = `default=[${byDefault}] core=[${core}] cmdline-flag=[${flag}]`;
  if (byDefault === flag) return { effective: undefined, detail: `${detail}: the flag changes nothing this witness shows` };
  return { effective: core === flag, detail };
}

function checkFlag() {
  const fingerprints = Object.fromEntries(Object.entries(PROBE_RUNS).map(([name, run]) => [name, compiledCallerFingerprint(run)]));
  const missing = Object.keys(fingerprints).filter((name) => fingerprints[name] === undefined);
  const code = verdict(
    fingerprints,
    missing.length > 0 &&
      `no TurboFan code of the probe's caller was printed in the ${missing.join(', ')} run(s) (a Node.js built without V8's disassembler prints none)`,
  );
  const attempts = Object.fromEntries(Object.entries(PROBE_RUNS).map(([name, run]) => [name, wasmInliningAttempts(run)]));
  const trace = verdict(
    attempts,
    attempts.default === 0 && `V8 ${process.versions.v8} logs no Wasm inlining attempt even by default (V8 11, Node 20, does not log them)`,
  );
  // Either witness that can tell decides; they must not disagree.
  const known = [code, trace].filter((w) => w.effective !== undefined);
  const effective = known.length === 0 ? undefined : known.some((w) => !w.effective) ? false : true;
  return { effective, code, trace };
}

// ----------------------------------------------------------------------------------------------- parent: issuer + load

/**
 * The requests, one after another: different paths through the policy (allowed and denied orders:read by role,
 * uncovered routes), so types and shapes vary, each with a path of its own (`n` counts up), so that every one is
 * evaluated. POST /orders (orders:write) is left out: its path cannot vary, so its answers would be remembered.
 */
function requestMix(issuer) {
  const roleSets = [['admin'], ['reader'], [], ['reader', 'admin'], ['auditor']];
  const tokens = [];
  for (let i = 0; i < 40; i++) tokens.push(issuer.mint({ sub: `user-${i}`, roles: roleSets[i % roleSets.length] }));
  const shapes = [
    (n) => ['GET', `/orders/${n}`],
    (n) => ['GET', `/orders/${n}?expand=1`], // the query is not part of the path the policy sees
    (n) => ['POST', `/orders/${n}`], // no rule covers it
    (n) => ['GET', `/orders/${n}`],
    (n) => ['GET', `/orders/${n}/lines`], // no rule covers it
  ];
  let n = 0;
  return () => {
    const [method, url] = shapes[n % shapes.length](n);
    const token = tokens[Math.floor(n / shapes.length) % tokens.length]; // every shape meets every token
    n++;
    return { method, url, token };
  };
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
  async function worker() {
    while (Date.now() < deadline) {
      const { method, url, token } = mix();
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
    answersReused: stats?.answersReused,
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
  const answer = (effective) => (effective === undefined ? 'unknown' : effective ? 'yes' : 'NO');
  console.log(`--no-turbo-inline-js-wasm-calls set at runtime by @opa-jwt/core takes effect: ${answer(flag.effective)}`);
  console.log(`  builtins called by TurboFan code of a JS->Wasm caller (${answer(flag.code.effective)}): ${flag.code.detail}`);
  console.log(`  Wasm inlining attempts in TurboFan's inlining trace (${answer(flag.trace.effective)}): ${flag.trace.detail}`);

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
  console.log(
    'mode          requests   req/s (median of 1 s windows)   answers                       reused   server RSS         survived',
  );
  for (const r of results) {
    const reused = r.answersReused === undefined ? '-' : String(r.answersReused);
    console.log(
      `${r.mode.padEnd(13)} ${String(r.total).padStart(8)}   ${String(r.median).padStart(8)}                        ${JSON.stringify(r.statuses).padEnd(29)} ${reused.padStart(6)}   ${r.rss.padEnd(18)} ${r.survived ? 'yes' : `NO: ${r.exit}`}`,
    );
    if (r.fatal) console.log(`  server stderr: ${r.fatal}`);
  }
  // A soak answered from remembered answers did not call into Wasm: it says nothing of the hazard.
  const notEvaluated = results.filter((r) => r.mode !== 'baseline' && r.survived && r.answersReused !== 0);
  for (const r of notEvaluated)
    console.log(`\n${r.mode}: the server reused ${r.answersReused ?? 'an unknown number of'} answers; every request must be evaluated`);
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
  process.exitCode = (mitigated && !mitigated.survived) || notEvaluated.length > 0 ? 1 : 0;
}

/** With SOAK_NODE naming another Node.js, the whole benchmark runs again on it; returns whether it did. */
function rerunOnRequestedNode() {
  const target = nodeBinary('SOAK_NODE');
  if (target.binary === process.execPath) return false;
  console.log(`SOAK_NODE=${process.env.SOAK_NODE}: running on ${target.binary}`);
  const run = spawnSync(target.binary, [__filename], { stdio: 'inherit', env: { ...process.env, SOAK_NODE: '' } });
  process.exitCode = run.status ?? 1;
  return true;
}

if (process.argv[2] === '--serve') {
  serve().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else if (!rerunOnRequestedNode()) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
