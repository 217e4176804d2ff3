/**
 * Polls one bundle from its service with OPA's Bundle API semantics (download/download.go):
 *
 *   GET <service.url>/<resource>, If-None-Match: <last ETag>  →  200: a new bundle (handed to `onBundle`)
 *                                                               304: unchanged
 *   then wait a random delay in [min_delay_seconds, max_delay_seconds]; after an error, an exponential backoff
 *   (100 ms × 1.6^n with ±20 % jitter, capped at max_delay_seconds).
 *
 * With `long_polling_timeout_seconds`, each request says `Prefer: wait=<timeout>`; a server that answers with
 * Content-Type `application/vnd.openpolicyagent.bundles` supports long polling (it holds the request until a new
 * revision or the timeout), so the next request is sent at once. A server without it is polled periodically.
 * The response must start within `response_header_timeout_seconds` (plus the long-poll wait), else the attempt
 * fails and is retried with backoff. Polling never stops on its own; `stop()` ends it and any request in flight.
 */
import { serviceHeaders, serviceUrl, type BundleConfig } from './config';

export const LONG_POLLING_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles';
const MIN_RETRY_DELAY_MS = 100;

export interface DownloadResult {
  archive: Buffer;
  etag?: string;
}

export interface BundleClientEvents {
  /** A new archive: resolve when activated, reject (with the reason) when it could not be used. */
  onBundle: (result: DownloadResult) => Promise<void>;
  /** Every attempt's outcome, for status: `undefined` error when the download (or 304) succeeded. */
  onAttempt: (outcome: { error?: Error; httpCode?: number; notModified?: boolean }) => void;
}

/** OPA's util.DefaultBackoff: base × 1.6^retries with ±20 % jitter, capped. */
export function backoffMs(baseMs: number, maxMs: number, retries: number): number {
  let delay = baseMs;
  for (let i = 0; i < retries && delay < maxMs; i++) delay *= 1.6;
  delay = Math.min(delay, maxMs);
  delay *= 1 + 0.2 * (Math.random() * 2 - 1);
  return Math.max(0, Math.min(delay, maxMs));
}

export class BundleClient {
  private etag?: string;
  private timer?: NodeJS.Timeout;
  private controller?: AbortController;
  private stopped = false;
  private retries = 0;
  private longPolling = false;
  /** Resolves when the loop has stopped. */
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly config: BundleConfig,
    private readonly events: BundleClientEvents,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Skips the current wait (tests, and an operator's "poll now"). */
  pollNow(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const ok = await this.attempt();
      if (this.stopped) break;
      let delayMs: number;
      if (!ok) {
        delayMs = backoffMs(MIN_RETRY_DELAY_MS, this.config.polling.maxDelaySeconds * 1000, this.retries);
        this.retries++;
      } else {
        this.retries = 0;
        const { minDelaySeconds, maxDelaySeconds } = this.config.polling;
        delayMs = this.longPolling ? 0 : (minDelaySeconds + Math.random() * (maxDelaySeconds - minDelaySeconds)) * 1000;
      }
      await this.sleep(delayMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(this.wake, ms);
      this.timer.unref();
    });
  }

  /** One request; true when it succeeded (new bundle activated, or 304). */
  private async attempt(): Promise<boolean> {
    const { service, resource, polling } = this.config;
    const headers: Record<string, string> = { ...serviceHeaders(service) };
    if (this.etag !== undefined) headers['If-None-Match'] = this.etag;
    const wait = polling.longPollingTimeoutSeconds;
    if (wait !== undefined) headers.Prefer = `wait=${Math.ceil(wait)}`;
    const controller = new AbortController();
    this.controller = controller;
    const timeoutMs = (service.responseHeaderTimeoutSeconds + (wait ?? 0)) * 1000;
    const timeout = setTimeout(() => controller.abort(new Error(`no response within ${timeoutMs / 1000} s`)), timeoutMs);
    timeout.unref();
    let response: Response;
    let body: Buffer | undefined;
    try {
      response = await fetch(serviceUrl(service, resource), { headers, signal: controller.signal, redirect: 'follow' });
      if (response.status === 200) {
        const length = Number(response.headers.get('content-length') ?? 0);
        if (length > this.config.sizeLimitBytes) {
          controller.abort();
          throw new Error(`bundle exceeds size_limit_bytes (${length} > ${this.config.sizeLimitBytes})`);
        }
        body = Buffer.from(await response.arrayBuffer());
        if (body.length > this.config.sizeLimitBytes)
          throw new Error(`bundle exceeds size_limit_bytes (${body.length} > ${this.config.sizeLimitBytes})`);
      } else {
        await response.arrayBuffer().catch(() => undefined);
      }
    } catch (error) {
      if (this.stopped) return false;
      const reason = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : (error as Error);
      this.events.onAttempt({ error: new Error(`bundle ${this.config.name}: download failed: ${reason.message}`) });
      return false;
    } finally {
      clearTimeout(timeout);
      this.controller = undefined;
    }
    if (this.stopped) return false;
    this.longPolling = wait !== undefined && (response.headers.get('content-type') ?? '').startsWith(LONG_POLLING_CONTENT_TYPE);
    if (response.status === 304) {
      this.events.onAttempt({ httpCode: 304, notModified: true });
      return true;
    }
    if (response.status !== 200 || body === undefined) {
      this.events.onAttempt({
        httpCode: response.status,
        error: new Error(`bundle ${this.config.name}: server replied with HTTP ${response.status}`),
      });
      return false;
    }
    const etag = response.headers.get('etag') ?? undefined;
    try {
      await this.events.onBundle({ archive: body, etag });
    } catch (error) {
      // Not remembered: the same broken revision is downloaded again after the backoff (as OPA), and a fixed one
      // published meanwhile is picked up.
      this.events.onAttempt({ httpCode: 200, error: error as Error });
      return false;
    }
    this.etag = etag;
    this.events.onAttempt({ httpCode: 200 });
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort(new Error('stopped'));
    this.wake?.();
    await this.loop;
  }
}
