/**
 * An issuer's JSON Web Key Set fetched over HTTP, with the caching rules a resource server needs:
 *
 * - fetched once and reused for `cacheMaxAge`, then refreshed in the background (an unref'd timer, stopped by
 *   `close()`) and on the next use, whichever comes first. The background refresh is what bounds how long a token
 *   verified with a key the issuer has removed stays usable from the verified-token cache: such tokens are dropped
 *   (`onKeysRemoved`) as soon as a refresh no longer finds their key;
 * - a token with an unknown `kid` triggers a refetch (the issuer may have rotated its keys), but at most one fetch
 *   per `cooldownDuration`, whatever the reason: a flood of random `kid`s cannot flood the issuer;
 * - concurrent requests share one fetch in flight;
 * - when the issuer cannot be reached, the cached keys keep working for `staleIfErrorDuration` past `cacheMaxAge`
 *   (stale-if-error), and the background refresh is retried every `cooldownDuration`; after that window, and when
 *   no keys were ever fetched, verification fails closed with 503.
 *
 * Key selection and import are jose's (`createLocalJWKSet` over the current document), so the rules for `kid`,
 * `alg`, `use` and curves are the library's.
 */
import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  type FlattenedJWSInput,
  type KeyLike,
} from 'jose';
import { KeysUnavailableError } from '../errors';
import { errorFields, type Logger } from '../logger';
import { fetchJson } from './fetch-json';

export interface RemoteJwksOptions {
  cacheMaxAge: number;
  cooldownDuration: number;
  timeoutDuration: number;
  staleIfErrorDuration: number;
  logger: Logger;
  /** Called after a refresh with the `kid`s that left the set or now name another key ('' stands for keys without a kid). */
  onKeysRemoved?: (kids: string[]) => void;
  /** Milliseconds clock, replaceable in tests. */
  now?: () => number;
}

/** Floor of the background refresh interval, so that a cacheMaxAge of 0 cannot turn it into a busy loop. */
const MIN_BACKGROUND_INTERVAL_MS = 1000;
/** setTimeout's largest delay; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface KeySetDocument {
  resolver: ReturnType<typeof createLocalJWKSet>;
  /** Each key's identity (see keyIdentity) → its kid. */
  keys: Map<string, string>;
  fetchedAt: number;
}

/** A key's kid and public material: a kid that comes back with another key counts as removed, like a kid that left. */
function keyIdentity(key: JWK, kid: string): string {
  return `${kid}\u0000${JSON.stringify([key.kty, key.crv, key.n, key.e, key.x, key.y, key.k])}`;
}

export class RemoteJwks {
  private document?: KeySetDocument;
  private inflight?: Promise<KeySetDocument>;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastError?: Error;
  private readonly now: () => number;
  private timer?: ReturnType<typeof setTimeout>;
  private closed = false;
  /** How many times the endpoint was asked (for tests and metrics). */
  fetches = 0;

  constructor(
    readonly uri: string,
    private readonly options: RemoteJwksOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A jose key resolver: `jwtVerify(token, jwks.getKey)`. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike> => {
    const document = await this.usableDocument();
    try {
      return await document.resolver(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // The issuer may have rotated its keys since we fetched them: look again, unless we did so very recently.
      const refreshed = await this.refreshForUnknownKid();
      if (!refreshed) throw error;
      return refreshed.resolver(header, token);
    }
  };

  /**
   * True while the cached keys may still be used (fresh, or stale within the stale-if-error window). `now`: the
   * caller's reading of the clock, when it has one (a remembered token's check reads it once for both).
   */
  isUsable(now: number = this.now()): boolean {
    return this.document !== undefined && now - this.document.fetchedAt < this.options.cacheMaxAge + this.options.staleIfErrorDuration;
  }

  /** Fetches now (start-up warm-up). Rejects when the issuer cannot be reached. */
  async prefetch(): Promise<void> {
    await this.refresh();
  }

  /** Stops the background refresh; a fetch on demand still works, but schedules nothing. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The next background refresh: `cacheMaxAge` after a successful fetch, `cooldownDuration` after a failed one
   * while there are cached keys to re-check (with none, tokens fail with 503 and retry on demand), never sooner
   * than the cooldown allows.
   */
  private scheduleRefresh(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const { cacheMaxAge, cooldownDuration } = this.options;
    const failed = this.lastError !== undefined;
    if (failed && !this.document) return;
    const interval = failed ? cooldownDuration : Math.max(cacheMaxAge, cooldownDuration);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.refresh().catch(() => undefined); // logged in load()
      },
      Math.min(Math.max(interval, MIN_BACKGROUND_INTERVAL_MS), MAX_TIMER_MS),
    );
    this.timer.unref?.(); // never what keeps the process alive
  }

