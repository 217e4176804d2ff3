/**
 * The authorizer end to end, without a framework: real keys and JWKS on 127.0.0.1, Rego compiled by @opa-jwt/rego
 * and run by the stock OPA Wasm SDK. Decision mapping, AuthResult, the input the policy sees, the decision log,
 * refusal logging, the input hook, data, per-route entrypoints.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CoreRequest, Outcome } from '../src/contract';
import { createAuthorizer, OpaJwtAuthorizer } from '../src/authorizer';
import { InsufficientScopeError, PolicyEvaluationError } from '../src/errors';
import type { DecisionLogEntry } from '../src/decision-log';
import type { PolicyInput } from '../src/input';
import type { AuthorizerOptions } from '../src/options';
import { AUDIENCE, makeKey, recordingLogger, startIssuer, type TestIssuer } from '../../../test/support/issuer';

const POLICY = `package app

import rego.v1

claims := input.jwt.payload

# boolean entrypoint
default allow := false

allow if "admin" in claims.roles

# the seed's object
default decision := {"allowed": false, "external_message": "admins only", "internal_message": "no admin role in token"}

decision := {"allowed": true, "internal_message": "admin"} if allow

decision := {"allowed": true} if {
	input.method == "GET"
	input.path == "/open"
	not input.jwt
}

# values that are neither true nor {allowed: true}: all deny
number := 1

text := "allow"

allowed_string := {"allowed": "true"}

# undefined: no default, no matching rule
never if false

conflict := 1 if input.path == "/boom"

conflict := 2 if input.path == "/boom"

# reads what the core put in the input
echo := {
	"ua": input.request.http.headers["User-Agent"],
	"ct": input.request.http.headers["Content-Type"],
	"host": input.request.http.host,
	"query": input.request.http.query,
	"ip": input.source.ip,
	"kid": input.jwt.header.kid,
	"sub": claims.sub,
	"tenant": input.tenant,
	"limit": data.limits.max,
	"region": data.region,
}

echo_decision := {"allowed": true, "echo": echo}

always := true

# token requests: what the OAuth layer put in the input
oauth_echo := {"allowed": true, "oauth": input.request.oauth}

# a careless policy that copies credentials into its answer
leaky := {"allowed": true, "seen": input.request.http.headers.Authorization, "cookies": [input.request.http.headers.Cookie], "note": "kept"}
`;

let issuer: TestIssuer;
let dir: string;
let policyFile: string;

beforeAll(async () => {
  issuer = await startIssuer();
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-core-authorizer-'));
  policyFile = path.join(dir, 'app.rego');
  writeFileSync(policyFile, POLICY);
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function authorizerWith(options: Partial<AuthorizerOptions> = {}) {
  const { logger, records } = recordingLogger();
  const decisions: DecisionLogEntry[] = [];
  const authorizer = createAuthorizer({
    policy: policyFile,
    entrypoint: 'app/decision',
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger,
    onDecision: (entry) => {
      decisions.push(entry);
    },
    ...options,
  });
  await authorizer.ready();
  return { authorizer, records, decisions };
}

function get(url: string, token?: string, headers: Record<string, string> = {}): CoreRequest {
  return {
    method: 'GET',
    url,
    headers: { host: 'api.test', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ip: '::ffff:10.1.2.3',
  };
}

function respond(outcome: Outcome) {
  if (outcome.type !== 'respond') throw new Error(`expected a response, got allow`);
  return outcome;
}

test('close() ends what the start-up began: a key fetch still under way is waited for, and nothing is logged after', async () => {
  const { logger, records } = recordingLogger();
  let answered = false;
  issuer.routes.set('/slow-jwks', (_req, res) => {
    setTimeout(() => {
      answered = true;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [issuer.rsa.publicJwk] }));
    }, 200);
  });
  const authorizer = createAuthorizer({
    policy: policyFile,
    entrypoint: 'app/decision',
    issuer: issuer.issuer,
    jwksUri: `${issuer.jwksUri.replace('/jwks.json', '')}/slow-jwks`,
    audience: AUDIENCE,
    logger,
  });
  await authorizer.close(); // right away: the key fetch has not been answered yet
  expect(answered).toBe(true);
  const logged = records.length;
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(records.slice(logged)).toEqual([]);
  expect(records.filter((record) => record.level === 'error' || record.level === 'warn')).toEqual([]);
});

describe('decision mapping', () => {
  test('allowed: AuthResult carries token, verified header and payload, and the decision', async () => {
    const { authorizer } = await authorizerWith();
    const token = await issuer.sign({ claims: { roles: ['admin'] } });
    const outcome = await authorizer.authorize(get('/orders', token));
    expect(outcome.type).toBe('allow');
    if (outcome.type !== 'allow') return;
    expect(outcome.auth.token).toBe(token);
    expect(outcome.auth.header).toMatchObject({ alg: 'RS256', kid: 'rsa-1' });
    expect(outcome.auth.payload).toMatchObject({ sub: 'alice', roles: ['admin'] });
    expect(outcome.auth.decision).toMatchObject({
      allowed: true,
      result: { allowed: true, internal_message: 'admin' },
      internalMessage: 'admin',
    });
    expect(outcome.headers['X-Decision-Id']).toBe(outcome.auth.decision.decisionId);
  });

  test('denied with a token: 403 with external_message; internal_message only in the log', async () => {
    const { authorizer, decisions } = await authorizerWith();
    const outcome = respond(await authorizer.authorize(get('/orders', await issuer.sign({ claims: { roles: ['reader'] } }))));
    expect(outcome.status).toBe(403);
    expect(outcome.body).toEqual({ error: 'insufficient_scope', error_description: 'admins only' });
    expect(outcome.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="insufficient_scope", error_description="admins only"');
    expect(JSON.stringify(outcome)).not.toContain('no admin role');
    expect(decisions.at(-1)?.result).toMatchObject({ internal_message: 'no admin role in token' });
    expect(outcome.headers['X-Decision-Id']).toBe(decisions.at(-1)?.decision_id);
  });

  test('boolean entrypoint: true allows, false is a 403', async () => {
    const { authorizer } = await authorizerWith({ entrypoint: 'app/allow' });
    expect((await authorizer.authorize(get('/', await issuer.sign({ claims: { roles: ['admin'] } })))).type).toBe('allow');
    expect(respond(await authorizer.authorize(get('/', await issuer.sign()))).status).toBe(403);
  });

  test.each(['app/number', 'app/text', 'app/allowed_string', 'app/never'])(
    '%s (not true, not {allowed: true}, or undefined) denies',
    async (entrypoint) => {
      const { authorizer } = await authorizerWith({ entrypoint });
      const outcome = respond(await authorizer.authorize(get('/', await issuer.sign({ claims: { roles: ['admin'] } }))));
      expect(outcome.status).toBe(403);
    },
  );

  test('authRequired (default): no token is a 401 before the policy runs', async () => {
    const { authorizer, decisions } = await authorizerWith();
    const outcome = respond(await authorizer.authorize(get('/open')));
    expect(outcome.status).toBe(401);
    expect(outcome.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    expect(decisions).toHaveLength(0);
  });

  test('authRequired false: the policy decides anonymous requests; a denial is a 401 (a token could help)', async () => {
    const { authorizer } = await authorizerWith({ authRequired: false });
    const open = await authorizer.authorize(get('/open'));
    expect(open.type).toBe('allow');
    // No token: no header, and claims that are an empty object, so `auth.payload.sub` reads undefined, never throws.
    if (open.type === 'allow') expect(open.auth).toEqual({ payload: {}, decision: expect.objectContaining({ allowed: true }) });
    const closed = respond(await authorizer.authorize(get('/orders')));
    expect(closed.status).toBe(401);
    expect(closed.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    expect(closed.body).toEqual({ error: 'unauthorized', error_description: 'admins only' });
  });

  test('evaluation error: 500 with a generic body, the cause logged, the decision logged with its error', async () => {
    const { authorizer, records, decisions } = await authorizerWith({ entrypoint: 'app/conflict' });
    const outcome = respond(await authorizer.authorize(get('/boom', await issuer.sign())));
    expect(outcome.status).toBe(500);
    expect(outcome.body).toEqual({ error: 'server_error', error_description: 'the authorization decision could not be made' });
    expect(records.find((r) => r.level === 'error')?.fields.error).toMatch(/conflict/);
    expect(decisions.at(-1)?.error?.message).toMatch(/conflict/);
  });

  test('per-route entrypoint override; an entrypoint the policy lacks is a 500 (fail closed)', async () => {
    const { authorizer } = await authorizerWith();
    const token = await issuer.sign();
    expect(respond(await authorizer.authorize(get('/', token))).status).toBe(403);
    expect((await authorizer.authorize(get('/', token), { entrypoint: 'app/always' })).type).toBe('allow');
    expect((await authorizer.authorize(get('/', token), { entrypoint: 'data.app.always' })).type).toBe('allow');
    expect(respond(await authorizer.authorize(get('/', token), { entrypoint: 'app/missing' })).status).toBe(500);
  });

  test('a bad token is refused before the policy; the reason is logged, never the token', async () => {
    const { authorizer, records, decisions } = await authorizerWith();
    const token = await issuer.sign({ expiresIn: -60 });
    const outcome = respond(await authorizer.authorize(get('/', token)));
    expect(outcome.status).toBe(401);
    expect(outcome.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="the token has expired"',
    );
    expect(decisions).toHaveLength(0);
    const refusal = records.find((r) => /refused/.test(r.message ?? ''));
    expect(refusal?.fields).toMatchObject({ reason: 'expired', path: '/', ip: '10.1.2.3' });
    expect(JSON.stringify(records)).not.toContain(token);
    expect(JSON.stringify(records)).not.toContain(token.split('.')[2]);
  });

  test('two token methods: 400 invalid_request', async () => {
    const { authorizer } = await authorizerWith();
    const token = await issuer.sign();
    const outcome = respond(await authorizer.authorize(get(`/?access_token=${token}`, token)));
    expect(outcome.status).toBe(400);
    expect(outcome.headers['WWW-Authenticate']).toMatch(/error="invalid_request"/);
  });

  test('RFC 9728 metadata is served before authentication, and 401s point to it', async () => {
    const { authorizer } = await authorizerWith({ audience: undefined, resourceMetadata: { resource: 'https://api.example.com/mcp' } });
    const metadata = respond(await authorizer.authorize(get('/.well-known/oauth-protected-resource/mcp')));
    expect(metadata.status).toBe(200);
    expect(metadata.body).toMatchObject({ resource: 'https://api.example.com/mcp', authorization_servers: [issuer.issuer] });
    const refused = respond(await authorizer.authorize(get('/')));
    expect(refused.headers['WWW-Authenticate']).toBe(
      'Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp", realm="api"',
    );
    // The resource identifier is the audience (RFC 8707): a token for AUDIENCE is not for this resource.
    expect(respond(await authorizer.authorize(get('/', await issuer.sign()))).status).toBe(401);
    expect(
      (await authorizer.authorize(get('/', await issuer.sign({ audience: 'https://api.example.com/mcp' })), { entrypoint: 'app/always' }))
        .type,
    ).toBe('allow');
  });
});

describe("onRefusal: 'error'", () => {
  test('a refusal carries its error with the response headers and the client-safe decision; allowed requests carry none', async () => {
    const { authorizer } = await authorizerWith({ onRefusal: 'error' });
    const denied = respond(await authorizer.authorize(get('/orders', await issuer.sign({ claims: { roles: ['reader'] } }))));
    expect(denied.error).toBeInstanceOf(InsufficientScopeError);
    expect(denied.error).toMatchObject({ status: 403, statusCode: 403, expose: true, headers: denied.headers });
    expect(denied.error!.decision).toEqual({ allowed: false, decisionId: denied.headers['X-Decision-Id'], externalMessage: 'admins only' });
    expect(JSON.stringify(denied.error) + JSON.stringify(Object.getOwnPropertyDescriptors(denied.error))).not.toContain('no admin role');
    expect((await authorizer.authorize(get('/orders', await issuer.sign({ claims: { roles: ['admin'] } })))).type).toBe('allow');
  });

  test('a 500 is not exposed; the default (respond) carries no error', async () => {
    const { authorizer } = await authorizerWith({ onRefusal: 'error', entrypoint: 'app/conflict', logger: recordingLogger().logger });
    const failed = respond(await authorizer.authorize(get('/boom', await issuer.sign())));
    expect(failed.error).toBeInstanceOf(PolicyEvaluationError);
    expect(failed.error).toMatchObject({ status: 500, statusCode: 500, expose: false });
    const { authorizer: responding } = await authorizerWith({});
    expect(respond(await responding.authorize(get('/orders'))).error).toBeUndefined();
  });

  test('protocol-shaped refusals (a JSON-RPC denial, a 413) stay answered by opa-jwt', async () => {
    const { authorizer } = await authorizerWith({ onRefusal: 'error', maxBodySize: 256 });
    const token = await issuer.sign({ claims: { roles: ['reader'] } });
    const post = (body: unknown): CoreRequest => ({
      method: 'POST',
      url: '/mcp',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    const rpc = respond(
      await authorizer.authorize(post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'x', arguments: {} } })),
    );
    expect(rpc.status).toBe(403);
    expect(rpc.body).toMatchObject({ jsonrpc: '2.0', id: 3, error: { message: 'admins only' } });
    expect(rpc.error).toBeUndefined();
    const large = respond(
      await authorizer.authorize(
        post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'x', arguments: { blob: 'y'.repeat(300) } } }),
      ),
    );
    expect(large.status).toBe(413);
    expect(large.error).toBeUndefined();
  });
});

describe('isRevoked', () => {
  test('a failing hook fails closed (500, logged); an answer other than false counts as revoked', async () => {
    const failing = await authorizerWith({ isRevoked: () => Promise.reject(new Error('deny-list store down')) });
    const token = await issuer.sign({ claims: { roles: ['admin'] } });
    expect(respond(await failing.authorizer.authorize(get('/orders', token))).status).toBe(500);
    expect(failing.records.find((r) => r.level === 'error')?.fields).toMatchObject({ cause: 'deny-list store down' });
    const odd = await authorizerWith({ isRevoked: (() => 'no') as unknown as () => boolean });
    const refused = respond(await odd.authorizer.authorize(get('/orders', token)));
    expect(refused.status).toBe(401);
    expect(refused.headers['WWW-Authenticate']).toMatch(/error="invalid_token"/);
    const tokenCacheOff = await authorizerWith({ isRevoked: () => false, tokenCacheSize: 0 });
    expect((await tokenCacheOff.authorizer.authorize(get('/orders', token))).type).toBe('allow');
  });
});

describe('the input the policy sees', () => {
  test("canonical headers, host, query, source ip, the verified token, the hook's additions, data", async () => {
    const { authorizer } = await authorizerWith({
      entrypoint: 'app/echo_decision',
      data: { limits: { max: 3 }, region: 'eu' },
      input: async (input, { token }) => ({ ...input, tenant: `tenant-of-${String(token?.payload.sub)}` }),
    });
    const outcome = await authorizer.authorize(
      get('/orders?page=2&page=3', await issuer.sign(), { 'user-agent': 'curl/8', 'content-type': 'application/json' }),
    );
    if (outcome.type !== 'allow') throw new Error(`denied: ${JSON.stringify(outcome)}`);
    expect((outcome.auth.decision.result as { echo: unknown }).echo).toEqual({
      ua: 'curl/8',
      ct: 'application/json',
      host: 'api.test',
      query: { page: ['2', '3'] },
      ip: '10.1.2.3',
      kid: 'rsa-1',
      sub: 'alice',
      tenant: 'tenant-of-alice',
      limit: 3,
      region: 'eu',
    });
  });

  test('a failing input hook fails closed (500)', async () => {
    const { authorizer, records } = await authorizerWith({
      input: () => {
        throw new Error('risk service down');
      },
    });
    expect(respond(await authorizer.authorize(get('/', await issuer.sign()))).status).toBe(500);
    expect(records.some((r) => r.level === 'error' && r.fields.error === 'risk service down')).toBe(true);
  });
});

describe('decision log', () => {
  test("one entry per decision in OPA's shape, credentials redacted, id matching the response header", async () => {
    const { authorizer, decisions, records } = await authorizerWith();
    const token = await issuer.sign({ claims: { roles: ['admin'] } });
    const outcome = await authorizer.authorize(get('/orders?access_token_hint=1', token, { cookie: 'session=s3cr3t' }));
    expect(decisions).toHaveLength(1);
    const [entry] = decisions;
    expect(entry).toMatchObject({
      path: 'app/decision',
      result: { allowed: true },
      requested_by: '10.1.2.3',
      labels: { app: 'opa-jwt' },
      input: {
        request: { http: { method: 'GET', path: '/orders', headers: { Authorization: 'Bearer [REDACTED]', Cookie: '[REDACTED]' } } },
        jwt: { payload: { sub: 'alice' } },
      },
    });
    expect(entry.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.type === 'allow' && outcome.headers['X-Decision-Id']).toBe(entry.decision_id);
    expect(new Date(entry.timestamp).getTime()).toBeGreaterThan(Date.now() - 60_000);
    for (const timer of ['timer_token_verify_ns', 'timer_rego_input_parse_ns', 'timer_rego_query_eval_ns', 'timer_server_handler_ns']) {
      expect(entry.metrics[timer]).toBeGreaterThan(0);
    }
    // The phases follow one another within the whole.
    const { timer_token_verify_ns: verify, timer_rego_input_parse_ns: making, timer_rego_query_eval_ns: evaluating } = entry.metrics;
    expect(verify + making + evaluating).toBeLessThanOrEqual(entry.metrics.timer_server_handler_ns);
    expect(entry.masked).toEqual(
      expect.arrayContaining(['/input/request/http/headers/Authorization', '/input/request/http/headers/Cookie']),
    );
    const logged = JSON.stringify([entry, records]);
    expect(logged).not.toContain(token.split('.')[2]);
    expect(logged).not.toContain('s3cr3t');
    // The logger received the same entry.
    expect(records.find((r) => r.message === 'Decision Log')?.fields).toEqual(entry);
  });

  test('a throwing onDecision is logged and does not change the answer', async () => {
    const { authorizer, records } = await authorizerWith({
      onDecision: () => {
        throw new Error('sink full');
      },
    });
    expect((await authorizer.authorize(get('/', await issuer.sign({ claims: { roles: ['admin'] } })))).type).toBe('allow');
    expect(records.some((r) => r.level === 'warn' && r.fields.error === 'sink full')).toBe(true);
  });

  test('decisionIdHeader: false omits the header', async () => {
    const { authorizer } = await authorizerWith({ decisionIdHeader: false });
    const outcome = await authorizer.authorize(get('/', await issuer.sign({ claims: { roles: ['admin'] } })));
    expect(outcome.headers).toEqual({});
  });
});

describe('credentials never reach a log', () => {
  const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
  const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
  const tokenRequest = (form: Record<string, string>): CoreRequest => ({
    method: 'POST',
    url: '/token',
    headers: { host: 'as.test', 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    ip: '10.0.0.9',
  });
  /** The token and its signature: either one in a log would be a leak. */
  const secretsOf = (token: string) => [token, token.split('.')[2]];

  test('token exchange: subject and actor tokens are verified, only their claims reach the policy, the raw tokens reach no log', async () => {
    const { authorizer, records, decisions } = await authorizerWith({ entrypoint: 'app/oauth_echo', authRequired: false });
    const subject = await issuer.sign({ claims: { sub: 'alice', scope: 'api:read api:write' } });
    const actor = await issuer.sign({ key: issuer.ec, claims: { sub: 'agent-7', scope: 'openid' } });
    const outcome = await authorizer.authorize(
      tokenRequest({
        grant_type: TOKEN_EXCHANGE,
        client_id: 'agent-7',
        scope: 'api:read',
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        actor_token: actor,
        actor_token_type: ACCESS_TOKEN,
      }),
    );
    if (outcome.type !== 'allow') throw new Error(`denied: ${JSON.stringify(outcome)}`);
    expect(outcome.auth.decision.result).toMatchObject({
      oauth: {
        grant_type: TOKEN_EXCHANGE,
        client_id: 'agent-7',
        scope: 'api:read',
        scopes: 'api:read',
        subject_token: { claims: { sub: 'alice', scope: 'api:read api:write' } },
        actor_token: { claims: { sub: 'agent-7', scope: 'openid' } },
      },
    });
    expect(decisions).toHaveLength(1);
    const everything = JSON.stringify([records, decisions, outcome]);
    for (const secret of [...secretsOf(subject), ...secretsOf(actor)]) expect(everything).not.toContain(secret);
  });

  test('an unverifiable subject token is a 400 invalid_grant, logged with its reason, never with the token', async () => {
    const { authorizer, records, decisions } = await authorizerWith({ entrypoint: 'app/oauth_echo', authRequired: false });
    const forged = await issuer.sign({ key: await makeKey('rsa-1', 'RS256'), claims: { sub: 'mallory', scope: 'admin' } });
    const outcome = respond(
      await authorizer.authorize(
        tokenRequest({ grant_type: TOKEN_EXCHANGE, subject_token: forged, subject_token_type: ACCESS_TOKEN, scope: 'admin' }),
      ),
    );
    expect(outcome.status).toBe(400);
    expect(outcome.body).toEqual({
      error: 'invalid_grant',
      error_description: 'subject_token could not be verified: the token signature is invalid',
    });
    expect(decisions).toHaveLength(0); // the policy never saw unverified claims
    expect(records.find((r) => r.message === 'opa-jwt: token-exchange token refused')?.fields).toMatchObject({
      reason: 'signature',
      path: '/token',
    });
    const everything = JSON.stringify([records, outcome]);
    for (const secret of secretsOf(forged)) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('mallory');
  });

  test('a malformed token request (two token methods) is logged with its reason', async () => {
    const { authorizer, records } = await authorizerWith({ bearerMethods: ['header', 'query'] });
    const token = await issuer.sign();
    expect(respond(await authorizer.authorize(get(`/?access_token=${token}`, token))).status).toBe(400);
    expect(records.find((r) => /refused/.test(r.message ?? ''))?.fields).toMatchObject({ reason: 'invalid_request', path: '/' });
    for (const secret of secretsOf(token)) expect(JSON.stringify(records)).not.toContain(secret);
  });

  test('a body over maxBodySize is a 413 before the policy runs, logged with its reason', async () => {
    const { authorizer, records, decisions } = await authorizerWith({ maxBodySize: 256, entrypoint: 'app/always' });
    const token = await issuer.sign();
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { blob: 'y'.repeat(300) } } };
    const outcome = respond(
      await authorizer.authorize({
        method: 'POST',
        url: '/mcp',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: call,
      }),
    );
    expect(outcome.status).toBe(413);
    expect(decisions).toHaveLength(0);
    expect(records.find((r) => r.message === 'opa-jwt: request refused')?.fields).toMatchObject({
      reason: 'body_too_large',
      status: 413,
      path: '/mcp',
    });
    for (const secret of secretsOf(token)) expect(JSON.stringify(records)).not.toContain(secret);
  });

  test('a policy that copies credentials into its result: the decision log masks them there too', async () => {
    const { authorizer, records, decisions } = await authorizerWith({ entrypoint: 'app/leaky' });
    const token = await issuer.sign();
    const outcome = await authorizer.authorize(get('/', token, { cookie: 'session=cookie-secret-42; theme=dark' }));
    expect(outcome.type).toBe('allow');
    // The application still gets the policy's real answer...
    if (outcome.type === 'allow') expect(outcome.auth.decision.result).toMatchObject({ seen: `Bearer ${token}` });
    // ...the log does not.
    const [entry] = decisions;
    expect(entry.result).toEqual({ allowed: true, seen: '[REDACTED]', cookies: ['[REDACTED]'], note: 'kept' });
    expect(entry.masked).toEqual(expect.arrayContaining(['/result/seen', '/result/cookies/0']));
    const logged = JSON.stringify([records, decisions]);
    for (const secret of [...secretsOf(token), 'cookie-secret-42']) expect(logged).not.toContain(secret);
  });
});

