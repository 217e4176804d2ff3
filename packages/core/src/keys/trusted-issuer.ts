/**
 * One trusted issuer at run time: its `iss`, audiences, algorithms and where its keys come from (a remote JWKS,
 * a local JWKS, one public key or a shared secret). `start()` runs discovery for `issuerBaseURL` issuers and warms
 * the JWKS cache.
 *
 * An issuer that is down at start-up needs no restart. A failed JWKS fetch is a warning: keys are fetched on demand
 * (see RemoteJwks). A failed discovery rejects `start()` (and so `ready()`: without it we know neither the `iss` nor
 * where the keys are), but is retried on demand, at most once per `cooldownDuration`, like a JWKS fetch; meanwhile
 * this issuer's tokens are answered 503 with `Retry-After` (fail closed).
 */
import { createLocalJWKSet, type FlattenedJWSInput, type JWSHeaderParameters, type KeyLike } from 'jose';
import { DiscoveryError, KeysUnavailableError } from '../errors';
import { errorFields, type Logger } from '../logger';
import type { ResolvedIssuer, ResolvedOptions } from '../options';
import { discoverIssuer } from './discovery';
import { RemoteJwks } from './remote-jwks';

export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<KeyLike | Uint8Array>;

export class TrustedIssuer {
  /** The exact `iss` tokens must carry; known after `start()` for discovered issuers. */
  issuer?: string;
  readonly label: string;
  readonly audience: string[];
  readonly audienceClaim: 'aud' | 'client_id';
  readonly algorithms: string[];
  remote?: RemoteJwks;
  private resolver?: KeyResolver;
  /** Discovery in flight, shared by every request that waits for it. */
  private discovering?: Promise<void>;
  private lastDiscoveryAt = Number.NEGATIVE_INFINITY;
  private discoveryError?: Error;
  private closed = false;

  constructor(
    private readonly config: ResolvedIssuer,
    private readonly jwksOptions: ResolvedOptions['jwks'],
    private readonly logger: Logger,
    /** Told which `kid`s left this issuer's key set, so verified tokens signed with them are forgotten. */
    private readonly onKeysRemoved: (issuer: TrustedIssuer, kids: string[]) => void,
  ) {
    this.label = config.label;
    this.issuer = config.issuer;
    this.audience = config.audience;
    this.audienceClaim = config.audienceClaim;
    this.algorithms = config.algorithms;
    const keys = config.keys;
    if (keys.type === 'jwks') {
      const local = createLocalJWKSet(keys.jwks);
      this.resolver = local;
    } else if (keys.type === 'public-key') {
      const key = keys.key;
      this.resolver = async () => key;
    } else if (keys.type === 'secret') {
      const key = keys.key;
      this.resolver = async () => key;
    } else if (keys.jwksUri !== undefined && (config.issuerBaseURL === undefined || config.issuer !== undefined)) {
      this.useRemote(keys.jwksUri); // issuer and JWKS both given: nothing to discover
    }
  }

  private useRemote(jwksUri: string): void {
    this.remote = new RemoteJwks(jwksUri, {
      ...this.jwksOptions,
      logger: this.logger,
      onKeysRemoved: (kids) => this.onKeysRemoved(this, kids),
    });
    if (this.closed) this.remote.close(); // discovered after close(): fetch on demand only, no timer
    this.resolver = this.remote.getKey;
  }

  /** Stops the background key refresh (the authorizer's close()). */
  close(): void {
    this.closed = true;
    this.remote?.close();
  }

  /** False while an `issuerBaseURL` issuer has not been discovered yet: its `iss` and keys are unknown. */
  get discovered(): boolean {
    return this.resolver !== undefined;
  }

  /**
   * Whether a token naming `iss` may be this issuer's. Before discovery only the base URL is known, and discovery
   * accepts only metadata whose `issuer` is that URL (trailing slashes aside); a base URL that names the metadata
   * document itself says nothing, so any `iss` may be this issuer's.
   */
  mayIssue(iss: string): boolean {
    if (this.issuer !== undefined) return this.issuer === iss;
    const base = this.config.issuerBaseURL;
    return base === undefined || base.includes('/.well-known/') || withoutTrailingSlash(base) === withoutTrailingSlash(iss);
  }

  /**
   * Log fields naming this issuer: its URL (the `iss` once known, else the base URL discovery starts from) and the
   * option that configured it (`issuer`, `issuers[1]`), never the option's name alone.
   */
  private where(): Record<string, unknown> {
    return { issuer: this.issuer ?? this.config.issuerBaseURL, issuerBaseURL: this.config.issuerBaseURL, option: this.label };
  }

