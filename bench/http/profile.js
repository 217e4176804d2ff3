#!/usr/bin/env node
/**
 * Where a scenario's extra CPU goes in a server under load (`npm run bench:http:profile -- '<scenario>'`), with
 * Linux `perf`: what a loop of `authorize()` calls measures is not what a server pays (see the README's benchmark
 * section), so this looks at the server itself.
 *
 * 1. The scenario's server and a twin of its bare framework start as in run.js (same variants, pinned to core 0),
 *    with `--perf-basic-prof` so that perf can name the JavaScript functions V8 compiled. Both must answer correctly.
 * 2. Both are loaded together (one load generator each, on core 1) for a warm-up, then for the measurement; in its
 *    middle `perf record -g` samples both processes (software clock: these machines have no hardware counters).
 * 3. Each sample is charged to the innermost JavaScript function on its stack, so that what V8 and the kernel do for
 *    a function (a map lookup, a clock read, a write) counts as that function's; samples with no JavaScript on their
 *    stack are charged to where they are (the kernel, V8's garbage collector, Node's C++).
 * 4. Printed: µs per request by package (opa-jwt's own packages, the framework's, Node's internals, ...) for the
 *    scenario and its twin and the difference, then the scenario's opa-jwt functions.
 *
 * The difference between the two columns is the scenario's extra; the opa-jwt rows are what its own code costs,
 * the other rows how much slower the same framework, Node and kernel code runs beside it. Functions V8 inlined show
 * under the function they were inlined into. Not a test. Needs `perf` (Debian: linux-perf) and the right to use it
 * (root, or kernel.perf_event_paranoid ≤ 1). Environment: BENCH_HTTP_NODE as for run.js, PROFILE_SECONDS (load
 * measured, default 10; perf samples all but its first and last second), PROFILE_HZ (samples a second, default
 * 2999).
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { SCENARIOS, NODE, startIssuer, startServer, checkAnswers, startingLine, runLoad, settledBoth } = require('./run');

const SECONDS = Number(process.env.PROFILE_SECONDS || 10);
const HZ = Number(process.env.PROFILE_HZ || 2999);
const WARMUP = 5;
const ROOT = path.join(__dirname, '..', '..');

/** The package a JavaScript frame's function belongs to, as perf names it (`JS:*'name file:line:column`). */
function packageOf(frame) {
  const file = /(?:file:\/\/)?(\/\S+|node:\S+):\d+:\d+$/.exec(frame)?.[1];
  if (file === undefined) return 'JavaScript without a file (regular expressions, stubs)';
  if (file.startsWith('node:')) return 'Node.js internals';
  const inPackages = /\/packages\/(core|express|fastify|koa|rego)\//.exec(file);
  if (inPackages && file.startsWith(ROOT)) return `opa-jwt (${inPackages[1]})`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.slice(file.lastIndexOf('node_modules/')))?.[1];
  if (dependency !== undefined) return dependency;
  if (file.includes('bench/http/')) return "the bench app's handlers";
  return file;
}

/** Where a sample with no JavaScript on its stack is spent: its leaf's object file says whether in the kernel. */
function nativePlace(frames) {
  if (frames.some(({ symbol }) => /Scaveng|MinorMark|Heap::CollectGarbage|MarkCompact|Sweeper/.test(symbol)))
    return 'V8 garbage collection';
  if (frames[0]?.file === '[kernel.kallsyms]') return 'kernel (no JavaScript on the stack)';
  return 'native code (no JavaScript on the stack)';
}

const isJs = ({ symbol }) => symbol.startsWith('JS:') || symbol.startsWith('RegExp');

/** perf script's stacks (`-F pid,ip,sym,dso`), per process: [{ pid, frames: [{ symbol, file }: leaf, ..., root] }]. */
function* samples(text) {
  let pid;
  let frames = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('\t')) {
      // `<address> <symbol> (<object file>)`
      const frame = /^\s*\S+\s+(.*?)\s+\(([^()]*)\)$/.exec(line);
      frames.push(frame ? { symbol: frame[1], file: frame[2] } : { symbol: line.trim(), file: '' });
    } else if (line.trim() !== '') {
      if (pid !== undefined) yield { pid, frames };
      pid = Number(line.trim().split(/\s+/)[0]);
      frames = [];
    }
  }
  if (pid !== undefined) yield { pid, frames };
}

function table(rows, columns) {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join(' | ')} |`;
  return [
    line(columns),
    `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

