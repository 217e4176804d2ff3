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

export interface Interpretation {
  allowed: boolean;
  /** Shown to the client (and logged). */
  externalMessage?: string;
  /** Logged only, never sent. */
  internalMessage?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` is the entrypoint's value, undefined when the rule was undefined (the SDK answered `[]`). */
export function interpretResult(value: unknown): Interpretation {
  if (value === true) return { allowed: true };
  if (!isRecord(value)) return { allowed: false };
  const interpretation: Interpretation = { allowed: value.allowed === true };
  if (typeof value.external_message === 'string' && value.external_message !== '') interpretation.externalMessage = value.external_message;
  if (typeof value.internal_message === 'string' && value.internal_message !== '') interpretation.internalMessage = value.internal_message;
  return interpretation;
}

/** The decision of one request: its id, and what the policy's `result` was understood to say. */
export function decisionOf(interpretation: Interpretation, result: unknown, decisionId: string): Decision {
  const decision: Decision = { allowed: interpretation.allowed, result, decisionId };
  if (interpretation.externalMessage !== undefined) decision.externalMessage = interpretation.externalMessage;
  if (interpretation.internalMessage !== undefined) decision.internalMessage = interpretation.internalMessage;
  return decision;
}

/**
 * The error for a denial. Without credentials the answer is 401 (a token could change it, RFC 6750 §3.1);
 * with them it is 403 `insufficient_scope` carrying the policy's `external_message`.
 */
export function denialError(interpretation: Interpretation, hasCredentials: boolean): HttpError {
  // A denial is an answer, not a fault: no stack (see withoutStack).
  if (!hasCredentials) return withoutStack(() => new UnauthorizedError(interpretation.externalMessage ?? 'a bearer token is required'));
  return withoutStack(() => new InsufficientScopeError(interpretation.externalMessage ?? 'access denied by policy'));
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
