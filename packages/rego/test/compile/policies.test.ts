/**
 * The project's policies (policies/*.rego, v1; policies/v0/*.rego, v0) compile, and their modules
 * answer on the stock SDK as the seed documents say, for inputs shaped like the seed's input schema.
 * (test/policies runs their Rego unit tests; this file checks the compiler end to end.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, planModules } from '../../src';

const policiesDir = path.resolve(__dirname, '../../../../policies');

function regoFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .sort()
    .map((f) => path.join(dir, f));
}

function source(file: string): { path: string; source: string } {
  return { path: path.relative(policiesDir, file), source: fs.readFileSync(file, 'utf8') };
}

async function load(file: string, entrypoints: string[], v0Compatible = false): Promise<LoadedPolicy> {
  const { wasm } = compile({ modules: [source(path.join(policiesDir, file))], entrypoints, v0Compatible });
  return loadPolicy(wasm, undefined, hostBuiltins);
}

const result = (rs: unknown): unknown => (rs as Array<{ result: unknown }>)[0]?.result;

test('every v1 policy compiles (whole packages as entry points)', () => {
  const files = regoFiles(policiesDir);
  expect(files.length).toBeGreaterThanOrEqual(3);
  for (const file of files) {
    const pkg = /^package\s+([\w.]+)/m.exec(fs.readFileSync(file, 'utf8'))![1];
    expect(() => planModules({ modules: [source(file)], entrypoints: [pkg.split('.').join('/')] })).not.toThrow();
  }
});

test('every v0 policy compiles with v0Compatible, and not without', () => {
  const files = regoFiles(path.join(policiesDir, 'v0'));
  expect(files.length).toBeGreaterThanOrEqual(1);
  for (const file of files) {
    expect(() => planModules({ modules: [source(file)], entrypoints: ['authz/allow'], v0Compatible: true })).not.toThrow();
    expect(() => planModules({ modules: [source(file)], entrypoints: ['authz/allow'] })).toThrow(/`if` keyword is required/);
  }
});

describe('seed 000: admins may POST', () => {
  test('v0 original, compiled with v0Compatible', async () => {
    const policy = await load('v0/api-authz-v0.rego', ['authz/allow'], true);
    expect(result(policy.evaluate({ method: 'POST', jwt: { payload: { roles: ['reader', 'admin'] } } }, 'authz/allow'))).toBe(true);
    expect(result(policy.evaluate({ method: 'GET', jwt: { payload: { roles: ['admin'] } } }, 'authz/allow'))).toBe(false);
    expect(result(policy.evaluate({ method: 'POST', jwt: { payload: { roles: ['reader'] } } }, 'authz/allow'))).toBe(false);
    expect(result(policy.evaluate({ method: 'POST' }, 'authz/allow'))).toBe(false);
  });

  test('v1 successor: allow and decision', async () => {
    const policy = await load('api-authz.rego', ['authz/allow', 'authz/decision']);
    const req = (method: string, p: string, claims: object): object => ({
      jwt: { payload: claims },
      request: { http: { method, path: p } },
    });
    const alice = { sub: 'alice', roles: ['admin'] };
    const bob = { sub: 'bob', roles: ['reader'] };
    expect(result(policy.evaluate(req('POST', '/orders', alice), 'authz/allow'))).toBe(true);
    expect(result(policy.evaluate(req('POST', '/orders', bob), 'authz/allow'))).toBe(false);
    expect(result(policy.evaluate(req('GET', '/orders/7?x=1', bob), 'authz/allow'))).toBe(true);
    expect(result(policy.evaluate(req('POST', '/orders', alice), 'authz/decision'))).toEqual({
      allowed: true,
      internal_message: 'subject alice with roles [admin] granted orders:write on POST /orders',
      external_message: 'authorized',
    });
    expect(result(policy.evaluate(req('POST', '/orders', bob), 'authz/decision'))).toEqual({
      allowed: false,
      internal_message: 'subject bob with roles [reader] denied orders:write on POST /orders',
      external_message: 'orders:write requires the admin role',
    });
    expect(result(policy.evaluate({ jwt: { payload: alice } }, 'authz/decision'))).toMatchObject({
      allowed: false,
      external_message: 'unauthorized',
    });
  });
});

describe('seed 001: token exchange may only narrow scopes', () => {
  const exchange = (scope: string, subjectScope: string, grantType = 'urn:ietf:params:oauth:grant-type:token-exchange'): object => ({
    request: { oauth: { grant_type: grantType, scope, scopes: scope, subject_token: { claims: { scope: subjectScope } } } },
  });

  test('narrowing is allowed, widening refused with invalid_scope', async () => {
    const policy = await load('token-exchange.rego', ['oauth/token_exchange/result']);
    const ep = 'oauth/token_exchange/result';
    expect(result(policy.evaluate(exchange('api:read', 'api:read api:write'), ep))).toEqual({ allowed: true });
    expect(result(policy.evaluate(exchange('read:users write:settings', 'api:read api:write'), ep))).toEqual({
      allowed: false,
      internal_message: 'requested scopes exceed subject_token scopes',
      external_message: 'invalid_scope',
    });
    expect(result(policy.evaluate(exchange('anything', '', 'client_credentials'), ep))).toEqual({ allowed: true });
  });
});

describe('seed 002: MCP tool calls', () => {
  const call = (name: string, args: object, scope: string): object => ({
    jwt: { payload: { sub: 'alice', scope } },
    request: {
      http: { method: 'POST', path: '/mcp' },
      mcp: { type: 'tool', method: 'tools/call', id: 1, tool: { params: { name, arguments: args } } },
    },
  });

  test('get_ticket_price needs tickets:read; other tools are refused with the seed message', async () => {
    const policy = await load('mcp-tools.rego', ['mcp/tools/result']);
    const ep = 'mcp/tools/result';
    expect(result(policy.evaluate(call('get_ticket_price', { route: 'SFO-JFK' }, 'openid tickets:read'), ep))).toEqual({ allowed: true });
    expect(result(policy.evaluate(call('get_ticket_price', {}, 'tickets:readonly'), ep))).toMatchObject({
      allowed: false,
      external_message: 'get_ticket_price needs the tickets:read scope',
    });
    expect(result(policy.evaluate(call('listUsers', {}, 'tickets:read tickets:write'), ep))).toMatchObject({
      allowed: false,
      external_message: 'unauthorized, contact support@example.com',
    });
    expect(result(policy.evaluate(call('book_ticket', { seats: 2 }, 'tickets:write'), ep))).toEqual({ allowed: true });
    expect(result(policy.evaluate(call('book_ticket', { seats: 5 }, 'tickets:write'), ep))).toMatchObject({ allowed: false });
  });
});
