#!/usr/bin/env node
/**
 * What one decision costs inside a server under load, against what it costs right after another
 * (`npm run bench:http:warm-and-cold`): why a server's extra CPU per request is several times what the in-process
 * benchmark (packages/core/bench/request-path.js) measures for the same work.
 *
 * A Fastify server (pinned to core 0 where `taskset` exists) decides each GET /orders/1 of a remembered reader
 * token twice in its `preHandler` hook: the first call is the one every server makes, after the framework and the
 * kernel's network stack have run since the last request; the second, on a new request object for the same request,
 * finds the core's code and data where the first left them. Both are timed with `process.hrtime.bigint()` and summed.
 * The load (load.js, autocannon, 50 connections) runs on core 1. Printed: for each round, the mean µs of each call,
 * then the medians and their ratio.
 *
 * Not a test. Environment: BENCH_HTTP_ROUNDS (default 5), BENCH_HTTP_SECONDS (per round, default 3),
 * BENCH_HTTP_NODE (a Node.js major version for the server and the load, as for bench:http), OPA_JWT_BUILD (the root
 * of another built checkout whose core the server uses instead of this one's).
 */
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const path = require('node:path');

const { AUDIENCE, opaJwtOptions } = require('./opa-jwt-options');

if (process.argv[2] === 'server') serve(process.argv[3], process.argv[4]);
else
  measure().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });

/** The server: Fastify with a hook that decides every request twice, timing each call. */
async function serve(issuer, jwksUri) {
  const Fastify = require('fastify');
  // This checkout's core, or that of the built checkout OPA_JWT_BUILD names (to compare two builds).
  const build = process.env.OPA_JWT_BUILD && path.join(path.resolve(process.env.OPA_JWT_BUILD), 'packages', 'core');
  const { createAuthorizer } = require(build || '@opa-jwt/core');
  const { AdapterRequest } = require(build ? path.join(build, 'dist', 'adapter.js') : '@opa-jwt/core/adapter');
  class BenchRequest extends AdapterRequest {
    constructor(request) {
      super(request.method, request.url, request.headers, undefined);
      this.route = '/orders/:id';
      this.request = request;
    }

    clientAddress() {
      return this.request.ip;
    }
  }
  const authorizer = createAuthorizer(opaJwtOptions(issuer, jwksUri));
  await authorizer.ready();
  const totals = { first: 0n, second: 0n, requests: 0 };
  const app = Fastify();
  app.get('/__totals', async () => ({ first: Number(totals.first), second: Number(totals.second), requests: totals.requests }));
  await app.register(async (scope) => {
    scope.decorateRequest('auth', undefined);
    scope.addHook('preHandler', (request, reply, done) => {
      const finish = (outcome) => {
        if (outcome.type !== 'allow') return void reply.code(outcome.status).send(outcome.body);
        reply.headers(outcome.headers);
        request.auth = outcome.auth;
        done();
      };
      const start = process.hrtime.bigint();
      const outcome = authorizer.authorizeNow(new BenchRequest(request));
      const between = process.hrtime.bigint();
      // A token not remembered yet (the warm-up's first requests) is verified on the promise path, untimed.
      if (outcome instanceof Promise) return void outcome.then(finish, done);
      const again = authorizer.authorizeNow(new BenchRequest(request));
      const end = process.hrtime.bigint();
      if (again instanceof Promise || again.type !== outcome.type) return void reply.code(500).send({ error: 'the second call differed' });
      totals.first += between - start;
      totals.second += end - between;
      totals.requests++;
      finish(outcome);
    });
    scope.get('/orders/:id', async (request) => ({ id: request.params.id, sub: request.auth.payload.sub }));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`LISTENING ${app.server.address().port}\n`);
  process.on('SIGTERM', () =>
    app
      .close()
      .then(() => authorizer.close())
      .then(() => process.exit(0)),
  );
}

async function measure() {
  const { startJwksIssuer } = require('../jwks-issuer');
  const { nodeBinary } = require('../node-binary');
  const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS || 5);
  const SECONDS = Number(process.env.BENCH_HTTP_SECONDS || 3);
  const NODE = nodeBinary('BENCH_HTTP_NODE');
  const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const onCore = (core, args) => (pinned ? ['taskset', ['-c', String(core), NODE.binary, ...args]] : [NODE.binary, args]);

  const issuer = await startJwksIssuer({ audience: AUDIENCE });
  const token = issuer.mint({ sub: 'reader-1', roles: ['reader'], scope: 'orders:read' });
  const [command, args] = onCore(0, [__filename, 'server', issuer.issuer, issuer.jwksUri]);
  const server = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      server.stdout.on('data', (chunk) => {
        const match = /LISTENING (\d+)/.exec(String(chunk));
        if (match) resolve(Number(match[1]));
      });
      server.on('exit', (code) => reject(new Error(`the server exited (code ${code})`)));
    });
    const totals = async () => (await fetch(`http://127.0.0.1:${port}/__totals`)).json();
    const load = (seconds) => {
      const spec = {
        url: `http://127.0.0.1:${port}`,
        method: 'GET',
        path: '/orders/1',
        body: null,
        tokens: [token],
        seconds,
        connections: 50,
      };
      const [loadCommand, loadArgs] = onCore(1, [path.join(__dirname, 'load.js')]);
      const result = JSON.parse(
        execFileSync(loadCommand, loadArgs, { input: JSON.stringify(spec), encoding: 'utf8' })
          .trim()
          .split('\n')
          .pop(),
      );
      const wrong = Object.keys(result.statuses).filter((status) => status !== '200');
      if (wrong.length > 0) throw new Error(`the server answered ${wrong.join(', ')}: ${JSON.stringify(result.statuses)}`);
    };
    load(2); // warm-up: the token verified, the answer remembered, the code optimised
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = await totals();
      load(SECONDS);
      const after = await totals();
      const requests = after.requests - before.requests;
      rounds.push({
        first: (after.first - before.first) / requests / 1000,
        second: (after.second - before.second) / requests / 1000,
        requests,
      });
      console.log(
        `round ${round + 1}: ${requests} requests, first call ${rounds.at(-1).first.toFixed(2)} µs, second ${rounds.at(-1).second.toFixed(2)} µs`,
      );
    }
    const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
    const first = median(rounds.map((r) => r.first));
    const second = median(rounds.map((r) => r.second));
    console.log(
      `\nnode ${NODE.version}, ${pinned ? 'server on core 0, load on core 1' : 'not pinned (no taskset)'}: ` +
        `median µs per decision, first call ${first.toFixed(2)}, second call ${second.toFixed(2)}, ratio ${(first / second).toFixed(2)}`,
    );
  } finally {
    server.kill('SIGTERM');
    issuer.close();
  }
}
