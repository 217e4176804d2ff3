/**
 * The Rego conformance suite: every case of ../shared/conformance/regorus (beside the repository;
 * format in its README) compiled with our compiler and run on the stock @open-policy-agent/opa-wasm
 * SDK. Prints one line per category and a closing `N passed, M failed[, K skipped]` line.
 *
 * known-failures.json (case id -> one-line reason) keeps CI green while the count stays honest:
 * the test fails when a case that is not on the list fails, and when a listed case passes
 * (take it off the list then). REGO_CONFORMANCE_REPORT=<file> writes every failure with its reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import { compile, hostBuiltins } from '../../src';
import { ConformanceCase, loadCases } from './cases';
import { Compiler, Outcome, runCase } from './run';

const repoRoot = path.resolve(__dirname, '../../../..');
// REGO_CONFORMANCE_DIR points the suite at another copy of the cases.
const casesRoot = path.resolve(repoRoot, process.env.REGO_CONFORMANCE_DIR ?? '../shared/conformance/regorus');
const knownFailuresFile = path.join(__dirname, 'known-failures.json');

const compiler: Compiler = {
  compile: (opts) => compile(opts),
  hostBuiltins: hostBuiltins,
};

interface Result {
  c: ConformanceCase;
  outcome: Outcome;
}

function summary(results: Result[]): string[] {
  const byCategory = new Map<string, { passed: number; failed: number; skipped: number }>();
  for (const { c, outcome } of results) {
    let n = byCategory.get(c.category);
    if (!n) byCategory.set(c.category, (n = { passed: 0, failed: 0, skipped: 0 }));
    if (outcome.status === 'pass') n.passed++;
    else if (outcome.status === 'fail') n.failed++;
    else n.skipped++;
  }
  const counts = (n: { passed: number; failed: number; skipped: number }): string =>
    `${n.passed} passed, ${n.failed} failed${n.skipped ? `, ${n.skipped} skipped` : ''}`;
  const width = Math.max(...[...byCategory.keys()].map((k) => k.length));
  const lines = [...byCategory].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k.padEnd(width)}  ${counts(n)}`);
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const n of byCategory.values()) {
    total.passed += n.passed;
    total.failed += n.failed;
    total.skipped += n.skipped;
  }
  lines.push(counts(total));
  return lines;
}

if (!fs.existsSync(casesRoot)) {
  test.skip('Rego conformance suite (skipped: ../shared/conformance/regorus is absent)', () => undefined);
  console.log(`Rego conformance suite skipped: ${casesRoot} does not exist (it sits beside the repository in CI).`);
} else {
  test('Rego conformance suite: every case passes or is a known failure', async () => {
    const known = JSON.parse(fs.readFileSync(knownFailuresFile, 'utf8')) as Record<string, string>;
    const cases = loadCases(casesRoot);
    expect(cases.length).toBeGreaterThan(0);

    const results: Result[] = [];
    for (const c of cases) {
      // `skip: true` marks cases of the suite that its own interpreter skips.
      if (c.raw.skip) results.push({ c, outcome: { status: 'skip', reason: 'marked skip in the suite' } });
      else results.push({ c, outcome: await runCase(c, compiler) });
    }
    console.log(summary(results).join('\n'));
    // REGO_CONFORMANCE_REPORT=<file>: every failed or skipped case with its reason, for working on the list.
    const report = process.env.REGO_CONFORMANCE_REPORT;
    if (report) {
      const lines = results
        .filter((r) => r.outcome.status !== 'pass')
        .map((r) => `${r.outcome.status}\t${r.c.id}\t${r.outcome.reason ?? ''}`);
      fs.writeFileSync(report, `${lines.join('\n')}\n`);
    }

    const ids = new Set(cases.map((c) => c.id));
    const unexpected = results
      .filter((r) => r.outcome.status === 'fail' && !(r.c.id in known))
      .map((r) => `${r.c.id}: ${r.outcome.reason}`);
    const nowPassing = results
      .filter((r) => r.outcome.status === 'pass' && r.c.id in known)
      .map((r) => `${r.c.id} (take it off known-failures.json)`);
    const stale = Object.keys(known)
      .filter((id) => !ids.has(id))
      .map((id) => `${id} (no such case)`);
    const unexplained = Object.entries(known)
      .filter(([, why]) => typeof why !== 'string' || why.trim() === '')
      .map(([id]) => `${id} (no reason given)`);

    expect({ unexpected, nowPassing, stale, unexplained }).toEqual({ unexpected: [], nowPassing: [], stale: [], unexplained: [] });
  }, 120_000);
}
