/**
 * `opa-jwt test --format json`: the results as `opa test --format json` writes them, an array of
 * `{location: {file, row, col}, package, name, fail?, error?, skip?, duration, output?}` where `duration` is in
 * nanoseconds and `output` (print() lines) is base64, as Go encodes a byte slice.
 */
import type { RegoTestResult } from '../testing';

interface JsonTestResult {
  location: { file: string; row: number; col: number };
  package: string;
  name: string;
  fail?: true;
  error?: { code: string; message: string };
  skip?: true;
  duration: number;
  output?: string;
}

function locationOf(location: string): JsonTestResult['location'] {
  const match = /^(.*):(\d+):(\d+)$/.exec(location);
  return match ? { file: match[1], row: Number(match[2]), col: Number(match[3]) } : { file: location, row: 0, col: 0 };
}

export function formatTestJson(results: RegoTestResult[]): string {
  const list = results.map((result) => {
    const entry: JsonTestResult = { location: locationOf(result.location), package: result.package, name: result.name, duration: result.durationNs };
    // Keys in the order opa writes them.
    const ordered: JsonTestResult = { location: entry.location, package: entry.package, name: entry.name } as JsonTestResult;
    if (result.status === 'fail') ordered.fail = true;
    if (result.status === 'error') ordered.error = { code: 'eval_error', message: result.message ?? '' };
    if (result.status === 'skip') ordered.skip = true;
    ordered.duration = entry.duration;
    if (result.output) ordered.output = Buffer.from(result.output, 'utf8').toString('base64');
    return ordered;
  });
  return `${JSON.stringify(list, null, 2)}\n`;
}
