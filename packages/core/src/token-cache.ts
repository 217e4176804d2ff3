/**
 * Verified tokens, remembered by their exact text so that a client repeating its token costs a map lookup instead
 * of a signature check. Bounded (least recently used entries go first), and an entry is only returned while the
 * token itself would still pass the time checks (`exp`, `nbf`, `maxTokenAge`, with the clock tolerance) and while
 * the key that verified it is still published: `forgetKey` drops the entries of a `kid` that left the key set.
 *
 * Entries are found by the token's last characters (its signature's), then the whole text is compared: each request
 * brings a fresh string, and hashing a whole RS256 token (~700 characters) for the map costs more than the rest
 * of the lookup; comparing it to the one remembered is a block compare. Tokens that share their last characters
 * (which a signature makes as unlikely as a forgery) take turns in the entry: one is remembered at a time.
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { isB64Token } from './token';

/** How many of a token's last characters find its entry: 128 bits of a base64url signature. */
const KEY_CHARACTERS = 22;

/** The key of `token`'s entry; a shorter token is its own key. */
const keyOf = (token: string): string => (token.length > KEY_CHARACTERS ? token.slice(-KEY_CHARACTERS) : token);

export interface VerifiedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  /** Label of the trusted issuer that verified it. */
  issuerLabel: string;
  /** The `isRevoked` hook said so: remembered to refuse the token again without asking. */
  revoked?: boolean;
}

interface Entry {
  /** The whole token: an entry answers for this text only. */
  token: string;
  verified: VerifiedToken;
  /** `kid` of the verifying key ('' when the header named none). */
  kid: string;
  /** The token is an RFC 6750 `b64token` (tokens read elsewhere than the Authorization header may not be). */
  b64token: boolean;
  /** Seconds since the epoch: usable while validFrom <= now < validUntil. */
  validFrom: number;
  validUntil: number;
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  /** The most recently inserted or used entry: the entries' last in insertion order, while it is still present. */
  private lastUsed: Entry | undefined;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, nowSeconds: number): VerifiedToken | undefined {
    const key = keyOf(token);
    const entry = this.find(token, key);
    if (!entry) return undefined;
    if (nowSeconds >= entry.validUntil || nowSeconds < entry.validFrom) {
      this.entries.delete(key);
      return undefined;
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used (it is already, when it was the
    // last one used: a client repeating its token costs no re-insertion).
    if (entry !== this.lastUsed) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.lastUsed = entry;
    }
    return entry.verified;
  }

  /** Whether `token` is remembered (usable now or not) and is a `b64token`: see `KnownB64Token`. */
  knownB64Token(token: string): boolean {
    const entry = this.find(token, keyOf(token));
    return entry !== undefined && entry.b64token;
  }

  /** The entry of exactly `token`, whose key is `key`. */
  private find(token: string, key: string): Entry | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  /**
   * Remembers a token that just passed verification. `validUntil` and `validFrom` are the bounds of its time checks
   * (computed by the verifier, which knows the tolerance and maximum age).
   */
  set(token: string, verified: VerifiedToken, validFrom: number, validUntil: number): void {
    if (this.maxEntries <= 0) return;
    const key = keyOf(token);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    const kid = typeof verified.header.kid === 'string' ? verified.header.kid : '';
    const entry: Entry = { token, verified, kid, b64token: isB64Token(token), validFrom, validUntil };
    this.entries.set(key, entry);
    this.lastUsed = entry;
  }

  /** Drops every token of `issuerLabel` verified with a key named `kid`. */
  forgetKey(issuerLabel: string, kid: string): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.verified.issuerLabel === issuerLabel && entry.kid === kid) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}