describe('logging', () => {
  test('a pino logger with info disabled gets no decision log entries; onDecision still does', async () => {
    const { logger, records } = recordingLogger();
    const decisions: DecisionLogEntry[] = [];
    const quiet = { ...logger, isLevelEnabled: (level: string) => level === 'warn' || level === 'error' };
    const { authorizer } = await authorizerWith({ logger: quiet, onDecision: (entry) => void decisions.push(entry) });
    await authorizer.authorize(get('/', await issuer.sign({ claims: { roles: ['admin'] } })));
    expect(records.filter((r) => r.message === 'Decision Log')).toHaveLength(0);
    expect(decisions).toHaveLength(1);
    const loud = { ...logger, isLevelEnabled: () => true };
    const { authorizer: second } = await authorizerWith({ logger: loud });
    await second.authorize(get('/', await issuer.sign({ claims: { roles: ['admin'] } })));
    expect(records.filter((r) => r.message === 'Decision Log')).toHaveLength(1);
  });

  test('a start-up failure is logged once; every request is then a generic 500', async () => {
    const broken = path.join(dir, 'broken.rego');
    writeFileSync(broken, 'package app\n\nallow if {\n');
    const { logger, records } = recordingLogger();
    const authorizer = createAuthorizer({
      policy: broken,
      entrypoint: 'app/allow',
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      audience: AUDIENCE,
      logger,
    });
    await expect(authorizer.ready()).rejects.toThrow(/broken\.rego:\d+:\d+/);
    for (let i = 0; i < 3; i++) {
      const outcome = respond(await authorizer.authorize(get('/', await issuer.sign())));
      expect(outcome).toMatchObject({
        status: 500,
        body: { error: 'server_error', error_description: 'the authorization decision could not be made' },
      });
    }
    const startup = records.filter((r) => r.level === 'error' && /failed to start/.test(r.message ?? ''));
    expect(startup).toHaveLength(1);
    expect(startup[0].fields.error).toMatch(/broken\.rego:\d+:\d+/);
    await authorizer.close();
  });
});

