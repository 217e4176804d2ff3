/**
 * Bearer token verification with jose. Cheap structural checks run first (size, shape, `alg`), then the token is
 * routed to the trusted issuer its `iss` names and verified with `jwtVerify` against that issuer's keys, issuer,
 * audiences and algorithms. Results are cached by exact token (see token-cache.ts).
 *
 * Every refusal is an `InvalidTokenError` whose `reason` is logged (never the token) and whose description is sent
 * to the client; an issuer whose keys cannot be fetched gives a `KeysUnavailableError` (503, fail closed).
 */
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import { InvalidTokenError, KeysUnavailableError, PolicyEvaluationError, type CheckedClaim } from './errors';
import { errorFields, type Logger } from './logger';
import type { ResolvedOptions, RevocationCheck } from './options';
import { TrustedIssuer } from './keys/trusted-issuer';
import { VerifiedTokenCache, type TokenEntry, type VerifiedToken } from './token-cache';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth';

export type { VerifiedToken } from './token-cache';

/** Three base64url segments; the signature may not be empty (that is `alg: none`). */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** RFC 9068 §2.2: the claims an access token in the JWT profile must carry. */
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

export class TokenVerifier {
  readonly issuers: TrustedIssuer[];
  readonly cache: VerifiedTokenCache;
  private readonly allAlgorithms: Set<string>;
  /** jose's options per issuer, built once (after discovery, which may be what tells us the `iss`). */
  private readonly verifyOptionsCache = new Map<TrustedIssuer, JWTVerifyOptions>();

  constructor(
    private readonly options: Pick<
      ResolvedOptions,
      'issuers' | 'jwks' | 'clockTolerance' | 'maxTokenAge' | 'strict' | 'maxTokenSize' | 'tokenCacheSize' | 'isRevoked'
    >,
    private readonly logger: Logger,
  ) {
    this.cache = new VerifiedTokenCache(options.tokenCacheSize);
    this.issuers = options.issuers.map(
      (config) => new TrustedIssuer(config, options.jwks, logger, (issuer, kids) => this.keysRemoved(issuer, kids)),
    );
    this.allAlgorithms = new Set(this.issuers.flatMap((issuer) => issuer.algorithms));
  }

