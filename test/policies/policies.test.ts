/**
 * The policies under policies/, compiled by @opa-jwt/rego and run on the stock @open-policy-agent/opa-wasm SDK:
 * 1. each policy's Rego unit tests (`test_` rules in `<name>_test.rego`) must all be true;
 * 2. on inputs shaped as the seed documents' input schemas, each policy gives the answers the seed promises,
 *    and agrees with the seed's own policy (test/policies/seeds, compiled by the same compiler) where it should.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { compilePolicy, policySuites, POLICIES, ROOT, runPolicyTests, type CompiledPolicy } from './rego';
import { isVerbatimIn, jsonAfter, readSeedText, SEED_MCP_INPUT, SEED_OIDC_INPUT, SEED_OUTPUT } from './seed-contract';
import type { RegoTestResult } from '@opa-jwt/rego';

const SEEDS = path.join(__dirname, 'seeds');
const suites = policySuites();

/** `data.pkg.test_x` → status (and why, when it did not pass): a failing test shows up by name. */
function outcomes(results: RegoTestResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [`${r.package}.${r.name}`, r.message ? `${r.status}: ${r.message}` : r.status]));
}

describe('Rego unit tests', () => {
  // Each policy with its _test.rego, run once by the runner behind `opa-jwt test` (npm run test:rego).
  const results = new Map<string, RegoTestResult[]>();
  beforeAll(async () => {
    for (const suite of suites) results.set(suite.name, await runPolicyTests([suite.policy, suite.tests], suite));
  });

  test('every policy under policies/ has a _test.rego file with test_ rules', () => {
    expect(suites.map((suite) => suite.name)).toEqual(
      expect.arrayContaining([
        'policies/api-authz.rego',
        'policies/mcp-tools.rego',
        'policies/token-exchange.rego',
        'policies/v0/api-authz-v0.rego',
      ]),
    );
    for (const suite of suites) expect({ [suite.name]: results.get(suite.name)!.length > 0 }).toEqual({ [suite.name]: true });
  });

  test.each(suites.map((suite) => [suite.name, suite] as const))('%s: every test_ rule is true', (_name, suite) => {
    const tests = results.get(suite.name)!;
    // A failing test shows up by name, with `fail: false` or `fail: undefined` (its body did not hold) or an error.
    expect(outcomes(tests)).toEqual(Object.fromEntries(tests.map((test) => [`${test.package}.${test.name}`, 'pass'])));
    // The tests are the test file's (file:line:col).
    const testFile = path.relative(ROOT, suite.tests);
    for (const test of tests) expect(test.location).toMatch(/^[^:]+:\d+:\d+$/);
    expect(new Set(tests.map((test) => test.location.replace(/:\d+:\d+$/, '')))).toEqual(new Set([testFile]));
  });

  test('the harness reports a failing or undefined test_ rule as such', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'opa-jwt-policy-'));
    try {
      const file = path.join(dir, 'broken_test.rego');
      writeFileSync(
        file,
        'package broken_test\n\ntest_true if true\n\ntest_false if 1 == 2\n\ntest_undefined if input.nothing\n\ntest_value_false := false\n',
      );
      const tests = await runPolicyTests([file]);
      expect(tests.map((test) => `${test.package}.${test.name}`)).toEqual([
        'data.broken_test.test_true',
        'data.broken_test.test_false',
        'data.broken_test.test_undefined',
        'data.broken_test.test_value_false',
      ]);
      // A body that does not hold leaves the rule undefined; a rule whose value is false is false.
      expect(tests.map((test) => [test.status, test.message])).toEqual([
        ['pass', undefined],
        ['fail', 'undefined'],
        ['fail', 'undefined'],
        ['fail', 'false'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Seed-shaped inputs

/** The parts of the seed inputs the helpers below change. */
interface McpShape {
  request: { http: { headers: Record<string, string> }; mcp: { tool: { params: unknown } } };
  jwt?: unknown;
}

interface OidcShape {
  request: { oauth: { grant_type: string; scope?: string; scopes?: string; subject_token?: unknown } };
}

/** An unsigned JWT for the seed MCP policy, which only decodes (io.jwt.decode) the Authorization header. */
function decodableToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('not-verified-by-the-seed').toString('base64url')}`;
}

/**
 * The seed MCP input for a tool call by a caller with `scope`: the seed's shape, its Authorization header holding a
 * token with those claims (read by the seed policy), and `input.jwt.payload` the same claims (read by ours, which the
 * middleware fills after verifying the token).
 */
function seedMcpInput(tool: string, args: Record<string, unknown>, scope: string): unknown {
  const claims = { sub: 'alice', client_id: 'agent-1', scope };
  const input = structuredClone(SEED_MCP_INPUT) as unknown as McpShape;
  input.request.http.headers.Authorization = `Bearer ${decodableToken(claims)}`;
  input.request.mcp.tool.params = { name: tool, arguments: args };
  input.jwt = { header: { alg: 'RS256', typ: 'JWT' }, payload: claims };
  return input;
}

/** The seed OIDC input asking for `scope` (the middleware sends it as both `scope` and `scopes`). */
function seedOidcInput(scope: string | undefined, overrides: { grant_type?: string; subjectScope?: string } = {}): unknown {
  const input = structuredClone(SEED_OIDC_INPUT) as unknown as OidcShape;
  const oauth = input.request.oauth;
  if (scope === undefined) delete oauth.scopes;
  else Object.assign(oauth, { scope, scopes: scope });
  if (overrides.grant_type) oauth.grant_type = overrides.grant_type;
  if (overrides.subjectScope !== undefined) oauth.subject_token = { claims: { scope: overrides.subjectScope } };
  return input;
}

const SEEDS_ABSENT = ' (skipped: ../shared/seeds is absent)';

describe('the seed contract', () => {
  const seed004 = readSeedText('MCP Proxy App and MCP Bridge App Policy Schema');
  const seed000 = readSeedText('input.jwt.payload.roles[_] == "admin"');
  const present = seed004 !== undefined && seed000 !== undefined;
  // A newcomer's clone has no ../shared: the skipped tests say so in their names.
  const withSeeds = (name: string, fn: () => void) => (present ? test(name, fn) : test.skip(name + SEEDS_ABSENT, fn));

  withSeeds("the input and output schemas used here are the seed documents' own", () => {
    expect(jsonAfter(seed004!, 'OIDC App Policy Schema')).toEqual(SEED_OIDC_INPUT);
    expect(jsonAfter(seed004!, 'MCP Proxy App and MCP Bridge App Policy Schema')).toEqual(SEED_MCP_INPUT);
    expect(jsonAfter(seed004!, 'Output Schema')).toEqual(SEED_OUTPUT);
  });

  withSeeds('the seed policies compared against are verbatim copies', () => {
    expect(isVerbatimIn(path.join(SEEDS, 'mcp-proxy.rego'), seed004!)).toBe(true);
    expect(isVerbatimIn(path.join(SEEDS, 'oidc-token-exchange.rego'), seed004!)).toBe(true);
    expect(isVerbatimIn(path.join(POLICIES, 'v0', 'api-authz-v0.rego'), seed000!)).toBe(true);
  });
});

describe("api-authz.rego and the seed's admin/POST rule (policies/v0, verbatim)", () => {
  let seed: CompiledPolicy;
  let ours: CompiledPolicy;

  beforeAll(async () => {
    seed = await compilePolicy([path.join(POLICIES, 'v0', 'api-authz-v0.rego')], ['authz/allow'], { v0Compatible: true });
    ours = await compilePolicy([path.join(POLICIES, 'api-authz.rego')], ['authz/allow', 'authz/decision']);
  });

  /** Both shapes at once: the seed's `input.method` and the HTTP request under `input.request.http`. */
  const request = (method: string, path: string, roles: unknown) => ({
    method,
    jwt: { header: { alg: 'RS256' }, payload: { sub: 'alice', roles } },
    request: { http: { host: 'orders.example.com', method, path, headers: {} } },
  });

  test.each([
    ['an admin POST', request('POST', '/orders', ['admin']), true],
    ['an admin POST, admin among other roles', request('POST', '/orders', ['reader', 'admin']), true],
    ['a reader POST', request('POST', '/orders', ['reader']), false],
    ['a POST by a token without roles', request('POST', '/orders', undefined), false],
    ['a POST with roles as a string', request('POST', '/orders', 'admin'), false],
  ])('%s: both policies answer %p', (_name, input, allowed) => {
    expect(seed.evaluate('authz/allow', input)).toBe(allowed);
    expect(ours.evaluate('authz/allow', input)).toBe(allowed);
    expect(ours.evaluate('authz/decision', input)).toMatchObject({ allowed });
  });

  test('the decision follows the seed output schema', () => {
    const decision = ours.evaluate('authz/decision', request('POST', '/orders', ['reader']));
    expect(Object.keys(decision as object).sort()).toEqual(Object.keys(SEED_OUTPUT.result).sort());
    expect(decision).toEqual({
      allowed: false,
      internal_message: 'subject alice with roles [reader] denied orders:write on POST /orders',
      external_message: 'orders:write requires the admin role',
    });
  });

  test('where the seed denies every GET, the orders API lets readers read one order', () => {
    const input = request('GET', '/orders/1', ['reader']);
    expect(seed.evaluate('authz/allow', input)).toBe(false);
    expect(ours.evaluate('authz/allow', input)).toBe(true);
  });
});

describe('token-exchange.rego and the seed OIDC app policy', () => {
  let seed: CompiledPolicy;
  let ours: CompiledPolicy;
  const REFUSED = { allowed: false, internal_message: 'requested scopes exceed subject_token scopes', external_message: 'invalid_scope' };

  beforeAll(async () => {
    seed = await compilePolicy([path.join(SEEDS, 'oidc-token-exchange.rego')], ['orchestrator/result']);
    ours = await compilePolicy([path.join(POLICIES, 'token-exchange.rego')], ['oauth/token_exchange/result']);
  });

  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined); // the seed policy print()s its scope sets
  });

  afterEach(() => jest.restoreAllMocks());

  test.each([
    [
      'the seed example (read:users write:settings from api:read api:write) widens: refused',
      seedOidcInput('read:users write:settings'),
      REFUSED,
    ],
    ['narrowing to api:read', seedOidcInput('api:read'), { allowed: true }],
    ['the same scopes', seedOidcInput('api:write api:read'), { allowed: true }],
    ['one scope more than the subject token', seedOidcInput('api:read api:write api:admin'), REFUSED],
    ['another grant type', seedOidcInput('anything', { grant_type: 'client_credentials' }), { allowed: true }],
    ['a subject token without scope, asking for one', seedOidcInput('api:read', { subjectScope: '' }), REFUSED],
  ])('%s', (_name, input, expected) => {
    expect(ours.evaluate('oauth/token_exchange/result', input)).toEqual(expected);
    expect(seed.evaluate('orchestrator/result', input)).toEqual(expected);
  });

  test('the seed policy prints the scope sets it compares', () => {
    seed.evaluate('orchestrator/result', seedOidcInput('api:read'));
    const printed = (console.log as jest.Mock).mock.calls.map((args) => args.join(' '));
    // Formatting of sets is the SDK/compiler's business; what matters is that both sets reach the log.
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/^requested_scopes: .*"api:read"/);
    expect(printed[0]).not.toMatch(/api:write/);
    expect(printed[1]).toMatch(/^subject_scopes: .*"api:read".*"api:write"/);
  });

  test('the seed schema verbatim (only `scopes`, no `scope`): both read `scope`, so nothing is requested and it passes', () => {
    // What OPA does too: split() of an undefined value leaves the comprehension empty. The middleware always fills
    // both spellings, so this input does not occur behind it.
    expect(ours.evaluate('oauth/token_exchange/result', SEED_OIDC_INPUT)).toEqual({ allowed: true });
    expect(seed.evaluate('orchestrator/result', SEED_OIDC_INPUT)).toEqual({ allowed: true });
  });
});

describe('mcp-tools.rego and the seed MCP proxy policy', () => {
  let seed: CompiledPolicy;
  let ours: CompiledPolicy;
  const SEED_DENIAL = {
    allowed: false,
    internal_message: "access is only permitted to the 'get_ticket_price' or 'list_available_seats' tools",
    external_message: 'unauthorized, contact support@example.com',
  };

  beforeAll(async () => {
    seed = await compilePolicy([path.join(SEEDS, 'mcp-proxy.rego')], ['orchestrator/result']);
    ours = await compilePolicy([path.join(POLICIES, 'mcp-tools.rego')], ['mcp/tools/result']);
  });

  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined); // the seed policy print()s for its audit trail
  });

  afterEach(() => jest.restoreAllMocks());

  test('the seed example (tool listUsers) is denied by both, with the seed external_message', () => {
    const input = seedMcpInput('listUsers', { exampleBodyKeyAlpha: 10, exampleBodyKeyBeta: true }, 'tickets:read');
    expect(seed.evaluate('orchestrator/result', input)).toEqual(SEED_DENIAL);
    expect(ours.evaluate('mcp/tools/result', input)).toMatchObject({ allowed: false, external_message: SEED_DENIAL.external_message });
  });

  test('get_ticket_price with tickets:read is allowed by both, and the seed prints its audit lines', () => {
    const input = seedMcpInput('get_ticket_price', { route: 'SFO-JFK' }, 'tickets:read');
    expect(seed.evaluate('orchestrator/result', input)).toEqual({ allowed: true });
    expect(ours.evaluate('mcp/tools/result', input)).toEqual({ allowed: true });
    const printed = (console.log as jest.Mock).mock.calls.map((args) => args.join(' '));
    expect(printed).toEqual([
      'request made to tool:  get_ticket_price',
      'request made with client of:  agent-1',
      'access granted to subject: alice',
    ]);
  });

  test('get_ticket_price without tickets:read is denied by both', () => {
    const input = seedMcpInput('get_ticket_price', { route: 'SFO-JFK' }, 'profile tickets:write');
    expect(seed.evaluate('orchestrator/result', input)).toEqual(SEED_DENIAL);
    expect(ours.evaluate('mcp/tools/result', input)).toMatchObject({
      allowed: false,
      external_message: 'get_ticket_price needs the tickets:read scope',
    });
  });

  test('a scope that merely contains "tickets:read" passes the seed\'s contains() but not our scope set', () => {
    const input = seedMcpInput('get_ticket_price', { route: 'SFO-JFK' }, 'tickets:readonly');
    expect(seed.evaluate('orchestrator/result', input)).toEqual({ allowed: true });
    expect(ours.evaluate('mcp/tools/result', input)).toMatchObject({ allowed: false });
  });

  test('the second tool, book_ticket: write scope and a 1-4 seats argument check (ours only)', () => {
    const book = (seats: unknown, scope: string) =>
      ours.evaluate('mcp/tools/result', seedMcpInput('book_ticket', { route: 'SFO-JFK', seats }, scope));
    expect(book(2, 'tickets:read tickets:write')).toEqual({ allowed: true });
    expect(book(2, 'tickets:read')).toMatchObject({ allowed: false, external_message: 'book_ticket needs the tickets:write scope' });
    expect(book(5, 'tickets:write')).toMatchObject({
      allowed: false,
      external_message: 'book_ticket books between 1 and 4 seats per call',
    });
    expect(book('2', 'tickets:write')).toMatchObject({ allowed: false });
    expect(
      seed.evaluate('orchestrator/result', seedMcpInput('book_ticket', { route: 'SFO-JFK', seats: 2 }, 'tickets:read tickets:write')),
    ).toEqual(SEED_DENIAL);
  });
});
