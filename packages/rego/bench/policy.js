#!/usr/bin/env node
/**
 * `npm run bench:policy`: how fast @opa-jwt/rego compiles and how fast its modules evaluate on the
 * stock @open-policy-agent/opa-wasm SDK, measured in one process. Prints medians of several rounds:
 * - compile time (parse → plan → emit) of each policy in policies/
 * - evaluations/s of the example MCP policy and of a role → permission policy over data
 *   (100 users, 10 roles), next to the SDK's own per-call JSON marshalling alone
 *   (JSON.stringify + TextEncoder + TextDecoder + JSON.parse of the same input), as a ratio
 * - memory.buffer.byteLength before and after a million evaluations (must not grow)
 *
 * Uses the built package (dist/, made by `npm run build`). Set BENCH_QUICK=1 for a short run.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { loadPolicy } = require('@open-policy-agent/opa-wasm');

let rego;
try {
  rego = require('@opa-jwt/rego');
} catch (e) {
  console.error(`bench:policy needs the built package (run \`npm run build\`): ${e.message}`);
  process.exit(1);
}
const { compile, parseModule } = rego;

const ROOT = path.join(__dirname, '..', '..', '..');
const POLICIES = path.join(ROOT, 'policies');
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 3 : 7;
const ROUND_MS = QUICK ? 150 : 400;
const MEMORY_EVALS = QUICK ? 100_000 : 1_000_000;

function hostBuiltins() {
  return rego.hostBuiltins;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Calls per second of fn, median over rounds of about ROUND_MS each. */
function rate(fn) {
  for (let i = 0; i < 2000; i++) fn(); // warm up
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const until = start + BigInt(ROUND_MS) * 1_000_000n;
    let now = start;
    while (now < until) {
      for (let i = 0; i < 500; i++) fn();
      n += 500;
      now = process.hrtime.bigint();
    }
    rates.push(n / (Number(now - start) / 1e9));
  }
  return median(rates);
}

function marshalOnly(input) {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  return () => JSON.parse(dec.decode(enc.encode(JSON.stringify(input))));
}

function regoFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...regoFiles(full));
    else if (entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) out.push(full);
  }
  return out.sort();
}

function benchCompile() {
  console.log('compile (parse + plan + emit), median of rounds:');
  for (const file of regoFiles(POLICIES)) {
    const rel = path.relative(ROOT, file);
    const source = fs.readFileSync(file, 'utf8');
    const v0Compatible = rel.split(path.sep).includes('v0');
    let pkg;
    try {
      pkg = parseModule(source, rel, { v0Compatible }).package.join('/');
    } catch (e) {
      console.log(`  ${rel.padEnd(40)} does not parse: ${e.message}`);
      continue;
    }
    const times = [];
    for (let r = 0; r < Math.max(ROUNDS, 5); r++) {
      const t0 = process.hrtime.bigint();
      compile({ modules: [{ path: rel, source }], entrypoints: [pkg], v0Compatible });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    console.log(`  ${rel.padEnd(40)} ${median(times).toFixed(2).padStart(7)} ms  (first ${times[0].toFixed(1)} ms, entrypoint ${pkg})`);
  }
}

const RBAC_POLICY = `package rbac

default allow := false

allow if {
	some role in data.users[input.user].roles
	some permission in data.roles[role].permissions
	permission.action == input.action
	permission.resource == input.resource
}
`;

function rbacData() {
  const actions = ['read', 'write', 'delete', 'list'];
  const roles = {};
  for (let r = 0; r < 10; r++) {
    roles[`role${r}`] = { permissions: actions.slice(0, 1 + (r % 4)).map((action) => ({ action, resource: `res${r}` })) };
  }
  const users = {};
  for (let u = 0; u < 100; u++) users[`user${u}`] = { roles: [`role${u % 10}`, `role${(u + 3) % 10}`] };
  return { users, roles };
}

async function benchEval(title, wasm, entrypoint, input, data, expected) {
  const policy = await loadPolicy(wasm, undefined, hostBuiltins());
  if (data) policy.setData(data);
  const got = policy.evaluate(input, entrypoint);
  if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${title}: unexpected result ${JSON.stringify(got)}`);
  const evals = rate(() => policy.evaluate(input, entrypoint));
  const marshal = rate(marshalOnly(input));
  console.log(
    `  ${title.padEnd(34)} ${Math.round(evals).toLocaleString('en').padStart(9)} evals/s   marshalling only ${Math.round(marshal).toLocaleString('en').padStart(9)}/s   ratio ${(evals / marshal).toFixed(2)}`,
  );
  return policy;
}

async function main() {
  benchCompile();

  console.log(`evaluation through the stock SDK (ABI 1.2), median of ${ROUNDS} rounds:`);
  const mcpFile = path.join(POLICIES, 'mcp-tools.rego');
  const mcp = compile({
    modules: [{ path: 'policies/mcp-tools.rego', source: fs.readFileSync(mcpFile, 'utf8') }],
    entrypoints: ['mcp/tools/result'],
  });
  const mcpInput = {
    jwt: {
      payload: { sub: 'agent-7', iss: 'https://issuer.example', aud: 'https://mcp.example.com/mcp', scope: 'tickets:read tickets:write' },
    },
    request: {
      http: { method: 'POST', path: '/mcp' },
      mcp: { type: 'tool', tool: { params: { name: 'get_ticket_price', arguments: { destination: 'Paris' } } } },
    },
  };
  const mcpPolicy = await benchEval('example MCP policy (mcp/tools/result)', mcp.wasm, 'mcp/tools/result', mcpInput, undefined, [
    { result: { allowed: true } },
  ]);

  const rbac = compile({ modules: [{ path: 'rbac.rego', source: RBAC_POLICY }], entrypoints: ['rbac/allow'] });
  await benchEval(
    'RBAC over data (100 users, 10 roles)',
    rbac.wasm,
    'rbac/allow',
    { user: 'user42', action: 'read', resource: 'res5' },
    rbacData(),
    [{ result: true }],
  );

  const before = mcpPolicy.mem.buffer.byteLength;
  const t0 = Date.now();
  for (let i = 0; i < MEMORY_EVALS; i++) mcpPolicy.evaluate(mcpInput, 'mcp/tools/result');
  const after = mcpPolicy.mem.buffer.byteLength;
  console.log(
    `memory over ${MEMORY_EVALS.toLocaleString('en')} evaluations: ${before} -> ${after} bytes (${after === before ? 'flat' : 'GREW'}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  if (after !== before) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