  private canAttempt(now: number): boolean {
    return now - this.lastAttemptAt >= this.options.cooldownDuration;
  }

  private async usableDocument(): Promise<KeySetDocument> {
    const now = this.now();
    const current = this.document;
    if (current && now - current.fetchedAt < this.options.cacheMaxAge) return current;

    if (this.inflight) {
      await this.inflight.catch(() => undefined);
    } else if (this.canAttempt(now)) {
      await this.refresh().catch(() => undefined); // logged in refresh()
    }
    const latest = this.document;
    if (latest && this.now() - latest.fetchedAt < this.options.cacheMaxAge) return latest;
    if (latest && this.isUsable()) return latest; // stale-if-error
    const retryInMs = Math.max(0, this.lastAttemptAt + this.options.cooldownDuration - this.now());
    const reason = latest ? 'the cached keys expired and the issuer cannot be reached' : "the issuer's keys could not be fetched";
    throw new KeysUnavailableError(`${reason}; try again later`, retryInMs / 1000, { cause: this.lastError });
  }

  private async refreshForUnknownKid(): Promise<KeySetDocument | undefined> {
    if (this.inflight) return this.inflight.catch(() => undefined);
    if (!this.canAttempt(this.now())) return undefined;
    return this.refresh().catch(() => undefined);
  }

  /** One fetch, shared by everyone who asks while it runs. */
  private refresh(): Promise<KeySetDocument> {
    if (this.inflight) return this.inflight;
    this.lastAttemptAt = this.now();
    this.fetches++;
    const attempt = this.load().finally(() => {
      this.inflight = undefined;
      this.scheduleRefresh();
    });
    this.inflight = attempt;
    return attempt;
  }

  private async load(): Promise<KeySetDocument> {
    try {
      const body = await fetchJson(this.uri, this.options.timeoutDuration);
      const jwks = body as JSONWebKeySet;
      const resolver = createLocalJWKSet(jwks); // throws JWKSInvalid for a malformed set
      if (jwks.keys.length === 0) throw new Error('the key set holds no keys');
      const keys = new Map<string, string>();
      for (const key of jwks.keys) {
        const kid = typeof key.kid === 'string' ? key.kid : '';
        keys.set(keyIdentity(key, kid), kid);
      }
      const previous = this.document;
      const document: KeySetDocument = { resolver, keys, fetchedAt: this.now() };
      this.document = document;
      this.lastError = undefined;
      if (previous) {
        const removed = [...new Set([...previous.keys].filter(([identity]) => !keys.has(identity)).map(([, kid]) => kid))];
        if (removed.length > 0) {
          this.options.logger.info({ jwksUri: this.uri, removedKids: removed }, "opa-jwt: keys left the issuer's key set");
          this.options.onKeysRemoved?.(removed);
        }
      }
      this.options.logger.debug({ jwksUri: this.uri, keys: keys.size }, "opa-jwt: fetched the issuer's key set");
      return document;
    } catch (error) {
      this.lastError = error as Error;
      const stale = this.document;
      const fields = { jwksUri: this.uri, ...errorFields(error) };
      if (stale && this.isUsable()) {
        const ageSeconds = Math.round((this.now() - stale.fetchedAt) / 1000);
        this.options.logger.warn(
          { ...fields, cachedKeysAgeSeconds: ageSeconds },
          'opa-jwt: JWKS refresh failed; using the cached keys (stale-if-error)',
        );
      } else {
        this.options.logger.error(fields, 'opa-jwt: JWKS fetch failed; tokens from this issuer cannot be verified');
      }
      throw error;
    }
  }
}
