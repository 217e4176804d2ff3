#!/usr/bin/env node
/**
 * The load generator of the peer benchmark: one autocannon run, described by JSON on standard input, whose summary
 * is printed as one JSON line. run.js starts it in its own process, pinned to the core the servers do not use.
 *
 *   echo '{"url":"http://127.0.0.1:1234","method":"GET","path":"/orders/1",
 *          "tokens":["eyJ..."],"body":null,"seconds":3,"connections":50}' | node bench/http/load.js
 *
 * With `warmupSeconds`, the same load runs that long first and is discarded: a server that sat idle while the
 * other scenarios ran is measured hot, as a server under steady load is. The summary's `cpuMicros` is the server's
 * CPU time (its `GET /__stats`) over the measured part alone.
 *
 * With several tokens, each request carries the next one in turn (so a server's token cache sees them all).
 * With `firstPathNumber`, each `{n}` in the path is replaced by a number counting up from it per request, so that no
 * two requests share a path (a server that remembers answers per request must evaluate every one); the summary's
 * `nextPathNumber` is where the next run continues.
 */
'use strict';
const autocannon = require('autocannon');

const spec = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));

const baseHeaders = { accept: 'application/json' };
if (spec.body !== null && spec.body !== undefined) baseHeaders['content-type'] = 'application/json';
const body = spec.body === null || spec.body === undefined ? undefined : JSON.stringify(spec.body);

let nextToken = 0;
let nextPathNumber = spec.firstPathNumber;
const numbered = nextPathNumber !== undefined;
if (numbered && !spec.path.includes('{n}')) throw new Error(`load.js: firstPathNumber needs a path with {n}, got ${spec.path}`);
const headersFor = (token) => (token ? { ...baseHeaders, authorization: `Bearer ${token}` } : baseHeaders);
const fixedHeaders = headersFor(spec.tokens[0]);
const varies = spec.tokens.length > 1 || numbered;
// autocannon calls setupRequest for every request it sends when it is given (and once per connection up front).
const request = varies
  ? {
      method: spec.method,
      path: spec.path,
      body,
      headers: fixedHeaders,
      setupRequest: (req) => ({
        ...req,
        path: numbered ? spec.path.replaceAll('{n}', String(nextPathNumber++)) : spec.path,
        headers: spec.tokens.length > 1 ? headersFor(spec.tokens[nextToken++ % spec.tokens.length]) : fixedHeaders,
      }),
    }
  : { method: spec.method, path: spec.path, body, headers: fixedHeaders };

/** One autocannon run of `seconds`. */
const run = (seconds) =>
  new Promise((resolve, reject) =>
    autocannon({ url: spec.url, connections: spec.connections, duration: seconds, requests: [request] }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );

/** The server's CPU time so far (µs). */
const serverCpu = async () => (await (await fetch(new URL('/__stats', spec.url))).json()).cpuMicros;

async function main() {
  if (spec.warmupSeconds > 0) await run(spec.warmupSeconds);
  const cpuBefore = await serverCpu();
  const result = await run(spec.seconds);
  const cpuMicros = (await serverCpu()) - cpuBefore;
  const statuses = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count;
  process.stdout.write(
    `${JSON.stringify({
      total: result.requests.total,
      perSecond: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts,
      statuses,
      cpuMicros,
      nextPathNumber,
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
