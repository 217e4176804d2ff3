/**
 * The fleet mode of an authorizer (`opaConfig`): one BundleClient per configured bundle, the activation of the
 * set of current bundles as one engine, persistence of the last good bundles, the decision log uploader and the
 * status reporter.
 *
 * Flow: a client downloads a new archive → it is opened (and its signature checked) → an engine is built from it
 * plus the other bundles' current contents → only when that succeeded is the engine put in force (one
 * assignment) and the archive persisted. Any failure keeps the last good set and is reported in the status. The
 * policy is ready once every configured bundle has been activated once (from the server or from disk).
 */
import type { LineParts } from '../decision-line';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errorFields, type Logger } from '../logger';
import type { PolicyEngine } from '../policy/engine';
import { buildEngine, type ActivationOptions } from './activation';
import { BundleClient, type DownloadResult } from './bundle-client';
import { openBundle, type BundleContents } from './bundle-contents';
import type { BundleConfig, FleetConfig } from './config';
import { DecisionUploader } from './decision-uploader';
import { StatusReporter, type BundleStatus, type StatusReport } from './status';

export interface FleetHealth {
  /** True when every configured bundle is active. */
  ready: boolean;
  bundles: Record<string, { active_revision?: string; last_successful_activation?: string; error?: string }>;
}

export class Fleet {
  private readonly clients: BundleClient[] = [];
  private readonly current = new Map<string, BundleContents>();
  private readonly bundleStatus = new Map<string, BundleStatus>();
  private activating: Promise<void> = Promise.resolve();
  readonly uploader?: DecisionUploader;
  private readonly status?: StatusReporter;
  private decisionLogStatus: StatusReport['decision_logs'] = {};
  /** `labels` of the configuration plus `id` (this instance) and `version`, as OPA adds them (frozen). */
  readonly labels: Readonly<Record<string, string>>;
  /** `labels` as JSON, put into each event written as text. */
  private readonly labelsText: string;
  /** `revisions` as JSON, once per set of revisions. */
  private revisionsText?: { of: object; text: string };
  private firstResolve!: () => void;
  /** Resolves when every bundle has been activated once. */
  readonly firstActivation = new Promise<void>((resolve) => (this.firstResolve = resolve));
  /** Revisions in force, `{name: {revision}}`, added to each decision log event. */
  revisions: Record<string, { revision: string }> = {};

  constructor(
    private readonly config: FleetConfig,
    private readonly activation: ActivationOptions,
    private readonly logger: Logger,
    private readonly putInForce: (engine: PolicyEngine) => void,
  ) {
    this.labels = Object.freeze({ id: randomUUID(), version: 'opa-jwt', ...config.labels });
    this.labelsText = JSON.stringify(this.labels);
    for (const bundle of config.bundles) this.bundleStatus.set(bundle.name, { name: bundle.name });
    if (config.decisionLogs) {
      this.uploader = new DecisionUploader(
        config.decisionLogs,
        (outcome) => {
          const next = outcome.error
            ? { code: 'decision_log_upload_error', message: outcome.error.message, http_code: outcome.httpCode }
            : { http_code: outcome.httpCode };
          const changed = JSON.stringify(next) !== JSON.stringify(this.decisionLogStatus);
          this.decisionLogStatus = next;
          if (changed) this.status?.changed();
        },
        () => this.status?.changed(),
      );
    }
    if (config.status) this.status = new StatusReporter(config.status, () => this.report());
  }

  get ready(): boolean {
    return this.current.size === this.config.bundles.length;
  }

  async start(): Promise<void> {
    for (const bundle of this.config.bundles) if (bundle.persist) await this.loadPersisted(bundle);
    for (const bundle of this.config.bundles) {
      const client = new BundleClient(bundle, {
        onBundle: (result) => this.receive(bundle, result),
        onAttempt: (outcome) => this.recordAttempt(bundle, outcome),
      });
      this.clients.push(client);
      client.start();
    }
    this.uploader?.start();
    this.status?.start();
  }

  /** Polls every bundle now (skipping the wait), e.g. after publishing a revision. */
  pollNow(): void {
    for (const client of this.clients) client.pollNow();
  }

  private persistedPath(bundle: BundleConfig): string {
    return path.join(this.config.persistenceDirectory, 'bundles', encodeURIComponent(bundle.name), 'bundle.tar.gz');
  }

  private async loadPersisted(bundle: BundleConfig): Promise<void> {
    let archive: Buffer;
    try {
      archive = await fs.readFile(this.persistedPath(bundle));
    } catch {
      return; // none yet
    }
    try {
      await this.activate(bundle, archive);
      this.logger.info(
        { bundle: bundle.name, revision: this.current.get(bundle.name)?.revision },
        'opa-jwt: bundle activated from the persistence directory',
      );
    } catch (error) {
      this.logger.warn(
        { bundle: bundle.name, ...errorFields(error) },
        'opa-jwt: the persisted bundle could not be activated; waiting for the server',
      );
    }
  }