async function main() {
  if (spawnSync('perf', ['--version']).status !== 0) throw new Error('perf is not installed (Debian: apt-get install linux-perf)');
  // perf samples all but the first and the last second of the measurement.
  if (!(SECONDS >= 3)) throw new Error(`PROFILE_SECONDS must be 3 or more, got ${process.env.PROFILE_SECONDS}`);
  if (!(HZ > 0)) throw new Error(`PROFILE_HZ must be a positive number of samples a second, got ${process.env.PROFILE_HZ}`);
  const name = process.argv[2] ?? '**opa-jwt, repeated token**';
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario named ${name}; names: ${SCENARIOS.map((s) => s.name).join('; ')}`);
  const bare = SCENARIOS.find((s) => s.name === scenario.bare);
  const issuer = await startIssuer();
  const servers = [];
  const workDir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-profile-'));
  try {
    // perf's symbol maps; the code log V8 writes with them goes to the temporary directory, not the working one.
    const nodeOptions = ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${path.join(workDir, 'v8.log')}`];
    for (const s of [scenario, bare]) servers.push({ scenario: s, ...(await startServer(s.variant, issuer, undefined, nodeOptions)) });
    for (const server of servers) await checkAnswers(server.scenario, server.port, issuer.tokens);
    const together = async (seconds, onStart) => {
      const place = startingLine(2);
      const loads = settledBoth(...servers.map((server) => runLoad(server.port, server.scenario, issuer.tokens, seconds, 0, place())));
      await onStart?.();
      return loads;
    };
    process.stderr.write(`${name} and its twin (${bare.name}): ${WARMUP} s of warm-up, then ${SECONDS} s measured\n`);
    await together(WARMUP);
    const data = path.join(workDir, 'perf.data');
    const window = SECONDS - 2;
    let perfExit;
    const results = await together(SECONDS, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const pids = servers.map((server) => server.child.pid).join(',');
      const perf = spawn(
        'perf',
        ['record', '-g', '-F', String(HZ), '-e', 'cpu-clock', '-p', pids, '-o', data, '--', 'sleep', String(window)],
        {
          stdio: ['ignore', 'ignore', 'ignore'],
        },
      );
      // It ends before the load does: its end is waited for from now.
      perfExit = new Promise((resolve) => perf.on('close', resolve));
    });
    const perfCode = await perfExit;
    if (perfCode !== 0) throw new Error(`perf record exited with ${perfCode} (perf_event_paranoid? run as root)`);
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'pid,ip,sym,dso'], { maxBuffer: 1 << 30, encoding: 'utf8' });
    if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);

    // µs of one core per request, per server: each sample is 1/HZ s; the requests are those of perf's window.
    const perRequest = servers.map((server, i) => 1e6 / HZ / ((results[i].total * window) / SECONDS));
    const byPid = new Map(servers.map((server, i) => [server.child.pid, i]));
    const places = new Map();
    const ownFunctions = new Map();
    for (const { pid, frames } of samples(script.stdout)) {
      const i = byPid.get(pid);
      if (i === undefined) continue;
      const js = frames.find(isJs);
      const place = js === undefined ? nativePlace(frames) : packageOf(js.symbol);
      if (!places.has(place)) places.set(place, [0, 0]);
      places.get(place)[i] += perRequest[i];
      if (i === 0 && place.startsWith('opa-jwt')) {
        const fn = js.symbol
          .replace(/^JS:\S?'?/, '')
          .replace(`file://${ROOT}/`, '')
          .replace(`${ROOT}/`, '');
        ownFunctions.set(fn, (ownFunctions.get(fn) ?? 0) + perRequest[i]);
      }
    }
    const fixed = (value) => value.toFixed(2);
    const rows = [...places].sort((a, b) => Math.abs(b[1][0] - b[1][1]) - Math.abs(a[1][0] - a[1][1]));
    const sums = rows.reduce((sum, [, [a, b]]) => [sum[0] + a, sum[1] + b], [0, 0]);
    const lines = [
      `servers on node ${NODE.version}; ${results[0].total} and ${results[1].total} requests in ${SECONDS} s; perf at ${HZ} Hz for ${window} s`,
      `CPU µs per request (process CPU time): ${fixed(results[0].cpuMicros / results[0].total)} and ${fixed(results[1].cpuMicros / results[1].total)}`,
      '',
      table(
        [
          ...rows.map(([place, [a, b]]) => [place, fixed(a), fixed(b), fixed(a - b)]),
          ['all', fixed(sums[0]), fixed(sums[1]), fixed(sums[0] - sums[1])],
        ],
        ['µs per request, by innermost JavaScript', name, 'twin', 'difference'],
      ),
      '',
      table(
        [...ownFunctions]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 20)
          .map(([fn, us]) => [fn, fixed(us)]),
        [`opa-jwt functions (${name})`, 'µs per request'],
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    const ended = servers.map(({ child }) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined));
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(ended);
    issuer.close();
    rmSync(workDir, { recursive: true, force: true });
    // The symbol maps `--perf-basic-prof` wrote for perf, once their servers have ended: nothing else reads them.
    for (const server of servers) rmSync(path.join(tmpdir(), `perf-${server.child.pid}.map`), { force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
