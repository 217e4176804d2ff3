/**
 * The answers of requests that repeat exactly, found without reading the request again. A client that sends the
 * same `Authorization: Bearer` value to the same target text, with the same method, route and routing, under the
 * same policy, is given the answer the policy gave the first such request: no token extraction, target parsing or
 * document lookup. They are kept in the token's cache entry (token-cache.ts), so whatever makes the token unusable
 * makes its answers unusable too: its time checks, its keys leaving the set, its entry being evicted.
 *
 * Only answers the policy keeps by origin are kept here (policy/answer-origins.ts): those of documents the core
 * builds from the verified token, the target, the method and the route alone, which a repeated request has the same
 * of. What else could change the answer (a token in the body as well, a document the core would enrich, a revoked
 * token) is checked by the authorizer on every request that is found here.
 */
import type { CoreRequest } from './contract';
import type { Evaluation, PolicyEngine } from './policy/engine';
import { routingFlags, type RequestTarget } from './request-target';
import type { ExtractedToken } from './token';

/** A token asks for a handful of targets, nearly always; more are found the longer way. */
export const MAX_REPEATED_PER_TOKEN = 8;

export interface RepeatedRequest {
  readonly method: string;
  /** The raw request target, as the request gave it. */
  readonly url: string;
  readonly route: string | undefined;
  /** `routingFlags` of the request's routing. */
  readonly routing: number;
  /** The policy that answered: an answer holds while it is in force. */
  readonly policy: PolicyEngine;
  readonly entrypoint: string;
  /** What the core made of `url` under that routing (for a decision log's entry). */
  readonly target: RequestTarget;
  readonly extracted: ExtractedToken;
  readonly evaluation: Evaluation;
}

/** The remembered request that `request` repeats under `policy`, if any. */
export function findRepeated(
  repeated: readonly RepeatedRequest[],
  request: CoreRequest,
  policy: PolicyEngine | undefined,
): RepeatedRequest | undefined {
  if (repeated.length === 0) return undefined;
  const routing = routingFlags(request.routing);
  for (let i = 0; i < repeated.length; i++) {
    const known = repeated[i];
    if (known.policy === policy && sameRequest(known, request.method, request.url, request.route, routing)) return known;
  }
  return undefined;
}

/** `known` is of a request with this method, raw target, route and routing (`routingFlags`). */
function sameRequest(known: RepeatedRequest, method: string, url: string, route: string | undefined, routing: number): boolean {
  return known.url === url && known.method === method && known.route === route && known.routing === routing;
}

/**
 * Adds `request` to a token's repeated requests, in place of the one it repeats, if any. Those of another policy
 * go: they can no longer be found. Full: the oldest goes.
 */
export function rememberRepeated(repeated: RepeatedRequest[], request: RepeatedRequest): void {
  for (let i = repeated.length - 1; i >= 0; i--) {
    const known = repeated[i];
    if (known.policy !== request.policy || sameRequest(known, request.method, request.url, request.route, request.routing))
      repeated.splice(i, 1);
  }
  if (repeated.length >= MAX_REPEATED_PER_TOKEN) repeated.shift();
  repeated.push(request);
}
