/**
 * The policy's input document: a superset of the Maverics-style input schema.
 *
 *   {
 *     "source":  { "ip": "192.168.1.100" },
 *     "request": {
 *       "http": { "host": "mcp.example.com", "method": "POST", "path": "/mcp",
 *                 "raw_target": "/MCP/?expand=1",      // the request target exactly as received
 *                 "route": "/mcp",                      // the matched route pattern, when the adapter knows it
 *                 "headers": { "Authorization": "Bearer eyJ...", "Content-Type": "application/json" },
 *                 "query": { "expand": ["1"] } },
 *       "mcp":   { ... },      // JSON-RPC (MCP) requests only, see mcp/message.ts
 *       "oauth": { ... }       // OAuth token requests only, see oauth/input.ts
 *     },
 *     "jwt":    { "header": { "alg": "RS256", "kid": "..." }, "payload": { "sub": "alice", ... } },   // verified tokens only
 *     "method": "POST",       // = request.http.method
 *     "path":   "/mcp"        // = request.http.path
 *   }
 *
 * Header names are in Go's canonical MIME form (`Content-Type`, `User-Agent`), as OPA's and the Maverics-style policies
 * expect; repeated headers are joined with ", ". The path is the one the framework routes on (request-target.ts:
 * origin-form, decoded, lower-cased under case-insensitive routing); query parameters are lists (as in OPA's Envoy
 * plugin), so a policy reads `input.request.http.query.page[0]`. Headers and query are objects without
 * `Object.prototype`: their keys are the client's (`__proto__`, `constructor` are ordinary names here). A document made
 * for a decision log alone holds them in plain objects instead (`NameHolders`).
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import type { CoreRequest } from './contract';
import { requestTarget, type RequestTarget } from './request-target';
import type { McpInput } from './mcp';
import type { OAuthInput } from './oauth';
import type { VerifiedToken } from './token-cache';
import { flatText, setOwnMember } from './fast-json';
import { memoisedByName } from './name-memo';
import { upperCaseMethod } from './http-method';

export interface HttpInput {
  host: string;
  method: string;
  /** The canonical path the framework routes on (see request-target.ts). */
  path: string;
  /** The request target exactly as received (path and query, or the absolute-form URL): for audit, not for rules. */
  raw_target: string;
  /** The route pattern the framework matched (`/orders/:id`); absent when the adapter cannot know it. */
  route?: string;
  headers: Record<string, string>;
  query: Record<string, string[]>;
  /** The parsed request body, with `includeBody`. */
  body?: unknown;
}

export interface PolicyInput {
  source: { ip?: string };
  request: { http: HttpInput; mcp?: McpInput; oauth?: OAuthInput; [key: string]: unknown };
  /** The verified token; absent for anonymous requests. */
  jwt?: { header: JWTHeaderParameters; payload: JWTPayload };
  method: string;
  path: string;
  [key: string]: unknown;
}

/** What the `input` hook is told besides the document. */
export interface InputHookContext {
  request: CoreRequest;
  /** The verified token, when the request carried one. */
  token?: VerifiedToken;
}

/**
 * The `input` option: enrich the document (resource attributes, risk signals). Return a new document, or change
 * the given one and return nothing. A hook that throws makes the request fail closed (500).
 */
export type InputHook = (input: PolicyInput, context: InputHookContext) => PolicyInput | void | Promise<PolicyInput | void>;

const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `content-type` → `Content-Type`, `x-request-id` → `X-Request-Id`, as Go's textproto.CanonicalMIMEHeaderKey. */
function canonicalForm(name: string): string {
  // Go leaves names with characters outside the token set unchanged; so do we.
  if (!HEADER_TOKEN.test(name)) return name;
  let out = '';
  let upper = true;
  for (const char of name) {
    out += upper ? char.toUpperCase() : char.toLowerCase();
    upper = char === '-';
  }
  return out;
}

/** `canonicalForm`, converted once per name seen. */
export const canonicalHeaderName: (name: string) => string = memoisedByName(canonicalForm);

/**
 * A new object for keys a client chooses: `Object.prototype` is not in its chain, so `__proto__`, `constructor` or
 * `toString` are plain keys, not inherited members. Made by a constructor whose prototype has no prototype rather
 * than by `Object.create(null)`, which V8 keeps in its slower dictionary mode.
 */
export const newDictionary: <T>() => Record<string, T> = (() => {
  function Dictionary(): void {}
  Dictionary.prototype = Object.create(null) as object;
  return () => new (Dictionary as unknown as new () => Record<string, never>)();
})();

/**
 * How a document holds the names a client chose (headers, query parameters). `dictionary`: objects without
 * `Object.prototype`, so that `__proto__` or `constructor` are names like any other, for documents a policy or a hook
 * reads. `plain`: plain objects holding every name as an own member (as `JSON.parse` makes them), for a document
 * made for a decision log alone, which sinks serialise the fast way (fast-json.ts).
 */
export type NameHolders = 'dictionary' | 'plain';

/** `table[name]`, for a name only when the table holds it itself: a plain object inherits `constructor`. */
function ownValue<T>(table: Record<string, T>, name: string, holders: NameHolders): T | undefined {
  return holders === 'dictionary' || Object.hasOwn(table, name) ? table[name] : undefined;
}

