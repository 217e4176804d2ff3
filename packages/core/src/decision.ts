/**
 * What a policy's answer means, and the response each outcome gets.
 *
 * The entrypoint's value may be a boolean (`allow`) or the Maverics-style output object `{allowed, internal_message,
 * external_message}`. Only `true`, or an object whose `allowed` is `true`, allows; an undefined rule, `false`,
 * a number, a string, an object without `allowed: true` all deny (fail closed).
 */
import type { Decision, Outcome } from './contract';
import { InsufficientScopeError, UnauthorizedError, withoutStack, type HttpError } from './errors';

export type RespondOutcome = Extract<Outcome, { type: 'respond' }>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The decision of one request: its id, the entrypoint's `value` (undefined when the rule was undefined: the SDK
 * answered `[]`) as its result, and what that value says.
 */
export function decisionOf(value: unknown, decisionId: string): Decision {
  const record = isRecord(value);
  const decision: Decision = { allowed: value === true || (record && value.allowed === true), result: value, decisionId };
  if (!record) return decision;
  if (typeof value.external_message === 'string' && value.external_message !== '') decision.externalMessage = value.external_message;
  if (typeof value.internal_message === 'string' && value.internal_message !== '') decision.internalMessage = value.internal_message;
  return decision;
}

/**
 * The error for a denial. Without credentials the answer is 401 (a token could change it, RFC 6750 §3.1);
 * with them it is 403 `insufficient_scope` carrying the policy's `external_message`.
 */
export function denialError(decision: Pick<Decision, 'externalMessage'>, hasCredentials: boolean): HttpError {
  // A denial is an answer, not a fault: no stack (see withoutStack).
  if (!hasCredentials) return withoutStack(() => new UnauthorizedError(decision.externalMessage ?? 'a bearer token is required'));
  return withoutStack(() => new InsufficientScopeError(decision.externalMessage ?? 'access denied by policy'));
}

/** An error as the JSON response the adapters write. Error answers are never cached. */
export function errorOutcome(error: HttpError, realm: string, extraHeaders: Record<string, string> = {}): RespondOutcome {
  // Completed in place (same keys, same order as spreading them into a new object, ~1 µs less per denial):
  // `headers()` returns a new object on every call.
  const headers = error.responseHeaders(realm);
  headers['Cache-Control'] = 'no-store';
  Object.assign(headers, extraHeaders);
  return { type: 'respond', status: error.status, headers, body: error.body() };
}
