/**
 * The scenarios every adapter must pass, identically (driven by adapters.test.ts through one harness
 * per framework). A scenario is a request, how to make its token, and what the answer must be.
 */
import * as path from 'node:path';
import { AUDIENCE, ISSUER, hs256WithPublicKey, token, unsignedToken, withForeignSignature, type Fixtures } from './fixtures';
import type { HarnessName, OpaJwtOptions } from './harnesses';
export { BODY_PARSER_HEADER } from './harnesses';

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
  /** No error-level log record: a client's malformed input is not a fault of ours. */
  noErrorLog?: true;
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
  request: {
    http: {
      host: string;
      method: string;
      path: string;
      raw_target: string;
      route?: string;
      headers: Record<string, string>;
      query: Record<string, string[]>;
    };
    mcp?: unknown;
    oauth?: unknown;
  };
  jwt?: { header: Record<string, unknown>; payload: Record<string, unknown> };
  method: string;
  path: string;
}

export interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /**
   * Send `path` as the request target exactly as written, over a real socket (absolute-form, odd encodings, dot
   * segments, which HTTP clients would normalise); `{port}` is replaced by the server's port.
   */
  raw?: true;
  /** The app's own case-sensitivity setting; left out, each framework's default (Express and Koa: no, Fastify: yes). */
  caseSensitive?: boolean;
  /** What differs on one framework, because its router routes this request elsewhere (replaces `expect`'s fields). */
  expectOn?: Partial<Record<HarnessName, Partial<Expectation>>>;
  /** The Authorization header value to send, if any. */
  authorization?: (fixtures: Fixtures) => Promise<string | undefined> | string | undefined;
  /** Extra headers; a list is sent as repeated header lines. */
  headers?: Record<string, string | string[]>;
  /** A JSON body (an object, or an array: a JSON-RPC batch). */
  body?: Record<string, unknown> | unknown[];
  /** A JSON body sent exactly as written (duplicate members, `__proto__`), as application/json. */
  rawBody?: string;
  /** How the app reads the JSON body (see BODY_PARSER_HEADER): raw `text`, or `none` (no body parser). Default: parsed. */
  bodyParser?: 'none' | 'text';
  /** An application/x-www-form-urlencoded body (an OAuth token request). */
  form?: Record<string, string>;
  /** Which entrypoint the app is configured with (default: the object decision). */
  entrypoint?: string;
  /** `authRequired: false`: requests without a token reach the policy (default: the core's default, true). */
  authRequired?: false;
  /** A named set of further options (see APP_OPTIONS) the app runs with. */
  appOptions?: keyof typeof APP_OPTIONS;
  /** The `session` cookie to send (a token for the `getToken` app). */
  sessionCookie?: (fixtures: Fixtures) => Promise<string>;
  expect: Expectation;
}

/** A `jti` the `isRevoked` hook of the `jti deny-list` app refuses. */
export const REVOKED_JTI = 'revoked-jti-1';

/** Option sets a scenario may add (`appOptions`), each run on an app of its own. */
export const APP_OPTIONS = {
  'cookie token': {
    getToken: (request: { headers: Record<string, string | string[] | undefined> }) =>
      /(?:^|;\s*)session=([^;]+)/.exec(String(request.headers.cookie ?? ''))?.[1],
  },
  'jti deny-list': { isRevoked: async (payload: { jti?: unknown }) => payload.jti === REVOKED_JTI },
  'body in input': { includeBody: true, maxBodySize: 256 },
} satisfies Record<string, Partial<OpaJwtOptions>>;