  /**
   * Discovery and key warm-up for every issuer; rejects with the first discovery failure (each is logged by its
   * issuer). Not fatal: an undiscovered issuer is retried when its tokens arrive (see `TrustedIssuer`).
   */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.issuers.map((issuer) => issuer.start()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** Stops every issuer's background key refresh. */
  close(): void {
    for (const issuer of this.issuers) issuer.close();
  }

  private keysRemoved(issuer: TrustedIssuer, kids: string[]): void {
    let dropped = 0;
    // Tokens without a kid may have been verified with any of the keys: forget them too.
    for (const kid of new Set([...kids, ''])) dropped += this.cache.forgetKey(issuer.label, kid);
    if (dropped > 0)
      this.logger.info(
        { issuer: issuer.issuer, kids, droppedTokens: dropped },
        'opa-jwt: forgot cached tokens signed with keys that left the key set',
      );
  }

  /**
   * The token's verification result when it is remembered and still usable (its time checks pass and its issuer's
   * keys are usable), synchronously: a repeated token costs a map lookup, not a promise. Only tokens that passed
   * every check of `verify` (size included) are remembered.
   */
  cached(token: string): VerifiedToken | undefined {
    const remembered = this.remembered(token);
    // A revoked token takes the slow path, which refuses (and logs) it.
    return remembered?.revoked ? undefined : remembered;
  }

  /**
   * The cache entry of the token an `Authorization` value carries, found as `cached` finds a token: only the value
   * last seen to be exactly `Bearer <token>` (token-cache.ts `entryByBearerHeader`), when the token is not revoked.
   */
  cachedByBearerHeader(authorization: string): TokenEntry | undefined {
    const nowMs = Date.now();
    const entry = this.cache.entryByBearerHeader(authorization, Math.floor(nowMs / 1000));
    return entry !== undefined && !entry.verified.revoked && this.keysUsable(entry.verified, nowMs) ? entry : undefined;
  }

  /** The cache entry of a token whose time checks pass and whose issuer's keys are still usable, revoked or not. */
  private remembered(token: string): VerifiedToken | undefined {
    // One reading of the clock for the token's time checks and its issuer's keys: it is a call into the runtime.
    const nowMs = Date.now();
    const cached = this.cache.get(token, Math.floor(nowMs / 1000));
    return cached !== undefined && this.keysUsable(cached, nowMs) ? cached : undefined;
  }

  /** The keys of the issuer that verified `verified` are still usable at `nowMs`. */
  private keysUsable(verified: VerifiedToken, nowMs: number): boolean {
    const issuers = this.issuers;
    for (let i = 0; i < issuers.length; i++) {
      if (issuers[i].label === verified.issuerLabel) return issuers[i].keysUsable(nowMs);
    }
    return false;
  }

  /** Verifies a token; resolves with its header and claims, or rejects with InvalidTokenError / KeysUnavailableError. */
  async verify(token: string): Promise<VerifiedToken> {
    if (Buffer.byteLength(token) > this.options.maxTokenSize) {
      throw new InvalidTokenError('oversized', `the token is larger than ${this.options.maxTokenSize} bytes`);
    }
    const cached = this.remembered(token);
    if (cached) {
      if (cached.revoked) throw revokedError();
      return cached;
    }

    if (!JWS_COMPACT.test(token)) {
      const parts = token.split('.').length;
      throw new InvalidTokenError(
        'malformed',
        parts === 5 ? 'encrypted tokens (JWE) are not accepted' : 'the token is not a signed JWT (header.payload.signature)',
      );
    }
    let header: JWTHeaderParameters;
    try {
      header = decodeProtectedHeader(token) as JWTHeaderParameters;
    } catch {
      throw new InvalidTokenError('malformed', 'the token header is not valid base64url JSON');
    }
    if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none' || token.endsWith('.')) {
      throw new InvalidTokenError('alg_none', 'unsigned tokens (alg "none") are not accepted');
    }
    if (!this.allAlgorithms.has(header.alg)) {
      throw new InvalidTokenError('alg_not_allowed', `tokens signed with ${safeAlg(header.alg)} are not accepted`);
    }

    const issuer = await this.issuerFor(token);
    if (!issuer.algorithms.includes(header.alg)) {
      throw new InvalidTokenError('alg_not_allowed', `tokens signed with ${safeAlg(header.alg)} are not accepted from this issuer`);
    }
    let payload: JWTPayload;
    let protectedHeader: JWTHeaderParameters;
    try {
      ({ payload, protectedHeader } = await jwtVerify(token, issuer.getKey, this.verifyOptions(issuer)));
    } catch (error) {
      throw this.refusal(error);
    }
    // Verified but unusable: the policy could not read it (see json-depth.ts). Not cached, like every refusal.
    if (nestedDeeperThan(payload) || nestedDeeperThan(protectedHeader)) {
      throw new InvalidTokenError('nested_too_deep', `the token's claims or header are nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    if (issuer.audienceClaim === 'client_id') checkClientAudience(payload, issuer.audience);
    const verified: VerifiedToken = { header: protectedHeader, payload, issuerLabel: issuer.label };
    const { isRevoked } = this.options;
    // Asked once per token: the answer is remembered with it, for as long as the verified token is.
    if (isRevoked && (await askRevoked(isRevoked, payload, protectedHeader))) verified.revoked = true;
    this.remember(token, verified);
    if (verified.revoked) throw revokedError();
    return verified;
  }

  private verifyOptions(issuer: TrustedIssuer): JWTVerifyOptions {
    const cached = this.verifyOptionsCache.get(issuer);
    if (cached) return cached;
    const options = this.buildVerifyOptions(issuer);
    // An issuer not yet discovered has no `iss` to check: never remember options without one.
    if (issuer.issuer !== undefined) this.verifyOptionsCache.set(issuer, options);
    return options;
  }

  private buildVerifyOptions(issuer: TrustedIssuer): JWTVerifyOptions {
    const { clockTolerance, maxTokenAge, strict } = this.options;
    const required = new Set(['exp', ...(strict ? RFC9068_CLAIMS : [])]);
    if (issuer.audienceClaim === 'client_id') required.add('client_id');
    const options: JWTVerifyOptions = {
      issuer: issuer.issuer,
      // With `audienceClaim: 'client_id'` the audience is checked after verification (checkClientAudience).
      audience: issuer.audienceClaim === 'aud' ? issuer.audience : undefined,
      algorithms: issuer.algorithms,
      clockTolerance,
      requiredClaims: [...required],
    };
    if (maxTokenAge !== undefined) options.maxTokenAge = maxTokenAge;
    if (strict) options.typ = 'at+jwt'; // jose also accepts "application/at+jwt"
    return options;
  }

  /**
   * Routes a token to the issuer its (not yet verified) `iss` names; verification then checks that `iss` again.
   * The issuer must be discovered: an `issuerBaseURL` issuer that could not be discovered is tried again here
   * (throttled by the issuer), and while it cannot be, its tokens are a 503, not a 401 (fail closed, retry later).
   */
  private async issuerFor(token: string): Promise<TrustedIssuer> {
    if (this.issuers.length === 1) {
      const only = this.issuers[0];
      if (!only.discovered) await only.ensureDiscovered();
      return only;
    }
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('malformed', 'the token payload is not valid base64url JSON');
    }
    if (typeof iss !== 'string') throw new InvalidTokenError('issuer', 'the token has no "iss" claim');
    const known = this.issuers.find((candidate) => candidate.discovered && candidate.issuer === iss);
    if (known) return known;
    // Not a discovered issuer's: it may be one that could not be discovered yet (whose `iss` may be unknown).
    const candidates = this.issuers.filter((candidate) => !candidate.discovered && candidate.mayIssue(iss));
    if (candidates.length === 0) throw new InvalidTokenError('issuer', "the token's issuer is not trusted");
    const attempts = await Promise.allSettled(candidates.map((candidate) => candidate.ensureDiscovered()));
    const found = candidates.find((candidate) => candidate.discovered && candidate.issuer === iss);
    if (found) return found;
    const unavailable = attempts.find((attempt): attempt is PromiseRejectedResult => attempt.status === 'rejected');
    if (unavailable) throw unavailable.reason; // KeysUnavailableError: we cannot tell yet whether it is trusted
    throw new InvalidTokenError('issuer', "the token's issuer is not trusted");
  }

  private remember(token: string, verified: VerifiedToken): void {
    const { clockTolerance, maxTokenAge } = this.options;
    const { exp, nbf, iat } = verified.payload;
    let validUntil = typeof exp === 'number' ? exp + clockTolerance : Number.POSITIVE_INFINITY;
    if (maxTokenAge !== undefined && typeof iat === 'number') validUntil = Math.min(validUntil, iat + maxTokenAge + clockTolerance);
    const validFrom = typeof nbf === 'number' ? nbf - clockTolerance : Number.NEGATIVE_INFINITY;
    this.cache.set(token, verified, validFrom, validUntil);
  }

  /** jose's errors as 401s with a reason for the log and a description for the client. */
  private refusal(error: unknown): Error {
    if (error instanceof KeysUnavailableError || error instanceof InvalidTokenError) return error;
    if (error instanceof errors.JWTExpired) {
      // jose reports maxTokenAge as an expiry of the `iat` claim.
      if (error.claim === 'iat')
        return new InvalidTokenError('too_old', 'the token is older than this API accepts (iat)', { cause: error });
      return new InvalidTokenError('expired', 'the token has expired', { cause: error });
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      return claimRefusal(error);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return new InvalidTokenError('signature', 'the token signature is invalid', { cause: error });
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return new InvalidTokenError('unknown_key', 'no key of the issuer matches the token (kid)', { cause: error });
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      return new InvalidTokenError('alg_not_allowed', "the token's algorithm is not accepted", { cause: error });
    if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid || error instanceof errors.JOSENotSupported) {
      return new InvalidTokenError('malformed', `the token is malformed: ${error.message}`, { cause: error });
    }
    if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKInvalid) {
      this.logger.error(errorFields(error), "opa-jwt: the issuer's key set is unusable");
      return new InvalidTokenError('unusable_key', "the issuer's key could not be used", { cause: error });
    }
    // Anything else (a TypeError from a key of the wrong type, say): refuse, and keep the cause for the log.
    return new InvalidTokenError('unverifiable', 'the token could not be verified', { cause: error });
  }
}

/** An attacker-chosen header value, shortened and stripped before it goes into a description. */
function safeAlg(alg: string): string {
  return alg.slice(0, 20).replace(/[^A-Za-z0-9+_.-]/g, '?');
}

const CHECKED_CLAIMS: ReadonlySet<string> = new Set<CheckedClaim>(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id']);

function claimRefusal(error: InstanceType<typeof errors.JWTClaimValidationFailed>): InvalidTokenError {
  const { claim, reason } = error;
  if (!CHECKED_CLAIMS.has(claim) && claim !== 'typ')
    return new InvalidTokenError('unverifiable', 'the token could not be verified', { cause: error });
  const checked = claim as CheckedClaim;
  if (reason === 'missing' && claim !== 'typ')
    return new InvalidTokenError(`missing_${checked}`, `the token has no ${claim} claim`, { cause: error });
  switch (claim) {
    case 'nbf':
      return new InvalidTokenError('not_yet_valid', 'the token is not valid yet (nbf)', { cause: error });
    case 'iat':
      return new InvalidTokenError('claim_iat', "the token's iat claim is invalid", { cause: error });
    case 'iss':
      return new InvalidTokenError('issuer', 'the token was not issued by the expected issuer (iss)', { cause: error });
    case 'aud':
      return new InvalidTokenError('audience', 'the token is not meant for this API (aud)', { cause: error });
    case 'typ':
      return new InvalidTokenError('type', 'the token is not an access token (typ must be at+jwt)', { cause: error });
    default:
      return new InvalidTokenError(`claim_${checked}`, `the token's ${claim} claim is invalid`, { cause: error });
  }
}

function revokedError(): InvalidTokenError {
  return new InvalidTokenError('revoked', 'the token has been revoked');
}

/** The `isRevoked` hook's answer; a hook that fails refuses the request with 500 (fail closed), its error logged. */
async function askRevoked(isRevoked: RevocationCheck, payload: JWTPayload, header: JWTHeaderParameters): Promise<boolean> {
  let answer: unknown;
  try {
    answer = await isRevoked(payload, header);
  } catch (error) {
    throw new PolicyEvaluationError({ cause: error });
  }
  // Anything but `false` counts as revoked: a hook that answers oddly must not let a revoked token through.
  return answer !== false;
}

/**
 * `audienceClaim: 'client_id'` (Amazon Cognito access tokens): `client_id` must name an accepted audience; an `aud`
 * the token carries anyway must too, so that a token meant for another API is never accepted through its client.
 */
function checkClientAudience(payload: JWTPayload, accepted: readonly string[]): void {
  const clientId = payload.client_id;
  if (typeof clientId !== 'string') throw new InvalidTokenError('claim_client_id', "the token's client_id claim is invalid");
  if (!accepted.includes(clientId))
    throw new InvalidTokenError('audience', 'the token was not issued to a client this API accepts (client_id)');
  if (payload.aud !== undefined) {
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.some((aud) => accepted.includes(aud)))
      throw new InvalidTokenError('audience', 'the token is not meant for this API (aud)');
  }
}