  /** Discovery (when configured) and a first JWKS fetch. Rejects only when discovery fails (logged here, at error). */
  async start(): Promise<void> {
    try {
      await this.discover();
    } catch (error) {
      this.logger.error(
        { ...this.where(), ...errorFields(error) },
        `opa-jwt: issuer discovery failed at start-up for ${this.config.issuerBaseURL}; this issuer's tokens are answered 503 until it succeeds (retried on demand, at most every ${this.jwksOptions.cooldownDuration} ms)`,
      );
      throw error;
    }
    if (this.remote) {
      // A warm cache spares the first request a round trip; failing here is not fatal (the next request retries).
      await this.remote.prefetch().catch((error: unknown) => {
        this.logger.warn(
          { issuer: this.issuer, ...errorFields(error) },
          "opa-jwt: could not fetch the issuer's keys at start-up; will retry on demand",
        );
      });
    }
  }

  /**
   * Resolves once the issuer is discovered. A discovery that failed is tried again here, at most once per
   * `cooldownDuration` (concurrent callers share one attempt), so an issuer that was down at start-up is picked up
   * when it comes back; until then this throws KeysUnavailableError (503, `Retry-After`).
   */
  async ensureDiscovered(): Promise<void> {
    if (this.resolver) return;
    if (this.discovering) {
      await this.discovering.catch(() => undefined);
    } else if (Date.now() - this.lastDiscoveryAt >= this.jwksOptions.cooldownDuration) {
      const failedBefore = this.discoveryError !== undefined;
      await this.discover().then(
        () => {
          // At `warn`: the default console logger shows only warnings and errors, and reported the outage.
          if (failedBefore)
            this.logger.warn(
              this.where(),
              `opa-jwt: issuer discovery recovered for ${this.config.issuerBaseURL}; this issuer's tokens are verified again`,
            );
        },
        (error: unknown) =>
          this.logger.error(
            { ...this.where(), ...errorFields(error) },
            `opa-jwt: issuer discovery failed for ${this.config.issuerBaseURL}; this issuer's tokens are answered 503 until it succeeds`,
          ),
      );
    }
    if (this.resolver) return;
    const retryInMs = Math.max(0, this.lastDiscoveryAt + this.jwksOptions.cooldownDuration - Date.now());
    throw new KeysUnavailableError("the issuer's metadata could not be discovered; try again later", retryInMs / 1000, {
      cause: this.discoveryError,
    });
  }

  /** One discovery attempt (shared while it runs); sets `issuer` and the remote key set only when it succeeds. */
  private discover(): Promise<void> {
    const { issuerBaseURL } = this.config;
    if (this.resolver || issuerBaseURL === undefined) return Promise.resolve();
    if (this.discovering) return this.discovering;
    this.lastDiscoveryAt = Date.now();
    const attempt = this.discoverOnce(issuerBaseURL).then(
      () => {
        this.discoveryError = undefined;
      },
      (error: unknown) => {
        this.discoveryError = error as Error;
        throw error;
      },
    );
    this.discovering = attempt.finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async discoverOnce(issuerBaseURL: string): Promise<void> {
    const metadata = await discoverIssuer(issuerBaseURL, this.jwksOptions.timeoutDuration);
    const explicitJwks = this.config.keys.type === 'remote' ? this.config.keys.jwksUri : undefined;
    const jwksUri = explicitJwks ?? metadata.jwks_uri;
    if (jwksUri === undefined) throw new DiscoveryError(`issuer metadata of ${issuerBaseURL} has no "jwks_uri"; set the jwksUri option`);
    this.issuer ??= metadata.issuer;
    this.useRemote(jwksUri);
  }

  /** The jose key resolver for this issuer's tokens. */
  getKey: KeyResolver = (header, token) => {
    // The verifier calls ensureDiscovered() first; reaching this would be a bug, and it still fails closed.
    if (!this.resolver)
      throw new KeysUnavailableError(
        `issuer ${this.config.issuerBaseURL ?? this.label} is not discovered yet`,
        this.jwksOptions.cooldownDuration / 1000,
      );
    return this.resolver(header, token);
  };

  /**
   * False when this issuer's remote keys are past their stale-if-error window: cached verifications must not be
   * trusted. `nowMs`: the caller's reading of the clock.
   */
  keysUsable(nowMs: number): boolean {
    return this.remote === undefined || this.remote.isUsable(nowMs);
  }
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
