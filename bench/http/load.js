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
 * Two servers measured at once (run.js's BENCH_HTTP_PAIRING=together) have one load generator each, started
 * together: the spec's line may be followed by a second line on standard input, `go`, sent once both generators have
 * started (each prints `ready` first), and each then begins its load at once (without it, at the end of standard
 * input). With `trailSeconds`, the load goes on that long after the measured part, discarded, so that the other server
 * is never measured alone for the moment by which the two generators' timers differ.
 *
 * With several tokens, each request carries the next one in turn (so a server's token cache sees them all).
 * With `firstPathNumber`, each `{n}` in the path is replaced by a number counting up from it per request, so that no
 * two requests share a path (a server that remembers answers per request must evaluate every one); the summary's
 * `nextPathNumber` is where the next run continues.
 */
'use strict';
const autocannon = require('autocannon');

/** The spec (the first line of standard input), then when to start: at a second line, or at the end of the input. */
const input = (async function* () {
  const lines = require('node:readline').createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() !== '') yield line;
})();

/** autocannon's request for the spec, and the next path number once it has run. */
function requestOf(spec) {
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
  return { request, nextPathNumber: () => nextPathNumber };
}

async function main() {
  const first = await input.next();
  if (first.done) throw new Error('load.js: no spec on standard input');
  const spec = JSON.parse(first.value);
  const { request, nextPathNumber } = requestOf(spec);
  /** One autocannon run of `seconds`. */
  const run = (seconds) =>
    new Promise((resolve, reject) =>
      autocannon({ url: spec.url, connections: spec.connections, duration: seconds, requests: [request] }, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
  /** The server's CPU time so far (µs). */
  const serverCpu = async () => (await (await fetch(new URL('/__stats', spec.url))).json()).cpuMicros;

  process.stdout.write('ready\n');
  await input.next(); // `go`, or the end of the input
  if (spec.warmupSeconds > 0) await run(spec.warmupSeconds);
  const cpuBefore = await serverCpu();
  const result = await run(spec.seconds);
  const cpuMicros = (await serverCpu()) - cpuBefore;
  if (spec.trailSeconds > 0) await run(spec.trailSeconds);
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
      nextPathNumber: nextPathNumber(),
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
