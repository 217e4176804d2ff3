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
  };
  // Left out unless a scenario needs it, so that the default (authRequired: true) is what most scenarios run with.
  if (overrides.authRequired !== undefined) options.authRequired = overrides.authRequired;
  return options;
}

/** Header carrying the decision id on every decided answer. */
export const DECISION_ID_HEADER = 'x-decision-id';

export interface Expectation {
  status: number;
  /** `bare`: a `Bearer` challenge without error attributes (RFC 6750 §3.1: no credentials were sent). */
  challenge?: 'bare' | 'invalid_token' | 'invalid_request' | 'insufficient_scope';
  /** Properties the JSON body must have (toMatchObject). */
  body?: Record<string, unknown>;
  /** The response must not mention this text (e.g. the policy's internal message). */
  bodyExcludes?: string;
  decisionIdHeader?: boolean;
}

export interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** The Authorization header value to send, if any. */
  authorization?: (fixtures: Fixtures) => Promise<string | undefined> | string | undefined;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
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
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'bad signature: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: async (f) => `Bearer ${withForeignSignature(await token(f), await token(f, { key: f.impostor }))}`,
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'signed by a key of the right kid but the wrong private key: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { key: f.impostor })),
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'unknown kid: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { key: f.stranger })),
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'expired: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { expiresIn: -3600 })),
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'not yet valid (nbf in the future): 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { notBefore: 3600 })),
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'wrong issuer: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { issuer: 'https://evil.test' })),
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'wrong audience: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    authorization: bearer((f) => token(f, { audience: 'https://other.test' })),
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'alg none: 401 invalid_token',
    method: 'POST',
    path: '/api/orders',
    authorization: () => `Bearer ${unsignedToken()}`,
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'HS256 signed with the RSA public key (key confusion): 401 invalid_token',
    method: 'POST',
    path: '/api/orders',
    authorization: (f) => `Bearer ${hs256WithPublicKey(f)}`,
    expect: { status: 401, challenge: 'invalid_token' },
  },
  {
    name: 'oversized token: 401 invalid_token',
    method: 'GET',
    path: '/api/orders',
    // ~11 KB once base64url-encoded: above the core's 8 KB token size limit, below Node's 16 KB header limit.
    authorization: bearer((f) => token(f, { claims: { padding: 'x'.repeat(8_000) } })),
    expect: { status: 401, challenge: 'invalid_token' },
  },

  // ---------------------------------------------------------------- 400
  {
    name: 'a token in the header and in the query: 400 invalid_request',
    method: 'GET',
    path: '/api/orders?access_token=abc.def.ghi',
    authorization: bearer((f) => token(f)),
    expect: { status: 400, challenge: 'invalid_request' },
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
      bodyExcludes: 'caller lacks the admin role',
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
    expect: { status: 401, challenge: 'bare', body: { error_description: 'admins only: ask support@example.com' }, bodyExcludes: 'caller lacks the admin role' },
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
    name: 'evaluation error (conflicting rule values): 500, fail closed',
    method: 'GET',
    path: '/api/explode',
    authorization: bearer((f) => token(f)),
    expect: { status: 500 },
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
