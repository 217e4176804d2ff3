#!/usr/bin/env node
/**
 * Memory check of the per-request path, shorter and more precise than soak.js (whose RSS figures include V8's
 * warm-up: young-generation growth, compiled code, malloc arenas). In one process, `authorize()` is called in a
 * loop and, at checkpoints, after two forced garbage collections, it prints the live JS heap, the policy module's
 * linear memory (the SDK resets its heap before every evaluation), the verified-token cache size and the median
 * cost of one request. Flat numbers after the first checkpoint mean nothing grows per request.
 *
 * Scenarios: one set of 40 tokens repeated (cache hits), a new token for every request (the cache at its bound,
 * a signature check each time), and the first again with a logger (decision log entries built and redacted).
 * Also prints what the verified-token cache saves: median verify() time of a cached token against a new one.
 *
 * Not a test: `node packages/core/bench/memory.js` after `npm run build` (about 10 s).
 * Environment: MEMORY_REQUESTS (per scenario, default 60000).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { createHmac, generateKeyPairSync, randomBytes, sign } = require('node:crypto');

if (typeof global.gc !== 'function') {
  // Re-run with the collector exposed: heap figures without a forced collection measure garbage, not leaks.
  const run = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const ROOT = path.join(__dirname, '..', '..', '..');
const POLICY = path.join(ROOT, 'policies', 'api-authz.rego');
const REQUESTS = Number(process.env.MEMORY_REQUESTS || 60000);
const CHECKPOINTS = 4;
const AUDIENCE = 'orders-api';

function startIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const issuer = `http://127.0.0.1:${server.address().port}`;
      const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
      let serial = 0;
      const claims = (roles) => {
        const now = Math.floor(Date.now() / 1000);
        return b64({ iss: issuer, aud: AUDIENCE, sub: `user-${serial++}`, roles, iat: now, exp: now + 3600 });
      };
      const mint = (roles) => {
        const input = `${b64({ alg: 'RS256', kid: 'bench', typ: 'JWT' })}.${claims(roles)}`;
        return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
      };
      // HS256 for the many-tokens scenario: minting tens of thousands of RS256 tokens would take a minute.
      const secret = randomBytes(32);
      const mintHs256 = (roles) => {
        const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${claims(roles)}`;
        return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      };
      resolve({ issuer, jwksUri: `${issuer}/jwks.json`, secret, mint, mintHs256, close: () => server.close() });
    }),
  );
}

const ROLES = [['admin'], ['reader'], []];

function requestFor(i, token) {
  const method = i % 3 === 0 ? 'POST' : 'GET';
  const url = method === 'POST' ? '/orders' : `/orders/${i % 50}${i % 5 === 0 ? '?expand=1' : ''}`;
  return { method, url, headers: { host: 'api.test', authorization: `Bearer ${token}`, 'user-agent': 'bench' }, ip: '::ffff:127.0.0.1' };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const mb = (bytes) => (bytes / 1048576).toFixed(1);

async function scenario(name, createAuthorizer, issuer, { freshTokens, logger }) {
  const keys = freshTokens ? { secret: issuer.secret, algorithms: ['HS256'] } : { jwksUri: issuer.jwksUri, algorithms: ['RS256'] };
  const options = { policy: POLICY, entrypoint: 'authz/decision', issuer: issuer.issuer, audience: AUDIENCE, ...keys };
  if (logger) options.logger = { info() {}, warn() {}, error() {}, debug() {} };
  const authorizer = createAuthorizer(options);
  await authorizer.ready();
  // Tokens are minted ahead of time, so that signing is not measured (the minted list is live throughout).
  const mint = freshTokens ? issuer.mintHs256 : issuer.mint;
  const tokens = Array.from({ length: freshTokens ? REQUESTS : 40 }, (_, i) => mint(ROLES[i % ROLES.length]));
  console.log(`\n${name}`);
  console.log('  requests   heap used   policy memory   token cache   median µs/request');
  const step = REQUESTS / CHECKPOINTS;
  let durations = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = process.hrtime.bigint();
    await authorizer.authorize(requestFor(i, tokens[i % tokens.length]));
    durations.push(Number(process.hrtime.bigint() - started) / 1000);
    if ((i + 1) % step === 0) {
      global.gc();
      global.gc();
      const heap = process.memoryUsage().heapUsed;
      const line = [
        String(i + 1).padStart(10),
        `${mb(heap)} MB`.padStart(11),
        `${mb(authorizer.policies.current.memoryBytes)} MB`.padStart(15),
        String(authorizer.verifier.cache.size).padStart(13),
        median(durations).toFixed(1).padStart(19),
      ];
      console.log(line.join(' '));
      durations = [];
    }
  }
  await authorizer.close();
}

async function cacheSaving(createAuthorizer, issuer) {
  const authorizer = createAuthorizer({
    policy: POLICY,
    entrypoint: 'authz/decision',
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    algorithms: ['RS256'],
  });
  await authorizer.ready();
  const { verifier } = authorizer;
  const cached = issuer.mint(['admin']);
  await verifier.verify(cached);
  const fresh = Array.from({ length: 2000 }, () => issuer.mint(['admin']));
  const time = async (token) => {
    const started = process.hrtime.bigint();
    await verifier.verify(token);
    return Number(process.hrtime.bigint() - started) / 1000;
  };
  const hits = [];
  const misses = [];
  for (const token of fresh) {
    hits.push(await time(cached));
    misses.push(await time(token));
  }
  console.log(
    `\nverify(): cached token ${median(hits).toFixed(1)} µs, new token ${median(misses).toFixed(1)} µs (medians of ${fresh.length}, same run)`,
  );
  await authorizer.close();
}

async function main() {
  let core;
  try {
    core = require('@opa-jwt/core');
  } catch {
    console.error('memory.js needs the built packages: run `npm run build` first');
    process.exit(1);
  }
  console.log(`node ${process.version}; ${REQUESTS} requests per scenario; heap measured after forced GC`);
  const issuer = await startIssuer();
  try {
    await scenario('40 tokens, repeated (verified-token cache hits), no logger', core.createAuthorizer, issuer, {
      freshTokens: false,
      logger: false,
    });
    await scenario('a new HS256 token for every request (cache at its bound of 1000), no logger', core.createAuthorizer, issuer, {
      freshTokens: true,
      logger: false,
    });
    await scenario('40 tokens, repeated, with a logger (decision log entries built and redacted)', core.createAuthorizer, issuer, {
      freshTokens: false,
      logger: true,
    });
    await cacheSaving(core.createAuthorizer, issuer);
  } finally {
    issuer.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
