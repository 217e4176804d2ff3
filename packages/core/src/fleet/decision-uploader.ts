/**
 * Uploads decision log events to `<service>/<resource>` (default `/logs`) as OPA's decision log plugin does
 * (plugins/logs): gzip-compressed JSON arrays (`Content-Encoding: gzip`), each chunk at most
 * `upload_size_limit_bytes` of compressed body, sent every random [min_delay_seconds, max_delay_seconds].
 *
 * `enqueue` only serialises and buffers, never waits on the network: a request is never slowed by the collector.
 * The buffer is bounded by `buffer_size_limit_bytes` (serialised size) or `buffer_size_limit_events`; when full the
 * oldest events are dropped, and `max_decisions_per_second` drops events beyond the rate. Both are counted and
 * reported in the status metrics. A failed upload puts its chunk back at the head of the buffer (within the limit)
 * and the next attempt backs off exponentially, so a collector outage loses nothing that fits the buffer.
 *
 * Compression runs on libuv's thread pool, not on the thread that answers requests, about once per chunk: a chunk
 * takes as many events as the last one's compression suggests fit, and gives the excess back when it does not.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { backoffMs } from './bundle-client';
import { serviceHeaders, serviceUrl, type DecisionLogConfig } from './config';

export interface UploaderMetrics {
  counter_decision_logs_dropped_buffer_size_limit_exceeded: number;
  counter_decision_logs_dropped_rate_limit_exceeded: number;
  counter_decision_logs_uploaded: number;
  counter_decision_logs_upload_failures: number;
  buffered_events: number;
}

export interface UploadOutcome {
  error?: Error;
  httpCode?: number;
}

const MIN_RETRY_DELAY_MS = 100;
const STOP_ATTEMPTS = 3;
/** A chunk aims below the limit by this much: fewer events compress a little worse. */
const CHUNK_MARGIN = 0.9;
/**
 * A chunk tried holds at most this many times the limit in uncompressed bytes (decision logs compress 5 to 15
 * times): a backlog is not compressed whole to find its first chunk.
 */
const MAX_COMPRESSION = 32;

const gzipped = promisify(gzip);

export class DecisionUploader {
  private buffer: string[] = [];
  private bufferBytes = 0;
  private timer?: NodeJS.Timeout;
  private uploading?: Promise<void>;
  private retries = 0;
  private stopped = false;
  private tokens: number;
  private lastRefill = Date.now();
  /** How many events the next chunk takes: what fitted the limit last time, scaled by its compression. */
  private eventsPerChunk = Infinity;
  readonly metrics: UploaderMetrics = {
    counter_decision_logs_dropped_buffer_size_limit_exceeded: 0,
    counter_decision_logs_dropped_rate_limit_exceeded: 0,
    counter_decision_logs_uploaded: 0,
    counter_decision_logs_upload_failures: 0,
    buffered_events: 0,
  };

  constructor(
    private readonly config: DecisionLogConfig,
    private readonly onOutcome: (outcome: UploadOutcome) => void = () => undefined,
    /** Events were dropped (buffer full, rate limit): the status should say so. */
    private readonly onDrop: () => void = () => undefined,
  ) {
    this.tokens = config.reporting.maxDecisionsPerSecond ?? 0;
  }

  start(): void {
    this.schedule();
  }

  /** Buffers one event; never blocks. */
  enqueue(event: object): void {
    if (this.admitted()) this.add(JSON.stringify(event));
  }

  /** Buffers one event given as its JSON text; never blocks. */
  enqueueText(text: string): void {
    if (this.admitted()) this.add(text);
  }

  /** Whether one more event is taken: not when stopped, nor over `max_decisions_per_second` (then counted). */
  private admitted(): boolean {
    if (this.stopped) return false;
    const rate = this.config.reporting.maxDecisionsPerSecond;
    if (rate !== undefined) {
      const now = Date.now();
      this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
      this.lastRefill = now;
      if (this.tokens < 1) {
        this.metrics.counter_decision_logs_dropped_rate_limit_exceeded++;
        this.onDrop();
        return false;
      }
      this.tokens--;
    }
    return true;
  }

  /** Adds an event's text, dropping the oldest while over the limits. */
  private add(text: string): void {
    this.buffer.push(text);
    this.bufferBytes += Buffer.byteLength(text);
    this.trim();
  }

