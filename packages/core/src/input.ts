/**
 * The policy's input document: a superset of the seed schema (`../shared/seeds/004_*`).
 *
 *   {
 *     "source":  { "ip": "192.168.1.100" },
 *     "request": {
 *       "http": { "host": "mcp.example.com", "method": "POST", "path": "/mcp",
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
 * Header names are in Go's canonical MIME form (`Content-Type`, `User-Agent`), as OPA's and the seed's policies
 * expect; repeated headers are joined with ", ". The path is as received, without the query string; query
 * parameters are lists (as in OPA's Envoy plugin), so a policy reads `input.request.http.query.page[0]`.
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import type { CoreRequest } from './contract';
import type { McpInput } from './mcp';
import type { OAuthInput } from './oauth';
import type { VerifiedToken } from './token-cache';

export interface HttpInput {
  host: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  query: Record<string, string[]>;
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

/**
 * Canonical forms of the header names seen so far: requests repeat the same few dozen names, so each is converted
 * once. Bounded, because names are chosen by clients.
 */
const canonicalNames = new Map<string, string>();
const MAX_REMEMBERED_NAMES = 1024;

/** `content-type` → `Content-Type`, `x-request-id` → `X-Request-Id`, as Go's textproto.CanonicalMIMEHeaderKey. */
export function canonicalHeaderName(name: string): string {
  const known = canonicalNames.get(name);
  if (known !== undefined) return known;
  // Go leaves names with characters outside the token set unchanged; so do we.
  let out = name;
  if (HEADER_TOKEN.test(name)) {
    out = '';
    let upper = true;
    for (const char of name) {
      out += upper ? char.toUpperCase() : char.toLowerCase();
      upper = char === '-';
    }
  }
  if (canonicalNames.size >= MAX_REMEMBERED_NAMES) canonicalNames.clear();
  canonicalNames.set(name, out);
  return out;
}

export function canonicalHeaders(headers: CoreRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue; // HTTP/2 pseudo-headers are not headers
    const canonical = canonicalHeaderName(name);
    const joined = Array.isArray(value) ? value.join(', ') : String(value);
    out[canonical] = canonical in out ? `${out[canonical]}, ${joined}` : joined;
  }
  return out;
}

function splitUrl(url: string): { path: string; query: Record<string, string[]> } {
  const hash = url.indexOf('#');
  const withoutHash = hash === -1 ? url : url.slice(0, hash);
  const mark = withoutHash.indexOf('?');
  const path = mark === -1 ? withoutHash : withoutHash.slice(0, mark);
  const query: Record<string, string[]> = {};
  if (mark !== -1) {
    for (const [key, value] of new URLSearchParams(withoutHash.slice(mark + 1))) (query[key] ??= []).push(value);
  }
  return { path: path === '' ? '/' : path, query };
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`, so CIDR rules written for IPv4 match. */
export function normaliseIp(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped ? mapped[1] : ip;
}

/** The document before protocol enrichment and the user's hook. */
export function buildInput(request: CoreRequest, token: VerifiedToken | undefined): PolicyInput {
  const headers = canonicalHeaders(request.headers);
  const { path, query } = splitUrl(request.url);
  const method = request.method.toUpperCase();
  const http: HttpInput = { host: headers.Host ?? (typeof request.headers[':authority'] === 'string' ? request.headers[':authority'] : ''), method, path, headers, query };
  const input: PolicyInput = { source: request.ip ? { ip: normaliseIp(request.ip) } : {}, request: { http }, method, path };
  if (token) input.jwt = { header: token.header, payload: token.payload };
  return input;
}

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
