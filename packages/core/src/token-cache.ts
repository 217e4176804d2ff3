/**
 * Verified tokens, remembered by their exact text so that a client repeating its token costs a map lookup instead
 * of a signature check. Bounded (least recently used entries go first), and an entry is only returned while the
 * token itself would still pass the time checks (`exp`, `nbf`, `maxTokenAge`, with the clock tolerance) and while
 * the key that verified it is still published: `forgetKey` drops the entries of a `kid` that left the key set.
 *
 * Entries are found by a number made from the token's length and last characters (its signature's), then the
 * whole text is compared: each request brings a fresh string, and hashing a whole RS256 token (~700 characters), or
 * a slice of it, costs more than the rest of the lookup. Tokens whose numbers agree take turns in the entry: one is
 * remembered at a time, and the other costs a signature check. The `Authorization` header a token last came in is
 * kept too: a client repeating it is recognised by comparing two whole strings, and handed the remembered token.
 * The answers of the requests that repeat with the token are kept in its entry (repeated-requests.ts), so that they
 * go with it.
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { isB64Token } from './token';
import type { RepeatedRequest } from './repeated-requests';

/** How many of a token's last characters make its entry's key. */
const KEY_CHARACTERS = 8;

/**
 * The key of the entry of a token of `length` characters that ends `text` (the token, or a header holding it): a
 * small integer from its length and last characters, which a map hashes without reading a string (a slice of a
 * request's string would be hashed, and compared, the slow way).
 */
function keyOf(text: string, length: number): number {
  let key = length;
  for (let i = text.length - Math.min(length, KEY_CHARACTERS); i < text.length; i++) key = (Math.imul(key, 31) + text.charCodeAt(i)) | 0;
  return key & 0x3fffffff;
}

/** `Bearer <token>`: the form nearly every client sends. */
const BEARER_PREFIX = 'Bearer ';

/** The key of the entry of the token an `Authorization` value would carry as `Bearer <token>`; undefined if too short. */
function bearerHeaderKey(authorization: string): number | undefined {
  const length = authorization.length - BEARER_PREFIX.length;
  return length <= 0 ? undefined : keyOf(authorization, length);
}

export interface VerifiedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
  /** Label of the trusted issuer that verified it. */
  issuerLabel: string;
  /** The `isRevoked` hook said so: remembered to refuse the token again without asking. */
  revoked?: boolean;
}

/** A remembered token, as `entryByBearerHeader` finds it. */
export interface TokenEntry {
  /** The whole token: an entry answers for this text only. */
  readonly token: string;
  readonly verified: VerifiedToken;
  /** The answers of the requests that repeat with this token (repeated-requests.ts): forgotten with the token. */
  readonly repeated: RepeatedRequest[];
}

interface Entry extends TokenEntry {
  /** `kid` of the verifying key ('' when the header named none). */
  kid: string;
  /** The token is an RFC 6750 `b64token` (tokens read elsewhere than the Authorization header may not be). */
  b64token: boolean;
  /** The last `Authorization` value seen to be exactly `Bearer <token>` ('' until one is). */
  bearerHeader: string;
  /** Seconds since the epoch: usable while validFrom <= now < validUntil. */
  validFrom: number;
  validUntil: number;
}

export class VerifiedTokenCache {
  private readonly entries = new Map<number, Entry>();
  /** The most recently inserted or used entry: the entries' last in insertion order, while it is still present. */
  private lastUsed: Entry | undefined;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, nowSeconds: number): VerifiedToken | undefined {
    const key = keyOf(token, token.length);
    const entry = this.find(token, key);
    return entry === undefined ? undefined : this.usable(entry, key, nowSeconds)?.verified;
  }

  /**
   * The entry of the token that `authorization` carries, when it is the very `Authorization` value last seen to be
   * exactly `Bearer <token>` (see `bearerToken`), and the token is usable now (as `get`).
   */
  entryByBearerHeader(authorization: string, nowSeconds: number): TokenEntry | undefined {
    const key = bearerHeaderKey(authorization);
    if (key === undefined) return undefined;
    const entry = this.entries.get(key);
    if (entry === undefined || authorization !== entry.bearerHeader) return undefined;
    return this.usable(entry, key, nowSeconds);
  }

  /** The entry of exactly `token` (usable now or not). */
  entryOf(token: string): TokenEntry | undefined {
    return this.find(token, keyOf(token, token.length));
  }

  /** `entry` (found by `key`) if its time checks pass at `nowSeconds`, marked most recently used; else it is dropped. */
  private usable(entry: Entry, key: number, nowSeconds: number): Entry | undefined {
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
    return entry;
  }

  /**
   * The remembered token (usable now or not) that `authorization` carries as exactly `Bearer <token>`, when it is a
   * `b64token`: see `KnownBearerToken`. The string returned is the remembered one, so that finding its entry again
   * compares it by identity.
   */
  bearerToken(authorization: string): string | undefined {
    const key = bearerHeaderKey(authorization);
    if (key === undefined) return undefined;
    const entry = this.entries.get(key);
    if (entry === undefined || !entry.b64token) return undefined;
    if (authorization === entry.bearerHeader) return entry.token;
    const { token } = entry;
    if (
      authorization.length !== BEARER_PREFIX.length + token.length ||
      !authorization.startsWith(BEARER_PREFIX) ||
      !authorization.endsWith(token)
    )
      return undefined;
    entry.bearerHeader = authorization;
    return token;
  }

  /** The entry of exactly `token`, whose key is `key`. */
  private find(token: string, key: number): Entry | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  /**
   * Remembers a token that just passed verification. `validUntil` and `validFrom` are the bounds of its time checks
   * (computed by the verifier, which knows the tolerance and maximum age).
   */
  set(token: string, verified: VerifiedToken, validFrom: number, validUntil: number): void {
    if (this.maxEntries <= 0) return;
    const key = keyOf(token, token.length);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as number;
      this.entries.delete(oldest);
    }
    const kid = typeof verified.header.kid === 'string' ? verified.header.kid : '';
    const entry: Entry = { token, verified, repeated: [], kid, b64token: isB64Token(token), bearerHeader: '', validFrom, validUntil };
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
