/**
 * Finds the bearer token of a request (RFC 6750 §2): the `Authorization: Bearer` header (§2.1), and the form body
 * (§2.2) or `access_token` query parameter (§2.3) only when enabled. A token sent by more than one method, or by a
 * method that is not enabled, is a 400 `invalid_request`: better told than silently ignored.
 */
import type { CoreRequest } from './contract';
import { InvalidRequestError } from './errors';
import { headerValue, isFormContentType, readFormParams } from './oauth/form';
import { upperCaseMethod } from './http-method';

/** Where the bearer token may be read from (RFC 6750 §2): the header always; the others only when listed. */
export type BearerMethod = 'header' | 'query' | 'body';

/** RFC 6750 §2.1 `b64token`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Whether `text` is an RFC 6750 `b64token`, the only form of a token in the Authorization header. */
export const isB64Token = (text: string): boolean => B64TOKEN.test(text);

/**
 * The token of an `Authorization` value that is exactly `Bearer <token>` with a `b64token` remembered from an earlier
 * request, else undefined: a repeated header then costs no scan of its ~700 characters.
 */
export type KnownBearerToken = (authorization: string) => string | undefined;

/**
 * The form nearly every client sends, `Bearer <b64token>` with one space: exactly what the general parse in
 * `fromHeader` returns for it, in one match instead of a backtracking one over the whole token (~1.5 µs saved).
 */
const PLAIN_BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

export interface ExtractedToken {
  token: string;
  /** `custom`: read by the application's `getToken`. */
  method: BearerMethod | 'custom';
}

function fromHeader(request: CoreRequest, known: KnownBearerToken | undefined): string | undefined {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) return undefined;
  // What PLAIN_BEARER would capture, when that is a known b64token.
  const remembered = known?.(authorization);
  if (remembered !== undefined) return remembered;
  const plain = PLAIN_BEARER.exec(authorization);
  if (plain) return plain[1];
  const match = /^\s*(\S+)(?:\s+(.*?))?\s*$/.exec(authorization);
  // Another scheme (Basic client authentication at a token endpoint, say) is not a bearer token.
  if (!match || match[1].toLowerCase() !== 'bearer') return undefined;
  const credentials = match[2] ?? '';
  if (credentials === '') throw new InvalidRequestError('the Authorization header has the Bearer scheme but no token');
  if (!B64TOKEN.test(credentials)) throw new InvalidRequestError('the Authorization header is not of the form "Bearer <token>"');
  return credentials;
}

/** No token in a place: one shared array, not a new one per request. */
const NONE: readonly string[] = Object.freeze([]);

function fromQuery(request: CoreRequest): readonly string[] {
  const start = request.url.indexOf('?');
  if (start === -1) return NONE;
  const end = request.url.indexOf('#', start);
  const query = request.url.slice(start + 1, end === -1 ? undefined : end);
  // No parameter can be named access_token unless the text says so, literally or through an escape.
  if (!query.includes('access_token') && !query.includes('%')) return NONE;
  return new URLSearchParams(query).getAll('access_token');
}

/** The tokens of a request's form body (RFC 6750 §2.2), accepted there or not. */
export function bodyTokens(request: CoreRequest): readonly string[] {
  // RFC 6750 §2.2: only a form-encoded body of a request that has a body carries a token.
  const method = upperCaseMethod(request.method);
  if (method === 'GET' || method === 'HEAD' || !isFormContentType(request.headers)) return NONE;
  return readFormParams(request.body)?.get('access_token') ?? NONE;
}

const WHERE: Record<BearerMethod, string> = { header: 'the Authorization header', query: 'the query string', body: 'the form body' };

/**
 * The request's token, or undefined when it has none; throws `InvalidRequestError` for the cases above. `known`
 * only saves work: the answer is the same with it or without it.
 */
export function extractToken(
  request: CoreRequest,
  enabled: ReadonlySet<BearerMethod>,
  known?: KnownBearerToken,
): ExtractedToken | undefined {
  const header = fromHeader(request, known);
  const query = fromQuery(request);
  const body = bodyTokens(request);
  const count = (header === undefined ? 0 : 1) + query.length + body.length;
  if (count === 0) return undefined;
  if (count > 1) {
    const places: string[] = [];
    if (header !== undefined) places.push(WHERE.header);
    if (query.length > 0) places.push(WHERE.query);
    if (body.length > 0) places.push(WHERE.body);
    throw new InvalidRequestError(`more than one token was sent (${places.join(' and ')}); send exactly one (RFC 6750 §2)`);
  }
  // Exactly one: no list of them made for the request that brings one, as nearly all do.
  const only: { token: string; method: BearerMethod } =
    header !== undefined
      ? { token: header, method: 'header' }
      : query.length > 0
        ? { token: query[0], method: 'query' }
        : { token: body[0], method: 'body' };
  if (!enabled.has(only.method)) {
    throw new InvalidRequestError(`tokens in ${WHERE[only.method]} are not accepted here; send it in the Authorization header`);
  }
  if (only.token === '') throw new InvalidRequestError(`the access_token in ${WHERE[only.method]} is empty`);
  return only;
}
