/** Formats test results as `opa test` prints them (its "pretty" reporter). */
import type { RegoTestResult, RegoTestStatus } from './runner';

const RULE = '-'.repeat(80);

const OUTCOME: Record<RegoTestStatus, string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIPPED' };

/** A duration as Go prints a time.Duration (`426ns`, `1.417µs`, `12.5ms`, `1.2s`), which `opa test` shows. */
export function formatDuration(ns: number): string {
  const scaled = (value: number, unit: string, decimals: number) => `${value.toFixed(decimals).replace(/\.?0+$/, '')}${unit}`;
  if (ns < 1e3) return `${Math.round(ns)}ns`;
  if (ns < 1e6) return scaled(ns / 1e3, 'µs', 3);
  if (ns < 1e9) return scaled(ns / 1e6, 'ms', 6);
  return scaled(ns / 1e9, 's', 9);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}

export interface ReportOptions {
  /** List every test, not only those that did not pass (`opa test -v`). */
  verbose?: boolean;
}

/**
 * The report: each test that did not pass (every test with `verbose`) under its `file:line:col:`, with its print()
 * output, its trace() notes (with `verbose`, as `opa test -v` shows notes) and error; then a rule and the
 * `PASS: n/m`, `FAIL: n/m`, `SKIPPED: n/m`, `ERROR: n/m` counts.
 */
export function formatTestReport(results: RegoTestResult[], options: ReportOptions = {}): string {
  let out = '';
  let lastFile: string | undefined;
  const counts: Record<RegoTestStatus, number> = { pass: 0, fail: 0, error: 0, skip: 0 };
  for (const result of results) {
    counts[result.status]++;
    if (!options.verbose && result.status === 'pass') continue;
    const file = result.location.replace(/:\d+:\d+$/, '');
    if (lastFile !== undefined && lastFile !== file) out += '\n';
    lastFile = file;
    out += `${result.location}:\n`;
    out +=
      result.status === 'skip'
        ? `${result.package}.${result.name}: ${OUTCOME.skip}\n`
        : `${result.package}.${result.name}: ${OUTCOME[result.status]} (${formatDuration(result.durationNs)})\n`;
    if (result.output) out += `\n${indent(result.output.trim())}\n\n`;
    if (options.verbose && result.notes) out += `\n${indent(result.notes.map((note) => `Note ${JSON.stringify(note)}`).join('\n'))}\n\n`;
    if (result.status === 'error' && result.message) out += `  ${result.message}\n`;
  }
  if (out !== '') out += `${RULE}\n`;
  const total = results.length;
  if (counts.pass) out += `PASS: ${counts.pass}/${total}\n`;
  if (counts.fail) out += `FAIL: ${counts.fail}/${total}\n`;
  if (counts.skip) out += `SKIPPED: ${counts.skip}/${total}\n`;
  if (counts.error) out += `ERROR: ${counts.error}/${total}\n`;
  return out;
}
