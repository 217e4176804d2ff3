/**
 * Reads an OAuth token request (RFC 6749 §3.2: POST, application/x-www-form-urlencoded) from whatever the
 * framework left in `body`: a parsed form object, or the raw text/bytes when no form parser ran.
 */
import type { CoreRequest } from '../contract';
import { OAuthRequestError } from './errors';
import { upperCaseMethod } from '../http-method';

/** Form parameters by name; every value is kept so that repeated parameters can be detected. */
export type FormParams = Map<string, string[]>;

/** Parameters that RFC 8707 / RFC 8693 allow to repeat; every other one must appear at most once (RFC 6749 §3.2). */
const REPEATABLE = new Set(['resource', 'audience']);

/** The first value of a header; `name` in lower case, as Node gives header names. */
export function headerValue(headers: CoreRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function isFormContentType(headers: CoreRequest['headers']): boolean {
  const type = headerValue(headers, 'content-type');
  return type !== undefined && type.split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function fromSearchParams(search: URLSearchParams): FormParams {
  const params: FormParams = new Map();
  for (const [key, value] of search) params.set(key, [...(params.get(key) ?? []), value]);
  return params;
}

/** Returns undefined when the body is neither a form object nor form text. */
export function readFormParams(body: unknown): FormParams | undefined {
  if (typeof body === 'string') return fromSearchParams(new URLSearchParams(body));
  if (body instanceof Uint8Array) return fromSearchParams(new URLSearchParams(Buffer.from(body).toString('utf8')));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const params: FormParams = new Map();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') params.set(key, [value]);
    else if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) params.set(key, value);
    // Nested objects (qs "extended" parsing of `a[b]=c`) are not OAuth parameters; they are left out.
  }
  return params;
}

/** The single value of a parameter; a repeated one is an `invalid_request` (RFC 6749 §3.2). */
export function single(params: FormParams, name: string): string | undefined {
  const values = params.get(name);
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1 && !REPEATABLE.has(name)) throw new OAuthRequestError('invalid_request', `parameter "${name}" is repeated`);
  return values[0];
}

export function all(params: FormParams, name: string): string[] | undefined {
  const values = params.get(name);
  return values && values.length > 0 ? values : undefined;
}

/** A token request: a POSTed form carrying `grant_type`. */
export function readTokenRequest(request: CoreRequest): FormParams | undefined {
  if (upperCaseMethod(request.method) !== 'POST' || !isFormContentType(request.headers)) return undefined;
  const params = readFormParams(request.body);
  return params !== undefined && params.has('grant_type') ? params : undefined;
}

/** The client id of HTTP Basic client authentication (RFC 6749 §2.3.1: both parts are form-urlencoded first). */
export function basicClientId(headers: CoreRequest['headers']): string | undefined {
  const authorization = headerValue(headers, 'authorization');
  const match = authorization === undefined ? null : /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(authorization);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
