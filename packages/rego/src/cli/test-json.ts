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

/** `eval_conflict_error: complete rules ...` → its code and message, as OPA's evaluation errors are encoded. */
function errorOf(message: string): { code: string; message: string } {
  const match = /^([a-z_]+_error): ([\s\S]*)$/.exec(message);
  return match ? { code: match[1], message: match[2] } : { code: 'eval_error', message };
}

export function formatTestJson(results: RegoTestResult[]): string {
  const list = results.map((result) => {
    // Keys in the order opa writes them.
    const entry: JsonTestResult = {
      location: locationOf(result.location),
      package: result.package,
      name: result.name,
      ...(result.status === 'fail' ? { fail: true as const } : {}),
      ...(result.status === 'error' ? { error: errorOf(result.message ?? '') } : {}),
      ...(result.status === 'skip' ? { skip: true as const } : {}),
      duration: result.durationNs,
    };
    if (result.output) entry.output = Buffer.from(result.output, 'utf8').toString('base64');
    return entry;
  });
  return `${JSON.stringify(list, null, 2)}\n`;
}