  /** Drops the oldest events while the buffer is over its limit. */
  private trim(): void {
    const { bufferSizeLimitBytes, bufferSizeLimitEvents } = this.config.reporting;
    while (
      this.buffer.length > 0 &&
      ((bufferSizeLimitEvents !== undefined && this.buffer.length > bufferSizeLimitEvents) ||
        (bufferSizeLimitBytes !== undefined && this.bufferBytes > bufferSizeLimitBytes))
    ) {
      this.bufferBytes -= Buffer.byteLength(this.buffer.shift()!);
      this.metrics.counter_decision_logs_dropped_buffer_size_limit_exceeded++;
      this.onDrop();
    }
    this.metrics.buffered_events = this.buffer.length;
  }

  private schedule(delayMs?: number): void {
    if (this.stopped) return;
    const { minDelaySeconds, maxDelaySeconds } = this.config.reporting;
    const ms = delayMs ?? (minDelaySeconds + Math.random() * (maxDelaySeconds - minDelaySeconds)) * 1000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then((ok) => this.schedule(ok ? undefined : backoffMs(MIN_RETRY_DELAY_MS, maxDelaySeconds * 1000, this.retries++)));
    }, ms);
    this.timer.unref();
  }

  /** Uploads everything buffered now, chunk by chunk; resolves true when the buffer was emptied. */
  flush(): Promise<boolean> {
    if (this.uploading) return this.uploading.then(() => this.flush());
    const work = this.uploadAll();
    this.uploading = work.then(() => undefined);
    return work.finally(() => {
      this.uploading = undefined;
    });
  }

  private async uploadAll(): Promise<boolean> {
    while (this.buffer.length > 0) {
      const chunk = await this.takeChunk();
      const ok = await this.post(chunk.body);
      if (!ok) {
        this.giveBack(chunk.events);
        return false;
      }
      this.retries = 0;
      this.metrics.counter_decision_logs_uploaded += chunk.events.length;
    }
    return true;
  }

  /**
   * The oldest events whose gzipped JSON array fits upload_size_limit_bytes (at least one event: a single larger
   * event is sent alone). The events are out of the buffer while they are compressed (the buffer's limits and new
   * events go on meanwhile); those that do not fit go back to its head.
   */
  private async takeChunk(): Promise<{ events: string[]; body: Buffer }> {
    const limit = this.config.reporting.uploadSizeLimitBytes;
    const events = this.take(this.eventsPerChunk, limit * MAX_COMPRESSION);
    for (;;) {
      const body = await gzipped(`[${events.join(',')}]`);
      const fitting = Math.floor(((events.length * limit) / body.length) * CHUNK_MARGIN);
      if (body.length <= limit || events.length === 1) {
        this.eventsPerChunk = Math.max(1, fitting);
        return { events, body };
      }
      this.giveBack(events.splice(Math.max(1, Math.min(events.length - 1, fitting))));
    }
  }

  /** Takes the oldest events out of the buffer: at least one, at most `count` and (after the first) `maxBytes`. */
  private take(count: number, maxBytes: number): string[] {
    let taken = 0;
    let bytes = 0;
    while (taken < this.buffer.length && taken < count) {
      const size = Buffer.byteLength(this.buffer[taken]);
      if (taken > 0 && bytes + size > maxBytes) break;
      bytes += size;
      taken++;
    }
    const events = this.buffer.splice(0, taken);
    this.bufferBytes -= bytes;
    this.metrics.buffered_events = this.buffer.length;
    return events;
  }

  /** Puts events taken back at the head of the buffer, within its limits (the oldest go first). */
  private giveBack(events: string[]): void {
    if (events.length === 0) return;
    for (const event of events) this.bufferBytes += Buffer.byteLength(event);
    this.buffer = events.concat(this.buffer);
    this.trim();
  }

  private async post(body: Buffer): Promise<boolean> {
    const { service, resource } = this.config;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), service.responseHeaderTimeoutSeconds * 1000);
    timeout.unref();
    try {
      const response = await fetch(serviceUrl(service, resource), {
        method: 'POST',
        headers: { ...serviceHeaders(service), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        body,
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status >= 300) {
        this.metrics.counter_decision_logs_upload_failures++;
        this.onOutcome({ httpCode: response.status, error: new Error(`log upload failed, server replied with HTTP ${response.status}`) });
        return false;
      }
      this.onOutcome({ httpCode: response.status });
      return true;
    } catch (error) {
      this.metrics.counter_decision_logs_upload_failures++;
      this.onOutcome({ error: new Error(`log upload failed: ${(error as Error).message}`) });
      return false;
    } finally {
      clearTimeout(timeout);
    }
  }

  /**
   * Stops the timer and uploads what is buffered, with a few quick retries: the first attempt may meet a pooled
   * keep-alive connection the collector closed meanwhile.
   */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopped = true;
    for (let attempt = 0; attempt < STOP_ATTEMPTS; attempt++) {
      if (await this.flush().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(MIN_RETRY_DELAY_MS, 1000, attempt)));
    }
  }
}
