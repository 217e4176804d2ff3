/**
 * The scenarios every adapter must pass, identically (driven by adapters.test.ts through one harness
 * per framework). A scenario is a request, how to make its token, and what the answer must be.
 */
import * as path from 'node:path';
import {
  AUDIENCE,
  ISSUER,
  hs256WithPublicKey,
  token,
  unsignedToken,
  withForeignSignature,
  type Fixtures,
} from './fixtures';
import type { OpaJwtOptions } from './harnesses';

export const POLICY_DIR = path.join(__dirname, 'policies');
export const POLICY_FILE = path.join(POLICY_DIR, 'authz.rego');

/**
 * The core options every table app uses. Everything that depends on @opa-jwt/core's option names is here.
 */
export function coreOptions(
  fixtures: Fixtures,
  overrides: { entrypoint?: string; policyPath?: string; watch?: boolean; authRequired?: boolean } = {},
): OpaJwtOptions {
  const options: OpaJwtOptions = {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: fixtures.jwksUri,
    algorithms: ['RS256', 'ES256'],
    policy: overrides.policyPath ?? POLICY_FILE,
    entrypoint: overrides.entrypoint ?? 'authz/decision',
    watch: overrides.watch ?? false,
    // The smallest allowed: the /api/grow scenario's few megabytes are past it, ordinary requests are not.
    maxPolicyMemory: MAX_POLICY_MEMORY,
  };
  // Left out unless a scenario needs it, so that the default (authRequired: true) is what most scenarios run with.
  if (overrides.authRequired !== undefined) options.authRequired = overrides.authRequired;
  return options;
}

export const MAX_POLICY_MEMORY = 1024 * 1024;

/** What a pino-compatible logger was told. */
export interface LogRecord {
  level: string;
  fields: Record<string, unknown>;
  message?: string;
}

/** Header carrying the decision id on every decided answer. */
export const DECISION_ID_HEADER = 'x-decision-id';

export interface Expectation {
  status: number;
  /**
   * `bare`: a `Bearer` challenge without error attributes (RFC 6750 §3.1: no credentials were sent); otherwise the
   * error code, which must come with a non-empty `error_description`.
   */
  challenge?: 'bare' | 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  /** Properties the JSON body must have (toMatchObject). */
  body?: Record<string, unknown>;
  /** The exact JSON body (toEqual): protocol-shaped answers (JSON-RPC errors, OAuth errors). */
  bodyEquals?: unknown;
  /** Neither the body nor any header may mention this text (e.g. the policy's internal message). */
  mustNotShow?: string;
  decisionIdHeader?: boolean;
  /** The refusal must be logged with this reason (and, like every log record, without the token). */
  reason?: string;
  /** Further checks of the JSON body, e.g. of the input document the `authz/echo` entrypoint hands back. */
  inspect?: (body: AnswerBody) => void;
  /** Checks of what this request logged. */
  logs?: (records: LogRecord[]) => void;
}

/** What the harness handlers answer (see harnesses.ts); `result.input` for the `authz/echo` entrypoint. */
export interface AnswerBody {
  route: string;
  sub: string | null;
  anonymous: boolean;
  authenticated: boolean;
  decisionId: string | null;
  result: { allowed: boolean; input: EchoedInput } | null;
}

export interface EchoedInput {
  source: { ip?: string };
  request: { http: { host: string; method: string; path: string; headers: Record<string, string>; query: Record<string, string[]> }; mcp?: unknown; oauth?: unknown };
  jwt?: { header: Record<string, unknown>; payload: Record<string, unknown> };
  method: string;
  path: string;
}

export interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** The Authorization header value to send, if any. */
  authorization?: (fixtures: Fixtures) => Promise<string | undefined> | string | undefined;
  /** Extra headers; a list is sent as repeated header lines. */
  headers?: Record<string, string | string[]>;
  /** A JSON body. */
  body?: Record<string, unknown>;
  /** An application/x-www-form-urlencoded body (an OAuth token request). */
  form?: Record<string, string>;
  /** Which entrypoint the app is configured with (default: the object decision). */
  entrypoint?: string;
  /** `authRequired: false`: requests without a token reach the policy (default: the core's default, true). */
  authRequired?: false;
  expect: Expectation;
}

const bearer = (make: (fixtures: Fixtures) => Promise<string> | string) => async (fixtures: Fixtures) => `Bearer ${await make(fixtures)}`;