describe('the per-request path', () => {
  test('one policy instance serves every request, and its memory stays flat (the SDK resets the heap)', async () => {
    const { authorizer } = await authorizerWith({
      entrypoint: 'app/echo_decision',
      data: { limits: { max: 3 }, region: 'eu' },
      input: (input) => void (input.tenant = 'acme'),
    });
    const store = (authorizer as OpaJwtAuthorizer).policies;
    const engine = store.current!;
    const tokens = await Promise.all([0, 1, 2, 3].map((n) => issuer.sign({ claims: { n, roles: ['admin'] } })));
    const requestFor = (i: number) =>
      get(`/orders/${i}?page=${i}&q=${'x'.repeat(i % 50)}`, tokens[i % tokens.length], {
        'user-agent': `agent-${i}`,
        'content-type': 'application/json',
      });
    for (let i = 0; i < 50; i++) await authorizer.authorize(requestFor(i)); // warm-up
    const memoryAfterWarmUp = engine.memoryBytes;
    for (let i = 0; i < 2000; i++) expect(await authorizer.authorize(requestFor(i))).toMatchObject({ type: 'allow' });
    expect(store.current).toBe(engine);
    expect(engine.memoryBytes).toBe(memoryAfterWarmUp);
  });
});

describe('the synchronous path', () => {
  test('authorizeNow answers a remembered token at once, a new token with a promise; authorize always with a promise', async () => {
    const { authorizer, decisions } = await authorizerWith();
    const core = authorizer as OpaJwtAuthorizer;
    const token = await issuer.sign({ claims: { roles: ['admin'] } });
    const first = core.authorizeNow(get('/orders', token));
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ type: 'allow', auth: { token } });
    const again = core.authorizeNow(get('/orders', token));
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toMatchObject({ type: 'allow', auth: { token, payload: { roles: ['admin'] } } });
    // A denial and an anonymous request are answered at once too.
    const reader = await issuer.sign({ claims: { roles: ['reader'] } });
    await core.authorize(get('/orders', reader));
    expect(core.authorizeNow(get('/orders', reader))).toMatchObject({ type: 'respond', status: 403 });
    expect(core.authorizeNow(get('/orders'))).toMatchObject({ type: 'respond', status: 401 });
    expect(core.authorize(get('/orders', token))).toBeInstanceOf(Promise);
    // Each evaluation was logged once, as before (the anonymous request was refused before the policy ran).
    expect(decisions).toHaveLength(5);
    expect(decisions[1].input).toMatchObject({
      jwt: { payload: { roles: ['admin'] } },
      request: { http: { headers: { Authorization: 'Bearer [REDACTED]' } } },
    });
  });

  test('a request body to read, or an input hook, takes the asynchronous path with the same answer', async () => {
    const echoing = {
      entrypoint: 'app/echo_decision',
      data: { limits: { max: 3 }, region: 'eu' },
      input: (input: PolicyInput) => void (input.tenant = 'acme'),
    };
    const { authorizer } = await authorizerWith(echoing);
    const core = authorizer as OpaJwtAuthorizer;
    const token = await issuer.sign({ claims: { roles: ['admin'] } });
    // (echo reads the User-Agent and Content-Type headers)
    const request = () => get('/orders', token, { 'user-agent': 'agent', 'content-type': 'application/json' });
    await core.authorize(request());
    const pending = core.authorizeNow(request());
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toMatchObject({ type: 'allow', auth: { decision: { result: { echo: { tenant: 'acme' } } } } });
  });

  test("the input is written into the module's memory exactly: multi-byte text, and inputs larger than its memory", async () => {
    // (echo reads input.tenant, which the hook adds)
    const { authorizer } = await authorizerWith({
      entrypoint: 'app/echo_decision',
      data: { limits: { max: 3 }, region: 'eu' },
      input: (input) => void (input.tenant = 'acme'),
    });
    const core = authorizer as OpaJwtAuthorizer;
    const engine = core.policies.current!;
    const token = await issuer.sign({ claims: { roles: ['admin'], sub: 'zoë 😀' } });
    const ua = 'navigateur/1.0 (é, ü, 日本語, 😀) "quoted" \\ back\u2028slash';
    const echo = async (headers: Record<string, string>) => {
      const outcome = await core.authorize(get('/orders', token, { 'content-type': 'application/json', ...headers }));
      if (outcome.type !== 'allow') throw new Error(`expected allow, got ${outcome.status}`);
      return (outcome.auth.decision.result as { echo: { ua: string; sub: string } }).echo;
    };
    expect(await echo({ 'user-agent': ua })).toMatchObject({ ua, sub: 'zoë 😀' });
    // Far more than the memory holds (5 pages to start with): the memory grows, the text arrives whole.
    const before = engine.memoryBytes;
    const huge = '日本'.repeat(300_000);
    expect((await echo({ 'user-agent': huge })).ua).toBe(huge);
    expect(engine.memoryBytes).toBeGreaterThan(before);
    // And the next, small, input is read from the grown memory.
    expect((await echo({ 'user-agent': ua })).ua).toBe(ua);
  });
});
