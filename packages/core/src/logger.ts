/**
 * The logging interface the core writes to: pino's (and bunyan's) call shape, `logger.warn({ ...fields }, 'message')`,
 * so a pino logger, `fastify.log` or `req.log` can be passed as is.
 */
import { inspect } from 'node:util';

export type LogFn = (fields: object, message?: string) => void;

export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  /** pino's level check; when present, decision log entries are only built while `info` is enabled. */
  isLevelEnabled?: (level: string) => boolean;
}

/**
 * Used when no `logger` option is given: problems an operator must see (a policy that failed to reload, keys served
 * stale, evaluation errors) go to the console; per-request records (token rejections, decision logs) are `info` and
 * `debug` and are dropped, so that a flood of bad tokens cannot flood the console. Pass a logger to keep them.
 */
export const consoleLogger: Logger = {
  // The core's messages start with "opa-jwt:" already.
  error: (fields, message) => console.error(message ?? 'opa-jwt', fields),
  warn: (fields, message) => console.warn(message ?? 'opa-jwt', fields),
  info: () => undefined,
  debug: () => undefined,
};

/** Logging must never break a request: a throwing logger is ignored. */
export function safeLogger(logger: Logger): Logger {
  const wrap =
    (fn: LogFn): LogFn =>
    (fields, message) => {
      try {
        fn.call(logger, fields, message);
      } catch {
        // ignored on purpose
      }
    };
  const safe: Logger = { error: wrap(logger.error), warn: wrap(logger.warn), info: wrap(logger.info), debug: wrap(logger.debug) };
  if (typeof logger.isLevelEnabled === 'function') {
    const isLevelEnabled = logger.isLevelEnabled;
    safe.isLevelEnabled = (level) => {
      try {
        return isLevelEnabled.call(logger, level) !== false;
      } catch {
        return true; // when in doubt, log
      }
    };
  }
  return safe;
}

/** An error as log fields: name, message and cause, without the stack's noise for expected failures. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const fields: Record<string, unknown> = { error: error.message, errorName: error.name };
  if (error.cause !== undefined)
    fields.cause =
      error.cause instanceof Error
        ? error.cause.message
        : typeof error.cause === 'string'
          ? error.cause
          : inspect(error.cause, { depth: 2, breakLength: Infinity });
  return fields;
}

/**
 * At most one record per kind and interval, then how many were left out: for refusals of input a client controls
 * (malformed targets, bodies, tokens), which must not let one client flood the log. Kinds are a fixed set of reasons.
 */
export class RateLimitedLog {
  private readonly open = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly write: LogFn,
    private readonly intervalMs = 60_000,
  ) {}

  log(kind: string, fields: object, message: string): void {
    const now = Date.now();
    const window = this.open.get(kind);
    if (window && now < window.until) {
      window.suppressed++;
      return;
    }
    this.open.set(kind, { until: now + this.intervalMs, suppressed: 0 });
    this.write({ ...fields, suppressed_since_last: window?.suppressed ?? 0 }, message);
  }
}
