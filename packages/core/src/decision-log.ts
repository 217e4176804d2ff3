/**
 * One decision log entry per policy decision, in the shape of OPA's decision logs
 * (https://www.openpolicyagent.org/docs/latest/management-decision-logs/) so that existing pipelines read them:
 * `decision_id`, `timestamp`, `path`, `input`, `result`, `requested_by`, `metrics.timer_*_ns`, and `masked`
 * listing what was redacted. Credentials never reach a log: the `Authorization`, `Proxy-Authorization` and `Cookie`
 * headers, any header whose name says token/secret/api-key, and `access_token` query parameters are replaced.
 */
import { randomUUID } from 'node:crypto';
import type { PolicyInput } from './input';

export interface DecisionLogEntry {
  decision_id: string;
  /** RFC 3339. */
  timestamp: string;
  /** The entrypoint evaluated, e.g. `authz/decision`. */
  path: string;
  /** The input, credentials redacted. */
  input: unknown;
  /** The entrypoint's value; absent when the rule was undefined or evaluation failed. */
  result?: unknown;
  /** The client's address. */
  requested_by?: string;
  /** JSON pointers of the input members that were redacted, as OPA's `masked`. */
  masked?: string[];
  /** Set when evaluation failed (the request was answered 500). */
  error?: { code: string; message: string };
  labels: { app: 'opa-jwt' };
  metrics: Record<string, number>;
}

export const REDACTED = '[REDACTED]';

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|api-?key|password/i;

export function newDecisionId(): string {
  return randomUUID();
}

/** A copy of the input fit for logs, and the JSON pointers of what was replaced. */
export function redactInput(input: PolicyInput): { input: unknown; masked: string[] } {
  // A JSON round trip: the copy is exactly what the policy saw (the SDK serialises the input the same way).
  const copy = JSON.parse(JSON.stringify(input)) as PolicyInput;
  const masked: string[] = [];
  const http = copy.request?.http;
  if (http && typeof http === 'object') {
    for (const name of Object.keys(http.headers ?? {})) {
      if (!SECRET_HEADER.test(name)) continue;
      const value = http.headers[name];
      // Keep the scheme: "Bearer [REDACTED]" still tells a reader which kind of credential was sent.
      const scheme = /^(\S+)\s+\S/.exec(value);
      http.headers[name] = /authorization$/i.test(name) && scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
      masked.push(`/input/request/http/headers/${name}`);
    }
    for (const name of Object.keys(http.query ?? {})) {
      if (!/^access_token$|token|secret|password/i.test(name)) continue;
      http.query[name] = http.query[name].map(() => REDACTED);
      masked.push(`/input/request/http/query/${name}`);
    }
  }
  return { input: copy, masked };
}

/** Monotonic nanoseconds, for the `timer_*_ns` metrics. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function elapsedNs(since: bigint): number {
  return Number(process.hrtime.bigint() - since);
}
