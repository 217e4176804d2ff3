#!/usr/bin/env node
/**
 * `node packages/rego/bench/string-natives.js [policy.rego entrypoint...]`: what running the string
 * builtins inside the module saves per evaluation. The policy (default policies/api-authz.rego, whose
 * `trim(split(path, "?")[0], "/")` runs on every request) is compiled once and emitted twice from the
 * same plan: as the compiler emits it (trim, substring, lower, ... native) and with those calls
 * renamed to host builtins, so every one goes through the SDK's host path (JSON dump in wasm,
 * JSON.parse, the JS implementation, JSON.stringify, parse in wasm), as they all did before they ran
 * natively. Rounds of the two alternate; prints the median µs per evaluation of each on the stock
 * SDK (ABI 1.2).
 *
 * Uses the built package (dist/, made by `npm run build`). Set BENCH_QUICK=1 for a short run.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { loadPolicy } = require('@open-policy-agent/opa-wasm');

let rego, emit, runtimeModule, numberLiteral, STRING_NATIVES;
try {
  rego = require('@opa-jwt/rego');
  const dist = path.join(__dirname, '..', 'dist');
  emit = require(path.join(dist, 'emit'));
  runtimeModule = require(path.join(dist, 'emit', 'runtime-module'));
  numberLiteral = require(path.join(dist, 'plan', 'number-literal'));
  ({ STRING_NATIVES } = require(path.join(dist, 'emit', 'natives')));
} catch (e) {
  console.error(`string-natives bench needs the built package (run \`npm run build\`): ${e.message}`);
  process.exit(1);
}

const ROOT = path.join(__dirname, '..', '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 5 : 15;
const ROUND_MS = QUICK ? 100 : 300;

const HOST_PREFIX = 'bench-host:';

/** The plan with the string natives' calls renamed, so the runtime finds them only among the host builtins. */
function routedToHost(plan) {
  const rename = (stmts) =>
    stmts.map((s) => {
      switch (s[0]) {
        case 'call':
          return STRING_NATIVES.includes(s[1]) ? ['call', HOST_PREFIX + s[1], s[2], s[3]] : s;
        case 'scan':
        case 'with':
          return [...s.slice(0, 4), rename(s[4])];
        case 'block':
          return ['block', rename(s[1])];
        case 'withmock':
          return ['withmock', s[1], s[2], rename(s[3])];
      }
      return s;
    });
  return { ...plan, funcs: plan.funcs.map((f) => ({ ...f, body: rename(f.body) })) };
}

function hostRoutedWasm(plan) {
  const envelope = emit.planEnvelope(plan);
  envelope.plan = routedToHost(plan);
  let next = Math.max(...Object.values(envelope.builtins)) + 1;
  for (const name of STRING_NATIVES) {
    envelope.builtins[HOST_PREFIX + name] = next;
    envelope.hostIds[HOST_PREFIX + name] = next;
    next++;
  }
  const text = numberLiteral.containsNumberLiteral(plan.consts) ? numberLiteral.planJson(envelope) : JSON.stringify(envelope);
  return runtimeModule.spliceIntoRuntime(new TextEncoder().encode(text));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** µs per call of fn over one round of about ROUND_MS. */
function roundMicros(fn) {
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1e3 / n;
}

const API_AUTHZ_INPUTS = [
  {
    jwt: { payload: { sub: 'alice', roles: ['reader'] } },
    request: { http: { method: 'GET', path: '/orders/7?expand=1' } },
  },
  {
    jwt: { payload: { sub: 'bob', roles: ['admin'] } },
    request: { http: { method: 'POST', path: '/orders' } },
  },
];

async function main() {
  const [file = path.join(ROOT, 'policies', 'api-authz.rego'), ...given] = process.argv.slice(2);
  const entrypoints = given.length > 0 ? given : ['authz/allow', 'authz/decision'];
  const inputs = given.length > 0 ? [{}] : API_AUTHZ_INPUTS;
  const source = fs.readFileSync(file, 'utf8');
  const { plan } = rego.planModules({ modules: [{ path: path.relative(ROOT, file), source }], entrypoints });
  const builtins = { ...rego.hostBuiltins };
  for (const name of STRING_NATIVES) builtins[HOST_PREFIX + name] = rego.hostBuiltins[name];
  const native = await loadPolicy(emit.emitWasm(plan), undefined, builtins);
  const host = await loadPolicy(hostRoutedWasm(plan), undefined, builtins);

  console.log(`${path.relative(ROOT, file)}: µs per evaluation, median of ${ROUNDS} alternating rounds (stock SDK, ABI 1.2)`);
  console.log(`  ${'entrypoint / input'.padEnd(44)} ${'host calls'.padStart(10)} ${'native'.padStart(10)}  ratio`);
  for (const entrypoint of entrypoints) {
    for (const [i, input] of inputs.entries()) {
      const a = JSON.stringify(native.evaluate(input, entrypoint));
      const b = JSON.stringify(host.evaluate(input, entrypoint));
      if (a !== b) throw new Error(`${entrypoint}: native ${a} but host ${b}`);
      const runNative = () => native.evaluate(input, entrypoint);
      const runHost = () => host.evaluate(input, entrypoint);
      for (let k = 0; k < 3000; k++) {
        runNative();
        runHost();
      }
      const n = [];
      const h = [];
      for (let r = 0; r < ROUNDS; r++) {
        h.push(roundMicros(runHost));
        n.push(roundMicros(runNative));
      }
      const label = inputs.length > 1 ? `${entrypoint} #${i + 1} (${input.request.http.method} ${input.request.http.path})` : entrypoint;
      console.log(
        `  ${label.padEnd(44)} ${median(h).toFixed(2).padStart(10)} ${median(n).toFixed(2).padStart(10)}  ${(median(h) / median(n)).toFixed(2)}x`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