/** `table[name] = value`, where a plain object takes `__proto__` as a member too. */
function setValue<T>(table: Record<string, T>, name: string, value: T, holders: NameHolders): void {
  if (holders === 'dictionary') table[name] = value;
  else setOwnMember(table, name, value);
}

/**
 * A request header's value as a document holds it, repeated values joined with ", "; undefined for what is no header
 * (an HTTP/2 pseudo-header such as `:authority`, or no value).
 */
export function headerValue(name: string, value: CoreRequest['headers'][string]): string | undefined {
  if (value === undefined || name.startsWith(':')) return undefined;
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : String(value);
}

/** The headers under their canonical names, repeated ones joined. */
export function canonicalHeaders(headers: CoreRequest['headers'], holders: NameHolders = 'dictionary'): Record<string, string> {
  const out: Record<string, string> = holders === 'dictionary' ? newDictionary<string>() : {};
  for (const name of Object.keys(headers)) {
    const joined = headerValue(name, headers[name]);
    if (joined === undefined) continue;
    const canonical = canonicalHeaderName(name);
    const earlier = ownValue(out, canonical, holders);
    setValue(out, canonical, earlier === undefined ? joined : `${earlier}, ${joined}`, holders);
  }
  return out;
}

/** The query's parameters, each with its list of values. */
export function queryParameters(query: string | undefined, holders: NameHolders = 'dictionary'): Record<string, string[]> {
  const out: Record<string, string[]> = holders === 'dictionary' ? newDictionary<string[]>() : {};
  if (query) {
    for (const [key, value] of new URLSearchParams(query)) {
      const values = ownValue(out, key, holders);
      if (values === undefined) setValue(out, key, [value], holders);
      else values.push(value);
    }
  }
  return out;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`, so CIDR rules written for IPv4 match. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::') ? unmapped(ip) : ip;
}

/**
 * `normaliseIp` of an address that may be IPv4-mapped, worked out once per address seen (none is longer than 45
 * characters; X-Forwarded-For is the client's): the IPv4 part as a flat string, since V8 keeps a part of 13
 * characters or more cut out of a text as a slice of it (fast-json.ts).
 */
const unmapped = memoisedByName(
  (ip) => {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
    return mapped ? flatText(mapped[1]) : ip;
  },
  { maxLength: 45 },
);

/** Parts of the document that cost work per request, and whether a policy can read them. */
export interface InputParts {
  headers: boolean;
  /** `request.http.host`, which comes from the headers. */
  host: boolean;
  query: boolean;
  source: boolean;
}

export const ALL_INPUT_PARTS: InputParts = Object.freeze({ headers: true, host: true, query: true, source: true });

/**
 * The document before protocol enrichment and the user's hook. `target` is `requestTarget(request.url,
 * request.routing)` when the caller has it already; without it, a target that cannot be accepted throws
 * `MalformedTargetError` (400). `parts`: a part the policy cannot read, in a document nobody else sees, is left
 * empty (headers, query) or out (source). `holders`: see `NameHolders`.
 */
export function buildInput(
  request: CoreRequest,
  token: VerifiedToken | undefined,
  target: RequestTarget = requestTarget(request.url, request.routing),
  parts: InputParts = ALL_INPUT_PARTS,
  holders: NameHolders = 'dictionary',
): PolicyInput {
  const headers = parts.headers || parts.host ? canonicalHeaders(request.headers, holders) : UNREAD_HEADERS;
  const { path } = target;
  const query = parts.query ? queryParameters(target.query, holders) : UNREAD_QUERY;
  const method = upperCaseMethod(request.method);
  const host = parts.host ? (headers.Host ?? authorityOf(request)) : '';
  const { route } = request;
  // Literals with every member (rather than members added later): the objects are made in one step.
  const http: HttpInput =
    route === undefined
      ? { host, method, path, raw_target: request.url, headers, query }
      : { host, method, path, raw_target: request.url, headers, query, route };
  let source: PolicyInput['source'] = UNREAD_SOURCE;
  if (parts.source) {
    const ip = request.ip;
    source = ip ? { ip: normaliseIp(ip) } : {};
  }
  return token
    ? { source, request: { http }, method, path, jwt: { header: token.header, payload: token.payload } }
    : { source, request: { http }, method, path };
}

/** The host of a request without a Host header: HTTP/2's `:authority`, else empty. */
export function authorityOf(request: CoreRequest): string {
  const authority = request.headers[':authority'];
  return typeof authority === 'string' ? authority : '';
}

/**
 * The empty headers, query and source of documents whose policy cannot read them, shared: only documents a decision
 * log or an input hook sees are changed after they are built, and those have every part.
 */
const UNREAD_HEADERS: Record<string, string> = Object.freeze(newDictionary<string>());
const UNREAD_SOURCE: PolicyInput['source'] = Object.freeze({});
const UNREAD_QUERY: Record<string, string[]> = Object.freeze(newDictionary<string[]>());

/** Runs the user's hook; its result (or the mutated document) must still be a JSON object. */
export async function applyInputHook(hook: InputHook | undefined, input: PolicyInput, context: InputHookContext): Promise<PolicyInput> {
  if (!hook) return input;
  const returned = await hook(input, context);
  const result = returned === undefined ? input : returned;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new TypeError('the input hook must return an object (the policy input) or nothing');
  }
  return result;
}
