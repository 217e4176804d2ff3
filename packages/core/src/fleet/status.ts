/**
 * Status reports in the shape of OPA's Status API (plugins/status): `labels`, `bundles.<name>` with
 * `active_revision`, `last_successful_download`, `last_successful_activation`, `last_request`,
 * `last_successful_request`, `code`/`message` of the last error, `decision_logs` health, and `metrics`.
 * Posted as JSON to `<service>/<resource>` (default `/status`) shortly after each change and every
 * `periodSeconds`. A failed report is sent again (fresh) after a backoff, so that the collector learns the latest
 * state once it is back, not only at the next period.
 */
import { backoffMs } from './bundle-client';
import { serviceHeaders, serviceUrl, type StatusConfig } from './config';

export interface BundleStatus {
  name: string;
  active_revision?: string;
  last_successful_download?: string;
  last_successful_activation?: string;
  last_request?: string;
  last_successful_request?: string;
  http_code?: number;
  code?: string;
  message?: string;
}

export interface StatusReport {
  labels: Record<string, string>;
  bundles: Record<string, BundleStatus>;
  decision_logs?: { code?: string; message?: string; http_code?: number };
  metrics?: Record<string, unknown>;
}

const CHANGE_DEBOUNCE_MS = 50;
const MIN_RETRY_DELAY_MS = 100;

export class StatusReporter {
  private timer?: NodeJS.Timeout;
  private changeTimer?: NodeJS.Timeout;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private retries = 0;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: StatusConfig,
    private readonly snapshot: () => StatusReport,
    private readonly periodSeconds = 60,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.send(), this.periodSeconds * 1000);
    this.timer.unref();
    this.changed();
  }

  /** Something reported changed: one report shortly (several changes at once make one report). */
  changed(): void {
    if (this.stopped || this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.send();
    }, CHANGE_DEBOUNCE_MS);
    this.changeTimer.unref();
  }

  private send(): void {
    if (this.stopped) return;
    this.sending = this.sending.then(() => this.post(this.snapshot()));
  }

  private async post(report: StatusReport): Promise<void> {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), this.config.service.responseHeaderTimeoutSeconds * 1000);
    timeout.unref();
    try {
      const response = await fetch(serviceUrl(this.config.service, this.config.resource), {
        method: 'POST',
        headers: { ...serviceHeaders(this.config.service), 'Content-Type': 'application/json' },
        body: JSON.stringify(report),
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 300) throw new Error(`HTTP ${response.status}`);
      this.retries = 0;
    } catch {
      this.retry();
    } finally {
      clearTimeout(timeout);
    }
  }

  private retry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        this.send();
      },
      backoffMs(MIN_RETRY_DELAY_MS, this.periodSeconds * 1000, this.retries++),
    );
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.sending;
  }
}
