/**
 * `includeBody`: the parsed body of a plain HTTP request as `input.request.http.body`. Only what a body parser
 * made of JSON or a form (objects, arrays, strings, numbers, booleans, null); raw bytes, streams and other class
 * instances are left out, since the policy could not read them. The same size limit as MCP and OAuth bodies
 * (`maxBodySize`, 413) and the same nesting limit as token claims (json-depth.ts, 400) apply.
 */
import type { CoreRequest } from './contract';
import type { RespondOutcome } from './decision';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth';
import { isPlainObject } from './options/checks';
import { bodySize, tooLarge } from './protocols';

/** The body to show the policy, undefined when there is none it could read, or the refusal of one it must not see. */
export function readableBody(request: CoreRequest, maxBodySize: number): { body: unknown } | { refusal: RespondOutcome } | undefined {
  const body = request.body;
  if (body === undefined || !isJsonCompatible(body)) return undefined;
  if (bodySize(request) > maxBodySize) return { refusal: tooLarge(maxBodySize) };
  if (nestedDeeperThan(body)) {
    return {
      refusal: {
        type: 'respond',
        status: 400,
        headers: {},
        body: { error: 'invalid_request', error_description: `request body is nested more than ${MAX_JSON_DEPTH} levels deep` },
      },
    };
  }
  return { body };
}

function isJsonCompatible(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  return Array.isArray(value) || isPlainObject(value);
}
