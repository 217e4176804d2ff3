/**
 * Holds the policy in force and, with `watch: true`, replaces it when its file or folder changes.
 *
 * A change is picked up by an fs watcher on the folder (not the file: editors that save by renaming a new file
 * over the old one would otherwise leave the watcher on a deleted inode), debounced, and reloaded: read, compile
 * (for Rego), instantiate. Only a policy that loaded completely replaces the current one, with one assignment, so
 * every request is evaluated by either the old or the new policy, never a mix. A broken edit keeps the last good
 * policy and logs why. Reloads never overlap; an edit during a reload triggers one more.
 *
 * The watcher starts before the first load and outlives a failed one: a policy that did not compile at start-up
 * is put in force as soon as a good version is saved, without restarting the process. Until then there is no
 * policy (`current` is undefined) and the authorizer answers every request 500.
 */
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { errorFields, type Logger } from '../logger';
import type { PolicySpec } from '../options';
import { PolicyEngine, type EvaluationLimits } from './engine';
import { displayPath, loadArtifact } from './source';

export interface PolicyStoreOptions {
  /** Undefined when another part (the fleet's bundles) puts engines in force through `current`. */
  spec?: PolicySpec;
  entrypoint?: string;
  data?: Record<string, unknown>;
  v0Compatible: boolean;
  watch: boolean;
  logger: Logger;
  /** Time and memory bounds of each evaluation (see engine.ts); unbounded when absent. */
  limits?: EvaluationLimits;
  /** Quiet time after the last file event before reloading, in ms. */
  debounceMs?: number;
}

const DEFAULT_DEBOUNCE_MS = 100;

export class PolicyStore {
  /** The policy in force; undefined until one loaded (at start-up or, with `watch`, when a good version is saved). */
  current?: PolicyEngine;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;
  private pending = false;
  private closed = false;
  /** Completed reload attempts (successful or not), for tests and logs. */
  reloads = 0;

  constructor(private readonly options: PolicyStoreOptions) {}

  /**
   * Loads the policy; rejects with the compile/load error (file:line:col for Rego). With `watch`, watching starts
   * first (an edit saved while the first load runs is not missed) and goes on after a failed load.
   */
  start(): Promise<void> {
    if (this.options.watch && !this.closed) this.startWatching();
    const first = this.loadFirst();
    void this.track(first); // file events during the first load wait for it, then reload once
    return first;
  }

  private async loadFirst(): Promise<void> {
    if (this.options.spec === undefined) return;
    const engine = (await this.load())!;
    this.current = engine;
    this.options.logger.info({ policy: engine.description, entrypoint: engine.defaultEntrypoint }, 'opa-jwt: policy loaded');
  }

  /** Reads, compiles and instantiates; undefined when the sources are byte for byte those of `unchanged`. */
  private async load(unchanged?: PolicyEngine): Promise<PolicyEngine | undefined> {
    const { spec, entrypoint, data, v0Compatible, limits, logger } = this.options;
    if (spec === undefined) return undefined;
    const artifact = await loadArtifact(spec, { entrypoint, v0Compatible });
    if (unchanged && artifact.fingerprint === unchanged.fingerprint) return undefined;
    return PolicyEngine.load(artifact, { entrypoint, data, limits, logger });
  }

  private startWatching(): void {
    const { spec } = this.options;
    if (spec === undefined || spec.kind === 'bytes') return;
    const directory = spec.kind === 'directory' ? spec.path : path.dirname(spec.path);
    const fileName = spec.kind === 'file' ? path.basename(spec.path) : undefined;
    const onEvent = (_event: string, changed: string | Buffer | null): void => {
      // For a single file, other files in its folder are none of our business (a null name: reload to be safe).
      if (fileName !== undefined && changed !== null && changed.toString() !== fileName) return;
      this.schedule();
    };
    try {
      // persistent: false — a policy watcher alone must not keep the process alive.
      this.watcher = watch(directory, { persistent: false, recursive: spec.kind === 'directory' }, onEvent);
    } catch (error) {
      this.options.logger.error(
        { policy: displayPath(directory), ...errorFields(error) },
        'opa-jwt: cannot watch the policy; hot reload is off',
      );
      return;
    }
    this.watcher.on('error', (error) => {
      this.options.logger.error(
        { policy: displayPath(directory), ...errorFields(error) },
        'opa-jwt: the policy watcher failed; hot reload is off',
      );
      this.watcher?.close();
      this.watcher = undefined;
    });
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Reloads now; resolves when done. Never rejects: a failure is logged and the current policy (if any) stays. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.pending = true;
      return this.reloading;
    }
    return this.track(this.reloadOnce());
  }

  /** Makes `work` the load in progress; an edit made meanwhile (`pending`) triggers one more reload after it. */
  private track(work: Promise<void>): Promise<void> {
    const settled: Promise<void> = work
      .catch(() => undefined) // the first load's failure is its caller's (start()); reloads log their own
      .finally(() => {
        if (this.reloading === settled) this.reloading = undefined;
        if (this.pending && !this.closed) {
          this.pending = false;
          void this.reload();
        }
      });
    this.reloading = settled;
    return settled;
  }

  private async reloadOnce(): Promise<void> {
    const previous = this.current;
    try {
      const next = await this.load(previous);
      if (this.closed || next === undefined) return; // closed meanwhile, or touched but not changed
      this.current = next; // the swap: one assignment, between two evaluations
      const fields = { policy: next.description, entrypoint: next.defaultEntrypoint };
      if (previous) {
        this.options.logger.info(fields, 'opa-jwt: policy reloaded');
      } else {
        // Ends the outage reported at `error` when the first load failed; at `warn` so that the default console
        // logger, which shows only warnings and errors, tells whoever saw "every request is denied" that it is over.
        this.options.logger.warn(
          fields,
          'opa-jwt: policy recovered: the policy that failed to load at start-up now loads; requests are decided by it',
        );
      }
    } catch (error) {
      if (previous) {
        this.options.logger.error(
          { policy: previous.description, ...errorFields(error) },
          'opa-jwt: the changed policy could not be loaded; the last good policy stays in force',
        );
      } else {
        this.options.logger.error(
          errorFields(error),
          'opa-jwt: the changed policy still cannot be loaded; no policy is in force and every request is denied (500)',
        );
      }
    } finally {
      this.reloads++;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    await this.reloading;
  }
}