  private receive(bundle: BundleConfig, result: DownloadResult): Promise<void> {
    const status = this.bundleStatus.get(bundle.name)!;
    status.last_successful_download = new Date().toISOString();
    return this.activate(bundle, result.archive).then(
      async () => {
        if (bundle.persist) await this.persist(bundle, result.archive);
      },
      (error: unknown) => {
        const active = this.current.get(bundle.name);
        this.logger.error(
          { bundle: bundle.name, active_revision: active?.revision, ...errorFields(error) },
          active || this.ready
            ? 'opa-jwt: the new bundle could not be activated; the last good one stays in force'
            : 'opa-jwt: the bundle could not be activated; no policy is in force yet (requests get 503)',
        );
        throw error;
      },
    );
  }

  /** Opens, builds and puts in force; serialised so that two bundles arriving together build on each other. */
  private activate(bundle: BundleConfig, archive: Buffer): Promise<void> {
    const work = this.activating.then(async () => {
      const contents = await openBundle(archive, bundle, this.config.keys);
      const next = new Map(this.current);
      next.set(bundle.name, contents);
      if (next.size === this.config.bundles.length) {
        const ordered = this.config.bundles.map((b) => next.get(b.name)!);
        const engine = await buildEngine(ordered, this.activation);
        this.putInForce(engine);
        this.revisions = Object.fromEntries(ordered.map((b) => [b.name, { revision: b.revision }]));
      }
      this.current.set(bundle.name, contents);
      const status = this.bundleStatus.get(bundle.name)!;
      status.active_revision = contents.revision;
      status.last_successful_activation = new Date().toISOString();
      delete status.code;
      delete status.message;
      if (this.ready) {
        this.logger.info({ bundles: this.revisions }, 'opa-jwt: bundles activated');
        this.firstResolve();
      }
      this.status?.changed();
    });
    this.activating = work.catch(() => undefined);
    return work;
  }

  private async persist(bundle: BundleConfig, archive: Buffer): Promise<void> {
    const file = this.persistedPath(bundle);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Written aside then renamed: a crash mid-write never leaves a truncated bundle to start from.
      await fs.writeFile(`${file}.tmp`, archive);
      await fs.rename(`${file}.tmp`, file);
    } catch (error) {
      this.logger.warn({ bundle: bundle.name, ...errorFields(error) }, 'opa-jwt: the bundle could not be persisted');
    }
  }

  private recordAttempt(bundle: BundleConfig, outcome: { error?: Error; httpCode?: number }): void {
    const status = this.bundleStatus.get(bundle.name)!;
    const now = new Date().toISOString();
    const before = JSON.stringify({ code: status.code, message: status.message, revision: status.active_revision });
    status.last_request = now;
    if (outcome.httpCode !== undefined) status.http_code = outcome.httpCode;
    if (outcome.error) {
      status.code = 'bundle_error';
      status.message = outcome.error.message;
      if (!outcome.httpCode || outcome.httpCode !== 200)
        this.logger.warn({ bundle: bundle.name, ...errorFields(outcome.error) }, 'opa-jwt: bundle download failed; retrying with backoff');
    } else {
      status.last_successful_request = now;
      delete status.code;
      delete status.message;
    }
    if (JSON.stringify({ code: status.code, message: status.message, revision: status.active_revision }) !== before) this.status?.changed();
  }

  /** The status document, as posted to the Status API. */
  report(): StatusReport {
    const report: StatusReport = {
      labels: this.labels,
      bundles: Object.fromEntries([...this.bundleStatus].map(([name, status]) => [name, { ...status }])),
    };
    if (this.uploader) {
      report.decision_logs = { ...this.decisionLogStatus };
      report.metrics = { decision_logs: { ...this.uploader.metrics } };
    }
    return report;
  }

  health(): FleetHealth {
    return {
      ready: this.ready,
      bundles: Object.fromEntries(
        [...this.bundleStatus].map(([name, s]) => [
          name,
          { active_revision: s.active_revision, last_successful_activation: s.last_successful_activation, error: s.message },
        ]),
      ),
    };
  }

  /** Adds what OPA adds to each event (labels, bundle revisions) and buffers it for upload; never blocks. */
  logDecision(entry: object): void {
    this.uploader?.enqueue({ ...entry, labels: this.labels, bundles: this.revisions });
  }

  /**
   * The same for a decision written as a line (decision-line.ts): the same text as `logDecision` makes of the
   * line's entry, the fleet's labels in place of the entry's and the revisions last.
   */
  logDecisionLine(parts: LineParts): void {
    if (this.uploader === undefined) return;
    if (this.revisionsText?.of !== this.revisions) this.revisionsText = { of: this.revisions, text: JSON.stringify(this.revisions) };
    this.uploader.enqueueText(`${parts.beforeLabels}${this.labelsText}${parts.afterLabels},"bundles":${this.revisionsText.text}}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.stop()));
    await this.activating;
    await this.uploader?.stop();
    await this.status?.stop();
  }
}
