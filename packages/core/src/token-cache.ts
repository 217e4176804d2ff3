/**
 * Verified tokens, remembered by their exact text so that a client repeating its token costs a map lookup instead
 * of a signature check. Bounded (least recently used entries go first), and an entry is only returned while the
 * token itself would still pass the time checks (`exp`, `nbf`, `maxTokenAge`, with the clock tolerance) and while
 * the key that verified it is still published: `forgetKey` drops the entries of a `kid` that left the key set.
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';

export interface VerifiedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  /** Label of the trusted issuer that verified it. */
  issuerLabel: string;
  /** The `isRevoked` hook said so: remembered to refuse the token again without asking. */
  revoked?: boolean;
}

interface Entry {
  verified: VerifiedToken;
  /** `kid` of the verifying key ('' when the header named none). */
  kid: string;
  /** Seconds since the epoch: usable while validFrom <= now < validUntil. */
  validFrom: number;
  validUntil: number;
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  /** The most recently inserted or used token: the entries' last in insertion order, while it is still present. */
  private lastUsed: string | undefined;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, nowSeconds: number): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (nowSeconds >= entry.validUntil || nowSeconds < entry.validFrom) {
      this.entries.delete(token);
      return undefined;
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used (it is already, when it was the
    // last one used: a client repeating its token costs no re-insertion).
    if (token !== this.lastUsed) {
      this.entries.delete(token);
      this.entries.set(token, entry);
      this.lastUsed = token;
    }
    return entry.verified;
  }

  /**
   * Remembers a token that just passed verification. `validUntil` and `validFrom` are the bounds of its time checks
   * (computed by the verifier, which knows the tolerance and maximum age).
   */
  set(token: string, verified: VerifiedToken, validFrom: number, validUntil: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    const kid = typeof verified.header.kid === 'string' ? verified.header.kid : '';
    this.entries.set(token, { verified, kid, validFrom, validUntil });
    this.lastUsed = token;
  }

  /** Drops every token of `issuerLabel` verified with a key named `kid`. */
  forgetKey(issuerLabel: string, kid: string): number {
    let dropped = 0;
    for (const [token, entry] of this.entries) {
      if (entry.verified.issuerLabel === issuerLabel && entry.kid === kid) {
        this.entries.delete(token);
        dropped++;
      }
    }
    return dropped;
  }
}
