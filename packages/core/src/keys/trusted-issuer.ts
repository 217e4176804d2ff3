/**
 * One trusted issuer at run time: its `iss`, audiences, algorithms and where its keys come from (a remote JWKS,
 * a local JWKS, one public key or a shared secret). `start()` runs discovery for `issuerBaseURL` issuers and warms
 * the JWKS cache.
 */
import { createLocalJWKSet, type FlattenedJWSInput, type JWSHeaderParameters, type KeyLike } from 'jose';
import { DiscoveryError } from '../errors';
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
  readonly algorithms: string[];
  remote?: RemoteJwks;
  private resolver?: KeyResolver;

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
    } else if (keys.jwksUri !== undefined && config.issuerBaseURL === undefined) {
      this.useRemote(keys.jwksUri);
    }
  }

  private useRemote(jwksUri: string): void {
    this.remote = new RemoteJwks(jwksUri, {
      ...this.jwksOptions,
      logger: this.logger,
      onKeysRemoved: (kids) => this.onKeysRemoved(this, kids),
    });
    this.resolver = this.remote.getKey;
  }

  /** Discovery (when configured) and a first JWKS fetch. Rejects only when discovery fails. */
  async start(): Promise<void> {
    const { issuerBaseURL } = this.config;
    if (issuerBaseURL !== undefined && !this.resolver) {
      const explicitJwks = this.config.keys.type === 'remote' ? this.config.keys.jwksUri : undefined;
      if (this.issuer === undefined || explicitJwks === undefined) {
        const metadata = await discoverIssuer(issuerBaseURL, this.jwksOptions.timeoutDuration);
        this.issuer ??= metadata.issuer;
        const jwksUri = explicitJwks ?? metadata.jwks_uri;
        if (jwksUri === undefined) throw new DiscoveryError(`issuer metadata of ${issuerBaseURL} has no "jwks_uri"; set the jwksUri option`);
        this.useRemote(jwksUri);
      } else {
        this.useRemote(explicitJwks);
      }
    }
    if (this.remote) {
      // A warm cache spares the first request a round trip; failing here is not fatal (the next request retries).
      await this.remote.prefetch().catch((error: unknown) => {
        this.logger.warn({ issuer: this.issuer, ...errorFields(error) }, 'opa-jwt: could not fetch the issuer\'s keys at start-up; will retry on demand');
      });
    }
  }

  /** The jose key resolver for this issuer's tokens. */
  getKey: KeyResolver = (header, token) => {
    if (!this.resolver) throw new DiscoveryError(`issuer ${this.label} is not started`);
    return this.resolver(header, token);
  };

  /** False when this issuer's remote keys are past their stale-if-error window: cached verifications must not be trusted. */
  keysUsable(): boolean {
    return this.remote === undefined || this.remote.isUsable();
  }
}