export const scenarios: Scenario[] = [
  // ---------------------------------------------------------------- allowed
  {
    name: 'admin POST with an RS256 token is allowed, req.auth carries the claims and the decision id',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f)),
    body: { item: 'book' },
    expect: { status: 200, body: { route: 'api', sub: 'alice', authenticated: true, anonymous: false }, decisionIdHeader: true },
  },
  {
    name: 'admin POST with an ES256 token is allowed',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { key: f.ec, claims: { sub: 'erin' } })),
    expect: { status: 200, body: { route: 'api', sub: 'erin' } },
  },
  {
    name: 'a reader may GET',
    method: 'GET',
    path: '/api/orders/7?expand=1',
    authorization: bearer((f) => token(f, { claims: { sub: 'rita', roles: ['reader'] } })),
    expect: { status: 200, body: { sub: 'rita' } },
  },

  // ---------------------------------------------------------------- 401: authentication
  {
    name: 'no token: 401 with a bare Bearer challenge',
    method: 'POST',
    path: '/api/orders',
    expect: { status: 401, challenge: 'bare' },
  },
  {
    name: 'malformed token: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: () => 'Bearer not-a-jwt',
    expect: { status: 401, challenge: 'invalid_token', reason: 'malformed' },
  },
  {
    name: 'bad signature: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: async (f) => `Bearer ${withForeignSignature(await token(f), await token(f, { key: f.impostor }))}`,
    expect: { status: 401, challenge: 'invalid_token', reason: 'signature' },
  },
  {
    name: 'signed by a key of the right kid but the wrong private key: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { key: f.impostor })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'signature' },
  },
  {
    name: 'unknown kid: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { key: f.stranger })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'unknown_key' },
  },
  {
    name: 'expired: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { expiresIn: -3600 })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'expired' },
  },
  {
    name: 'not yet valid (nbf in the future): 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { notBefore: 3600 })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'not_yet_valid' },
  },
  {
    name: 'wrong issuer: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { issuer: 'https://evil.test' })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'issuer' },
  },
  {
    name: 'wrong audience: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { audience: 'https://other.test' })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'audience' },
  },
  {
    name: 'alg none: 401 invalid_token',
    method: 'POST',
    path: '/api/orders',
    authorization: () => `Bearer ${unsignedToken()}`,
    expect: { status: 401, challenge: 'invalid_token', reason: 'alg_none' },
  },
  {
    name: 'HS256 signed with the RSA public key (key confusion): 401 invalid_token',
    method: 'POST',
    path: '/api/orders',
    authorization: (f) => `Bearer ${hs256WithPublicKey(f)}`,
    expect: { status: 401, challenge: 'invalid_token', reason: 'alg_not_allowed' },
  },
  {
    name: 'oversized token: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    // ~11 KB once base64url-encoded: above the core's 8 KB token size limit, below Node's 16 KB header limit.
    authorization: bearer((f) => token(f, { claims: { padding: 'x'.repeat(8_000) } })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'oversized' },
  },

  // ---------------------------------------------------------------- 400
  {
    name: 'a token in the header and in the query: 400 invalid_request',
    method: 'GET',
    path: '/api/orders?access_token=abc.def.ghi',
    authorization: bearer((f) => token(f)),
    expect: { status: 400, challenge: 'invalid_request', reason: 'invalid_request' },
  },
  {
    name: 'a Bearer header that is not "Bearer <token>": 400 invalid_request',
    method: 'GET',
    path: '/api/orders',
    authorization: async (f) => `Bearer ${await token(f)} trailing-garbage`,
    expect: { status: 400, challenge: 'invalid_request', reason: 'invalid_request' },
  },
  {
    name: 'authRequired: false does not make a bad token anonymous: 401 invalid_token',
    authRequired: false,
    method: 'GET',
    path: '/api/open/catalogue',
    authorization: bearer((f) => token(f, { expiresIn: -3600 })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'expired' },
  },

  // ---------------------------------------------------------------- policy decisions
  {
    name: 'denied by the policy: 403 with its external_message, never its internal_message',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { claims: { roles: ['reader'] } })),
    expect: {
      status: 403,
      challenge: 'insufficient_scope',
      body: { error_description: 'admins only: ask support@example.com' },
      mustNotShow: 'caller lacks the admin role',
      decisionIdHeader: true,
    },
  },
  {
    name: 'authRequired (the default): no token is a 401 before the policy runs, even where the policy admits anonymous callers',
    method: 'GET',
    path: '/api/open/catalogue',
    expect: { status: 401, challenge: 'bare' },
  },
  {
    name: 'anonymous request the policy allows (authRequired: false): 200 without a token',
    authRequired: false,
    method: 'GET',
    path: '/api/open/catalogue',
    expect: { status: 200, body: { authenticated: true, anonymous: true, sub: null }, decisionIdHeader: true },
  },
  {
    name: 'anonymous request the policy denies (authRequired: false): 401 (authentication would help), not 403',
    authRequired: false,
    method: 'GET',
    path: '/api/orders',
    expect: { status: 401, challenge: 'bare', body: { error_description: 'admins only: ask support@example.com' }, mustNotShow: 'caller lacks the admin role' },
  },
  {
    name: 'boolean policy, true: allowed',
    entrypoint: 'authz/allow',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f)),
    expect: { status: 200, body: { sub: 'alice' } },
  },
  {
    name: 'boolean policy, false: 403',
    entrypoint: 'authz/allow',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { claims: { roles: ['reader'] } })),
    expect: { status: 403, challenge: 'insufficient_scope' },
  },
  {
    name: 'evaluation error (conflicting rule values): 500 with a generic body, fail closed',
    method: 'GET',
    path: '/api/explode',
    authorization: bearer((f) => token(f)),
    expect: { status: 500, bodyEquals: { error: 'server_error', error_description: 'the authorization decision could not be made' }, mustNotShow: 'conflict', decisionIdHeader: true },
  },

  // ---------------------------------------------------------------- evaluation budget and memory
  {
    name: 'a policy loop longer than evaluationTimeout is stopped: 500, logged as budget exceeded',
    method: 'GET',
    path: '/api/spin',
    authorization: bearer((f) => token(f)),
    expect: {
      status: 500,
      bodyEquals: { error: 'server_error', error_description: 'the authorization decision could not be made' },
      mustNotShow: 'budget',
      decisionIdHeader: true,
      logs: (records) => {
        const failed = records.filter((r) => r.level === 'error' && r.fields.errorName === 'EvaluationBudgetExceeded');
        expect(failed).toHaveLength(1);
        expect(failed[0].fields.error).toMatch(/evaluation budget exceeded: the policy ran longer than evaluationTimeout \(250 ms\)/);
      },
    },
  },
  {
    name: 'an evaluation that grows the policy memory past maxPolicyMemory is decided, then the instance is replaced',
    method: 'GET',
    path: '/api/grow',
    authorization: bearer((f) => token(f)),
    expect: {
      status: 200,
      body: { route: 'api', sub: 'alice' },
      logs: (records) => {
        const replaced = records.filter((r) => r.level === 'warn' && /replaced by a fresh one/.test(r.message ?? ''));
        expect(replaced).toHaveLength(1);
        const { memoryBytes, freshMemoryBytes } = replaced[0].fields as { memoryBytes: number; freshMemoryBytes: number };
        expect(memoryBytes - freshMemoryBytes).toBeGreaterThan(MAX_POLICY_MEMORY);
        expect(freshMemoryBytes).toBeLessThan(MAX_POLICY_MEMORY);
      },
    },
  },

  // ---------------------------------------------------------------- protocol shapes of a denial (MCP, OAuth)
  {
    name: 'a denied JSON-RPC (MCP) call: 403 JSON-RPC error with the request id and the external message, never the internal one',
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f, { claims: { roles: ['reader'] } })),
    body: { jsonrpc: '2.0', id: 'call-7', method: 'tools/call', params: { name: 'get_ticket_price', arguments: { route: 'SFO-JFK' } } },
    expect: {
      status: 403,
      bodyEquals: { jsonrpc: '2.0', id: 'call-7', error: { code: -32003, message: 'admins only: ask support@example.com' } },
      mustNotShow: 'caller lacks the admin role',
      decisionIdHeader: true,
    },
  },
  {
    name: 'a JSON-RPC call whose evaluation fails: 500 JSON-RPC internal error with a generic message',
    method: 'POST',
    path: '/api/explode',
    authorization: bearer((f) => token(f)),
    body: { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'x' } },
    expect: { status: 500, bodyEquals: { jsonrpc: '2.0', id: 9, error: { code: -32603, message: 'the authorization decision could not be made' } }, mustNotShow: 'conflict' },
  },
  {
    name: 'a denied OAuth token request: 400 in RFC 6749 §5.2 format, never the internal message',
    method: 'POST',
    path: '/api/token',
    authorization: bearer((f) => token(f, { claims: { roles: ['reader'] } })),
    form: { grant_type: 'client_credentials', client_id: 'agent-1', scope: 'orders:write' },
    expect: {
      status: 400,
      bodyEquals: { error: 'invalid_scope', error_description: 'admins only: ask support@example.com' },
      mustNotShow: 'caller lacks the admin role',
      decisionIdHeader: true,
    },
  },

  // ---------------------------------------------------------------- the input document, as the policy sees it
  {
    name: 'input: canonical header names, repeated values joined, query lists, path without query, shortcuts, verified jwt',
    entrypoint: 'authz/echo',
    method: 'GET',
    path: '/api/orders/7?expand=1&tag=a&tag=b',
    authorization: bearer((f) => token(f, { key: f.ec, claims: { sub: 'erin' } })),
    headers: { 'User-Agent': 'table-test/1.0', 'x-request-id': 'req-1', 'X-Repeated': ['one', 'two'] },
    expect: {
      status: 200,
      inspect: ({ result }) => {
        const input = result!.input;
        const { headers } = input.request.http;
        for (const name of Object.keys(headers)) expect(name).toMatch(/^[A-Z0-9][a-z0-9]*(-[A-Z0-9][a-z0-9]*)*$/);
        expect(headers).toMatchObject({ 'User-Agent': 'table-test/1.0', 'X-Request-Id': 'req-1', 'X-Repeated': 'one, two' });
        expect(headers.Authorization).toMatch(/^Bearer ey/);
        expect(input.request.http).toMatchObject({ method: 'GET', path: '/api/orders/7', query: { expand: ['1'], tag: ['a', 'b'] } });
        expect(input.request.http.host).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(input).toMatchObject({ method: 'GET', path: '/api/orders/7', source: { ip: '127.0.0.1' } });
        expect(input.jwt).toMatchObject({ header: { alg: 'ES256', kid: 'ec-1' }, payload: { sub: 'erin', iss: ISSUER, aud: AUDIENCE } });
        expect(input.request).not.toHaveProperty('mcp');
        expect(input.request).not.toHaveProperty('oauth');
      },
    },
  },
  {
    name: 'input: an anonymous request has no jwt member at all',
    entrypoint: 'authz/echo',
    authRequired: false,
    method: 'GET',
    path: '/api/open',
    expect: {
      status: 200,
      inspect: ({ result }) => {
        expect(result!.input).not.toHaveProperty('jwt');
        expect(result!.input.request.http.headers).not.toHaveProperty('Authorization');
      },
    },
  },
  {
    name: 'input: a JSON-RPC tools/call fills request.mcp as the seed schema shows',
    entrypoint: 'authz/echo',
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: { jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'get_ticket_price', arguments: { route: 'SFO-JFK', seats: 2 } } },
    expect: {
      status: 200,
      inspect: ({ result }) => {
        expect(result!.input.request.mcp).toEqual({
          type: 'tool',
          method: 'tools/call',
          id: 42,
          tool: { params: { name: 'get_ticket_price', arguments: { route: 'SFO-JFK', seats: 2 } } },
        });
        expect(result!.input.request.http.headers['Content-Type']).toMatch(/^application\/json/);
      },
    },
  },
  {
    name: 'input: an OAuth token request fills request.oauth (scope under both spellings), client secrets left out',
    entrypoint: 'authz/echo',
    method: 'POST',
    path: '/api/token',
    authorization: bearer((f) => token(f)),
    form: { grant_type: 'client_credentials', client_id: 'agent-1', client_secret: 'hunter2-client-secret', scope: 'orders:read orders:write' },
    expect: {
      status: 200,
      inspect: ({ result }) => {
        expect(result!.input.request.oauth).toEqual({ grant_type: 'client_credentials', client_id: 'agent-1', scope: 'orders:read orders:write', scopes: 'orders:read orders:write' });
        expect(JSON.stringify(result!.input)).not.toContain('hunter2-client-secret');
      },
    },
  },

  // ---------------------------------------------------------------- per-route overrides
  {
    name: 'route override: the special entrypoint allows a "special" caller the default would deny',
    method: 'POST',
    path: '/special/thing',
    authorization: bearer((f) => token(f, { claims: { sub: 'sam', roles: ['special'] } })),
    expect: { status: 200, body: { route: 'special', sub: 'sam' } },
  },
  {
    name: 'route override: the special entrypoint denies an admin',
    method: 'POST',
    path: '/special/thing',
    authorization: bearer((f) => token(f)),
    expect: { status: 403 },
  },
  {
    name: 'route override: skip lets a request without a token through, without req.auth',
    method: 'GET',
    path: '/public/health',
    expect: { status: 200, body: { route: 'public', authenticated: false } },
  },
  {
    name: 'route override: skip ignores even a broken token',
    method: 'GET',
    path: '/public/health',
    authorization: () => 'Bearer not-a-jwt',
    expect: { status: 200, body: { route: 'public', authenticated: false } },
  },
];