const DENYLIST = 'authz/mcp_denylist';
const callOf = (id: number, name: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });
/** A JSON-RPC error response without an id: valid in the MCP SDK's schema. */
const ID_LESS_ERROR = { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' } };

const bearer = (make: (fixtures: Fixtures) => Promise<string> | string) => async (fixtures: Fixtures) => `Bearer ${await make(fixtures)}`;

const reader = bearer((f) => token(f, { claims: { sub: 'rita', roles: ['reader'] } }));
const admin = bearer((f) => token(f));

/** `depth` nested arrays around an empty one. */
function nested(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

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
    expect: {
      status: 401,
      challenge: 'bare',
      body: { error_description: 'admins only: ask support@example.com' },
      mustNotShow: 'caller lacks the admin role',
    },
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
    expect: {
      status: 500,
      bodyEquals: { error: 'server_error', error_description: 'the authorization decision could not be made' },
      mustNotShow: 'conflict',
      decisionIdHeader: true,
    },
  },

  // ---------------------------------------------------------------- evaluation budget and memory
  {
    name: 'a catastrophic-backtracking regex over a 5,000-character value is matched in linear time: 403, not a timeout',
    method: 'GET',
    path: `/api/validate?name=${'a'.repeat(5000)}b`,
    authorization: bearer((f) => token(f, { claims: { sub: 'vera', roles: ['auditor'] } })),
    expect: { status: 403, challenge: 'insufficient_scope', noErrorLog: true },
  },
  {
    name: 'the same pattern matching a 5,000-character value: allowed',
    method: 'GET',
    path: `/api/validate?name=${'a'.repeat(5000)}`,
    authorization: bearer((f) => token(f, { claims: { sub: 'vera', roles: ['auditor'] } })),
    expect: { status: 200 },
  },
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
    expect: {
      status: 500,
      bodyEquals: { jsonrpc: '2.0', id: 9, error: { code: -32603, message: 'the authorization decision could not be made' } },
      mustNotShow: 'conflict',
    },
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

  // ---------------------------------------------------------------- MCP bodies under a deny-list policy
  // authz/mcp_denylist allows everything but calls of the tool delete_all: whatever the MCP server would run must be
  // classified, and what cannot be classified must be refused, or such a policy lets the call through.
  {
    name: 'deny-list: the listed tool alone is a 403 JSON-RPC error',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: callOf(1, 'delete_all'),
    expect: {
      status: 403,
      bodyEquals: { jsonrpc: '2.0', id: 1, error: { code: -32003, message: 'this tool may not be called' } },
      decisionIdHeader: true,
    },
  },
  {
    name: 'deny-list: another tool is allowed',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: callOf(2, 'get_ticket_price'),
    expect: { status: 200, body: { route: 'api' } },
  },
  {
    name: 'deny-list: a batch hiding the call behind an id-less error response is refused (400), not passed unclassified',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: [callOf(3, 'delete_all'), ID_LESS_ERROR],
    expect: {
      status: 400,
      bodyEquals: {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'JSON-RPC batches of 2 messages are not accepted here; send one message per request' },
      },
      reason: 'invalid_request',
    },
  },
  {
    name: 'deny-list: the same batch in the other order is refused too',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: [ID_LESS_ERROR, callOf(4, 'delete_all')],
    expect: { status: 400, body: { id: null, error: { code: -32600 } } },
  },
  {
    name: 'deny-list: a batch of allowed calls is refused as a whole (batches are not accepted)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: [callOf(5, 'get_ticket_price'), callOf(6, 'get_ticket_price')],
    expect: { status: 400, body: { id: null, error: { code: -32600 } } },
  },
  {
    name: 'deny-list: a batch with a non-object element is refused',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: [callOf(7, 'delete_all'), 7],
    expect: { status: 400, body: { id: null, error: { code: -32600 } } },
  },
  {
    name: 'deny-list: a one-element batch is judged as its element (403)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: [callOf(8, 'delete_all')],
    expect: { status: 403, body: { id: 8, error: { code: -32003 } } },
  },
  {
    name: 'deny-list: the call sent as a notification (no id) is judged as a tool call (403, id null)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: { jsonrpc: '2.0', method: 'tools/call', params: { name: 'delete_all' } },
    expect: { status: 403, bodyEquals: { jsonrpc: '2.0', id: null, error: { code: -32003, message: 'this tool may not be called' } } },
  },
  {
    name: 'deny-list: a "method" that is not a string is refused (400)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: { jsonrpc: '2.0', id: 9, method: ['tools/call'], params: { name: 'delete_all' } },
    expect: { status: 400, body: { id: null, error: { code: -32600 } } },
  },
  {
    name: 'deny-list: a "jsonrpc" other than "2.0" is refused (400)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: { ...callOf(10, 'delete_all'), jsonrpc: '1.0' },
    expect: { status: 400, body: { id: null, error: { code: -32600 } } },
  },
  {
    name: 'deny-list: a tool name hidden in a __proto__ member (read by the SDK through the prototype) is refused (400)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    rawBody: '{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"__proto__":{"name":"delete_all"}}}',
    // Fastify's JSON parser refuses prototype poisoning itself; Express and Koa hand the member on, the core refuses.
    expect: { status: 400 },
  },
  {
    name: 'deny-list: duplicate members count as JSON.parse reads them (the last one): 403',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    rawBody: '{"jsonrpc":"2.0","id":12,"method":"ping","method":"tools/call","params":{"name":"get_ticket_price","name":"delete_all"}}',
    expect: { status: 403, body: { id: 12, error: { code: -32003 } } },
  },
  {
    name: 'deny-list: Content-Type variants the MCP SDK accepts are classified (403)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    headers: { 'Content-Type': 'Application/JSON; charset=utf-8' },
    rawBody: JSON.stringify(callOf(13, 'delete_all')),
    expect: { status: 403, body: { id: 13, error: { code: -32003 } } },
  },
  {
    name: 'deny-list: a JSON body handed on as raw text is parsed and classified (403)',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    bodyParser: 'text',
    body: callOf(14, 'delete_all'),
    expect: { status: 403, body: { id: 14, error: { code: -32003 } } },
  },
  {
    name: 'deny-list: a JSON body no body parser read is refused (500, logged), never passed unread',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    bodyParser: 'none',
    body: callOf(15, 'delete_all'),
    expect: { status: 500, body: { error: 'server_error' }, reason: 'body_not_parsed' },
  },
  {
    name: 'deny-list: an id-less error response alone is a response (allowed), described in request.mcp',
    entrypoint: 'authz/echo',
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: ID_LESS_ERROR,
    expect: { status: 200, inspect: ({ result }) => expect(result!.input.request.mcp).toEqual({ type: 'response' }) },
  },
  {
    name: 'deny-list: an empty array carries no message: not JSON-RPC, allowed',
    entrypoint: DENYLIST,
    method: 'POST',
    path: '/api/mcp',
    authorization: bearer((f) => token(f)),
    body: [],
    expect: { status: 200, body: { route: 'api' } },
  },

  // ---------------------------------------------------------------- getToken, isRevoked, includeBody
  {
    name: 'getToken: the token is read from the session cookie',
    appOptions: 'cookie token',
    method: 'GET',
    path: '/api/orders',
    sessionCookie: (f) => token(f),
    expect: { status: 200, body: { route: 'api', sub: 'alice' }, decisionIdHeader: true },
  },
  {
    name: 'getToken: with a getter, a token in the Authorization header is no token (401, bare challenge)',
    appOptions: 'cookie token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f)),
    expect: { status: 401, challenge: 'bare' },
  },
  {
    name: 'getToken: a cookie that holds no valid token is 401 invalid_token',
    appOptions: 'cookie token',
    method: 'GET',
    path: '/api/orders',
    sessionCookie: async (f) => withForeignSignature(await token(f), await token(f, { key: f.stranger })),
    expect: { status: 401, challenge: 'invalid_token', reason: 'signature' },
  },
  {
    name: 'isRevoked: a deny-listed jti is 401 invalid_token, reason revoked',
    appOptions: 'jti deny-list',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { claims: { jti: REVOKED_JTI } })),
    expect: {
      status: 401,
      challenge: 'invalid_token',
      reason: 'revoked',
      body: { error: 'invalid_token', error_description: 'the token has been revoked' },
    },
  },
  {
    name: 'isRevoked: any other jti is decided by the policy',
    appOptions: 'jti deny-list',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { claims: { jti: 'fine-jti-1' } })),
    expect: { status: 200, body: { sub: 'alice' } },
  },
  {
    name: 'includeBody: the parsed JSON body is input.request.http.body',
    appOptions: 'body in input',
    entrypoint: 'authz/echo',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f)),
    body: { item: 'book', quantity: 2, tags: ['a', 'b'] },
    expect: {
      status: 200,
      inspect: ({ result }) =>
        expect((result!.input.request.http as { body?: unknown }).body).toEqual({ item: 'book', quantity: 2, tags: ['a', 'b'] }),
    },
  },
  {
    name: 'includeBody: a body over maxBodySize is refused with 413 before the policy runs',
    appOptions: 'body in input',
    entrypoint: 'authz/echo',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f)),
    body: { text: 'x'.repeat(300) },
    expect: { status: 413, body: { error: 'invalid_request' }, reason: 'body_too_large' },
  },
  {
    name: 'includeBody: without it the body stays out of the input',
    entrypoint: 'authz/echo',
    method: 'POST',
    path: '/api/orders',
    authorization: bearer((f) => token(f)),
    body: { item: 'book' },
    expect: { status: 200, inspect: ({ result }) => expect(result!.input.request.http).not.toHaveProperty('body') },
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
    form: {
      grant_type: 'client_credentials',
      client_id: 'agent-1',
      client_secret: 'hunter2-client-secret',
      scope: 'orders:read orders:write',
    },
    expect: {
      status: 200,
      inspect: ({ result }) => {
        expect(result!.input.request.oauth).toEqual({
          grant_type: 'client_credentials',
          client_id: 'agent-1',
          scope: 'orders:read orders:write',
          scopes: 'orders:read orders:write',
        });
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

  ...routingScenarios(),
  ...untrustedKeyScenarios(),
];

/**
 * The policy must see the path the framework routes on. The policy keeps readers out of `/admin…` (a lower-case
 * rule): no spelling of a target may get a reader to the admin handler. Statuses differ where a router sends a
 * request nowhere (404) that another routes to `/admin`; a reader never gets a 200 from `route: 'admin'`. The
 * Express and Koa apps' middleware runs before routing and Fastify runs its hooks for unmatched requests too, so
 * many requests that route nowhere are decided by the policy first (403) rather than answered 404.
 */
function routingScenarios(): Scenario[] {
  type Row = [target: string, status: number, on?: Partial<Record<HarnessName, number>>, why?: string];
  const fastify404: Partial<Record<HarnessName, number>> = { fastify: 404 };
  const rows: Row[] = [
    ['/admin', 403],
    ['/ADMIN', 403, fastify404, 'Express and @koa/router ignore case by default (Fastify does not route it)'],
    ['/aDmIn', 403, fastify404],
    ['/Admin/settings', 403, fastify404],
    ['/ADMIN/', 403, fastify404, 'a trailing slash is ignored by Express and @koa/router by default'],
    ['/admin/', 403, undefined, 'Fastify: no route, but its 404 handler runs the hooks too, and /admin/ is under /admin'],
    ['/%61dmin', 403, undefined, 'Fastify decodes before routing; Express and Koa do not route it but the policy still sees /admin'],
    ['/%61dmin/settings', 403],
    ['/adm%69n', 403],
    ['/admin;x=1', 403, undefined, 'no router ends the path at ";" by default: the policy sees /admin;x=1'],
    ['//admin', 404, undefined, 'no router merges slashes by default: it routes nowhere'],
    ['http://127.0.0.1:{port}/admin', 403, undefined, 'absolute-form (RFC 9112 §3.2.2) is routed on its path'],
    ['http://evil.example/admin/settings', 403],
    ['HTTPS://x/admin?y=1', 403],
    ['/api/../admin', 400, undefined, 'dot segments are refused: no router resolves them'],
    ['/api/%2e%2e/admin', 400],
    ['/api/%2E%2E/admin', 400],
    ['/api/./orders', 400],
    ['/admin/../api/orders', 400],
    ['/api/x\\y', 400, undefined, 'characters a path may not hold raw are refused'],
    ['/api/x%zz', 400, undefined, 'a malformed percent-escape is refused (by Fastify itself before any hook)'],
    ['ftp://x/admin', 400, undefined, 'absolute-form other than http(s) is refused'],
  ];
  const scenarios: Scenario[] = rows.map(([target, status, on, why]) => ({
    name: `routing: a reader's GET ${target}: ${status}${why ? ` (${why})` : ''}`,
    method: 'GET',
    path: target,
    raw: true,
    authorization: reader,
    expect: { status, ...(status === 400 ? { body: { error: 'invalid_request' } } : {}) },
    expectOn: target.includes('%zz')
      ? { fastify: { status: 400, body: undefined } } // Fastify's own answer
      : on && Object.fromEntries(Object.entries(on).map(([name, code]) => [name, { status: code, body: undefined }])),
  }));
  scenarios.push(
    {
      name: 'routing: an admin reaches /admin through /ADMIN where the router ignores case, and through absolute-form',
      method: 'GET',
      path: '/ADMIN',
      raw: true,
      authorization: admin,
      expect: { status: 200, body: { route: 'admin', sub: 'alice' } },
      expectOn: { fastify: { status: 404, body: undefined } },
    },
    {
      name: 'routing: absolute-form with another host reaches the handler of its path (for an admin)',
      method: 'GET',
      path: 'http://evil.example/admin/settings',
      raw: true,
      authorization: admin,
      expect: { status: 200, body: { route: 'admin' } },
    },
    {
      name: 'routing, case-sensitive app: /ADMIN routes nowhere; /admin is still denied to a reader',
      caseSensitive: true,
      method: 'GET',
      path: '/ADMIN',
      raw: true,
      authorization: reader,
      // The policy sees /ADMIN (the app routes case-sensitively) and lets the reader through to... no route.
      expect: { status: 404 },
    },
    {
      name: 'routing, case-sensitive app: /admin is denied to a reader',
      caseSensitive: true,
      method: 'GET',
      path: '/admin',
      raw: true,
      authorization: reader,
      expect: { status: 403 },
    },
    {
      name: 'routing, case-insensitive app (Fastify too): /Admin/settings is denied to a reader',
      caseSensitive: false,
      method: 'GET',
      path: '/Admin/settings',
      raw: true,
      authorization: reader,
      expect: { status: 403 },
    },
    {
      name: 'routing, case-insensitive app (Fastify too): an admin reaches /ADMIN',
      caseSensitive: false,
      method: 'GET',
      path: '/ADMIN',
      raw: true,
      authorization: admin,
      expect: { status: 200, body: { route: 'admin' } },
    },
    {
      name: 'input: path is the canonical path, raw_target the target as received, route the matched pattern',
      entrypoint: 'authz/echo',
      method: 'GET',
      path: '/items/Ab%43?x=1',
      raw: true,
      authorization: admin,
      expect: {
        status: 200,
        inspect: ({ route, result }) => {
          expect(route).toBe('items');
          const { http } = result!.input.request;
          expect(http_(http)).toEqual({ path: '/items/abc', raw_target: '/items/Ab%43?x=1', route: '/items/:id', query: { x: ['1'] } });
          expect(result!.input.path).toBe(http.path);
        },
      },
      expectOn: {
        fastify: {
          inspect: ({ result }) => {
            expect(http_(result!.input.request.http)).toEqual({
              path: '/items/AbC',
              raw_target: '/items/Ab%43?x=1',
              route: '/items/:id',
              query: { x: ['1'] },
            });
          },
        },
      },
    },
    {
      name: 'input: an absolute-form target gives the policy its path and query; raw_target keeps the URL',
      entrypoint: 'authz/echo',
      method: 'GET',
      path: 'http://evil.example/api/Orders?expand=1',
      raw: true,
      authorization: admin,
      expect: {
        status: 200,
        inspect: ({ result }) => {
          // No route on Express and Koa: the middleware runs on the app, before any route is chosen.
          expect(http_(result!.input.request.http)).toEqual({
            path: '/api/orders',
            raw_target: 'http://evil.example/api/Orders?expand=1',
            query: { expand: ['1'] },
          });
        },
      },
      expectOn: {
        fastify: {
          inspect: ({ result }) => {
            expect(http_(result!.input.request.http)).toEqual({
              path: '/api/Orders',
              raw_target: 'http://evil.example/api/Orders?expand=1',
              route: '/api/*',
              query: { expand: ['1'] },
            });
          },
        },
      },
    },
  );
  return scenarios;
}

/** The routing-related members of `request.http`. */
function http_(http: EchoedInput['request']['http']) {
  const { path: canonical, raw_target, route, query } = http;
  return route === undefined ? { path: canonical, raw_target, query } : { path: canonical, raw_target, route, query };
}

/** Keys a client chooses (query parameters, header names) are data, whatever their name; deep JSON is a 4xx. */
function untrustedKeyScenarios(): Scenario[] {
  const query = '?constructor=1&__proto__=2&toString=3&hasOwnProperty=4&valueOf=5&constructor=6';
  return [
    {
      name: 'a token whose claims nest deeper than the policy can read: 401 invalid_token, no error log',
      method: 'GET',
      path: '/api/orders',
      authorization: bearer((f) => token(f, { claims: { deep: nested(300) } })),
      expect: { status: 401, challenge: 'invalid_token', reason: 'nested_too_deep', noErrorLog: true },
    },
    {
      name: 'claims nested as deep as the limit allows are used as usual',
      method: 'GET',
      path: '/api/orders',
      authorization: bearer((f) => token(f, { claims: { deep: nested(250) } })),
      expect: { status: 200, body: { sub: 'alice' } },
    },
    {
      name: 'a JSON-RPC body nested deeper than the policy can read: 400 JSON-RPC invalid request, no error log',
      method: 'POST',
      path: '/api/mcp',
      authorization: bearer((f) => token(f)),
      body: { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'x', arguments: { a: nested(400) } } },
      expect: {
        status: 400,
        bodyEquals: {
          jsonrpc: '2.0',
          id: 5,
          error: { code: -32600, message: 'not a JSON-RPC 2.0 message this server accepts: nested more than 256 levels deep' },
        },
        noErrorLog: true,
      },
    },
    {
      name: 'a JSON-RPC body nested 2500 levels deep (more than the policy module reads): 400, no error log',
      method: 'POST',
      path: '/api/mcp',
      authorization: bearer((f) => token(f)),
      body: { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'x', arguments: { a: nested(2_500) } } },
      expect: { status: 400, body: { id: 6, error: { code: -32600 } }, noErrorLog: true },
    },
    {
      name: 'query parameters named like Object.prototype members: allowed as usual (not a 500)',
      method: 'GET',
      path: `/api/orders${query}`,
      authorization: reader,
      expect: { status: 200, body: { route: 'api', sub: 'rita' } },
    },
    {
      name: 'input: query parameters and headers named like Object.prototype members are ordinary members',
      entrypoint: 'authz/echo',
      method: 'GET',
      path: `/api/orders${query}`,
      raw: true,
      headers: { constructor: 'c', ['__proto__']: 'p', Hasownproperty: 'h' },
      authorization: admin,
      expect: {
        status: 200,
        inspect: ({ result }) => {
          const { query: q, headers } = result!.input.request.http;
          expect(JSON.parse(JSON.stringify(q))).toEqual(
            JSON.parse('{"constructor":["1","6"],"__proto__":["2"],"toString":["3"],"hasOwnProperty":["4"],"valueOf":["5"]}'),
          );
          expect(headers).toMatchObject({ Constructor: 'c', Hasownproperty: 'h' });
        },
      },
    },
  ];
}
