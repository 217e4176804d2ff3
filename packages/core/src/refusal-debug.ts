/**
 * Debug records of refusals, on when `DEBUG` names opa-jwt (see debug.ts): one `debug` record per refused request
 * saying exactly why. For a 401 the check that failed with what was expected and what the token carried (`iss`,
 * `aud`, `alg`, `typ`, `exp`, `nbf`, ...); for a policy's refusal the decision, its `internal_message`, the decision
 * id and the entrypoint. Never the token itself.
 *
 * The switch is read once, when the authorizer is built; when it is off there is no instance, and the request path
 * pays one `undefined` check per refusal. The details are worked out here, after the refusal, from the token's
 * (unverified) header and claims, so verification itself is unchanged.
 */
import { decodeJwt, decodeProtectedHeader, errors } from 'jose';
import type { CoreRequest, Decision } from './contract';
import { debugEnabled } from './debug';
import { InvalidTokenError } from './errors';
import type { TrustedIssuer } from './keys/trusted-issuer';
import type { LogFn, Logger } from './logger';
import { pathOf } from './protocols';

/** What the explanation needs of the verifier's configuration. */
export interface VerificationSettings {
  clockTolerance: number;
  maxTokenAge?: number;
  strict: boolean;
}

/** A claim value an attacker chose, bounded before it goes into a log record. */
function shown(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.slice(0, 10).map((item) => (typeof item === 'object' && item !== null ? '[object]' : shown(item)));
  return '[object]';
}

function decoded<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

/** The fields that say why a token was refused: the check, and expected against actual values. */
export function explainTokenRefusal(
  error: unknown,
  token: string,
  issuers: readonly TrustedIssuer[],
  settings: VerificationSettings,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, unknown> {
  const reason =
    error instanceof InvalidTokenError
      ? error.reason
      : (((error as { code?: unknown }).code as string | undefined) ?? (error as Error).name);
  const fields: Record<string, unknown> = {
    check: reason,
    description: (error as { description?: string }).description ?? (error as Error).message,
  };
  const cause = (error as Error).cause;
  if (cause instanceof errors.JWTClaimValidationFailed || cause instanceof errors.JWTExpired) {
    fields.claim = cause.claim;
    fields.claim_check = cause.reason; // jose's: "check_failed", "missing", "invalid"
  }
  if (!(error instanceof InvalidTokenError)) return fields;
  const header = decoded(() => decodeProtectedHeader(token));
  const payload = decoded(() => decodeJwt(token));
  const iss = payload?.iss;
  const issuer = issuers.length === 1 ? issuers[0] : issuers.find((candidate) => typeof iss === 'string' && candidate.mayIssue(iss));
  const { clockTolerance } = settings;
  const compare = (claim: string, expected: unknown, actual: unknown): void => {
    Object.assign(fields, { claim, expected, actual: shown(actual) });
  };
  switch (reason) {
    case 'issuer':
      compare('iss', issuer?.issuer ?? issuers.map((candidate) => candidate.issuer ?? candidate.label), iss);
      break;
    case 'audience':
      compare('aud', issuer?.audience, payload?.aud);
      break;
    case 'alg_none':
    case 'alg_not_allowed':
      compare('alg', issuer?.algorithms ?? [...new Set(issuers.flatMap((candidate) => candidate.algorithms))], header?.alg);
      break;
    case 'type':
      compare('typ', 'at+jwt', header?.typ);
      break;
    case 'expired':
      compare('exp', `exp > now - clockTolerance (${nowSeconds - clockTolerance})`, payload?.exp);
      Object.assign(fields, { now: nowSeconds, clock_tolerance: clockTolerance });
      break;
    case 'not_yet_valid':
      compare('nbf', `nbf <= now + clockTolerance (${nowSeconds + clockTolerance})`, payload?.nbf);
      Object.assign(fields, { now: nowSeconds, clock_tolerance: clockTolerance });
      break;
    case 'too_old':
      compare(
        'iat',
        `iat >= now - maxTokenAge - clockTolerance (${nowSeconds - (settings.maxTokenAge ?? 0) - clockTolerance})`,
        payload?.iat,
      );
      Object.assign(fields, { now: nowSeconds, max_token_age: settings.maxTokenAge, clock_tolerance: clockTolerance });
      break;
    case 'signature':
    case 'unknown_key':
      Object.assign(fields, { kid: shown(header?.kid), alg: shown(header?.alg), issuer: issuer?.issuer });
      break;
    default:
      if (reason.startsWith('missing_')) compare(reason.slice('missing_'.length), 'present', 'absent');
  }
  return fields;
}

function requestFields(request: CoreRequest): Record<string, unknown> {
  return { method: request.method, path: pathOf(request.url) };
}

export class RefusalDebug {
  constructor(
    private readonly write: LogFn,
    private readonly issuers: readonly TrustedIssuer[],
    private readonly settings: VerificationSettings,
  ) {}

  /**
   * The instance when `DEBUG` turns opa-jwt on, else undefined. Records go to the given logger's `debug`; without
   * one, to stderr (the default console logger drops `debug`).
   */
  static fromEnvironment(
    logger: Logger,
    loggerGiven: boolean,
    issuers: readonly TrustedIssuer[],
    settings: VerificationSettings,
    env: string | undefined = process.env.DEBUG,
  ): RefusalDebug | undefined {
    if (!debugEnabled(env)) return undefined;
    const write: LogFn = loggerGiven
      ? (fields, message) => logger.debug(fields, message)
      : (fields, message) => console.error(message, fields);
    return new RefusalDebug(write, issuers, settings);
  }

  /** A bearer (or token-exchange) token refused by verification: 401, or 503 when the issuer's keys are unavailable. */
  tokenRefused(error: unknown, token: string, request: CoreRequest, what: string): void {
    const status = (error as { status?: unknown }).status;
    this.write(
      { status, ...explainTokenRefusal(error, token, this.issuers, this.settings), ...requestFields(request) },
      `opa-jwt: ${what} refused`,
    );
  }

  /** A refusal before any token was verified (no token, or a malformed request for one). */
  requestRefused(error: unknown, request: CoreRequest, check: string): void {
    const status = (error as { status?: unknown }).status;
    this.write(
      { status, check, description: (error as { description?: string }).description, ...requestFields(request) },
      'opa-jwt: request refused',
    );
  }

  /** The policy did not allow the request. */
  policyDenied(status: number, decision: Decision, entrypoint: string, request: CoreRequest): void {
    this.write(
      {
        status,
        check: 'policy',
        allowed: decision.allowed,
        internal_message: decision.internalMessage,
        external_message: decision.externalMessage,
        decision_id: decision.decisionId,
        entrypoint,
        ...requestFields(request),
      },
      'opa-jwt: request denied by the policy',
    );
  }
}
