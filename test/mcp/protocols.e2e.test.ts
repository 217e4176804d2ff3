/**
 * MCP tool calls and OAuth token exchange gated by the same policies through all three adapters, end to end:
 * real HTTP servers on 127.0.0.1, real keys and JWKS, the real MCP SDK server, the compiled Rego policies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FRAMEWORKS, startApp, type OpaJwtOptions, type RunningApp } from './apps';
import { ISSUER, startFixtures, token, type Fixtures } from '../adapters/fixtures';

const POLICIES = path.join(__dirname, '..', '..', 'policies');
const RESOURCE = 'https://tickets.example.com/mcp';
const METADATA_URL = 'https://tickets.example.com/.well-known/oauth-protected-resource/mcp';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const MAX_BODY = 4096;

/** An access token from the test issuer's RSA key, for `claims.aud` (default: this MCP server). */
function accessToken(fixtures: Fixtures, claims: { sub: string; scope: string; aud?: string }, key = fixtures.rsa): Promise<string> {
  return token(fixtures, { key, audience: claims.aud ?? RESOURCE, claims: { sub: claims.sub, scope: claims.scope, client_id: 'agent-1' } });
}

function mcpOptions(fixtures: Fixtures): OpaJwtOptions {
  return {
    issuer: ISSUER,
    jwksUri: fixtures.jwksUri,
    policy: path.join(POLICIES, 'mcp-tools.rego'),
    entrypoint: 'mcp/tools/result',
    resourceMetadata: { resource: RESOURCE, scopesSupported: ['tickets:read', 'tickets:write'] },
    maxBodySize: MAX_BODY,
  };
}

function tokenOptions(fixtures: Fixtures): OpaJwtOptions {
  return {
    issuer: ISSUER,
    jwksUri: fixtures.jwksUri,
    audience: RESOURCE,
    policy: path.join(POLICIES, 'token-exchange.rego'),
    entrypoint: 'oauth/token_exchange/result',
    // A token endpoint is not bearer-authenticated: the grant carries the credentials, the policy decides.
    authRequired: false,
  };
}

/** A deny-list policy: everything is allowed except calling book_ticket. Only as safe as what it is shown. */
const DENY_LIST_POLICY = `package mcp.denylist

default result := {"allowed": true}

result := {"allowed": false, "external_message": "book_ticket is disabled"} if {
\tinput.request.mcp.tool.params.name == "book_ticket"
}
`;

describe.each(FRAMEWORKS)('%s: the real MCP server behind a deny-list policy runs no tool the policy did not see', (framework) => {
  let issuer: Fixtures;
  let app: RunningApp;
  let dir: string;

  beforeAll(async () => {
    issuer = await startFixtures();
    dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-denylist-'));
    writeFileSync(path.join(dir, 'denylist.rego'), DENY_LIST_POLICY);
    app = await startApp(
      framework,
      { ...mcpOptions(issuer), policy: path.join(dir, 'denylist.rego'), entrypoint: 'mcp/denylist/result' },
      'mcp',
    );
  });

  afterAll(async () => {
    await app?.close();
    await issuer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function post(body: string): Promise<{ status: number; text: string }> {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${await accessToken(issuer, { sub: 'bob', scope: 'tickets:write' })}`,
    };
    const response = await fetch(`${app.url}/mcp`, { method: 'POST', headers, body });
    return { status: response.status, text: await response.text() };
  }
  const booking = (id: number) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'book_ticket', arguments: { route: 'SFO-JFK', seats: 1 } },
    });
  const idLessError = JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' } });

  test('the call alone is refused, and another tool runs', async () => {
    expect(await post(booking(1))).toMatchObject({ status: 403 });
    const price = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'get_ticket_price', arguments: { route: 'SFO-JFK' } },
      }),
    );
    expect(price.status).toBe(200);
    expect(price.text).toContain('costs $329');
  });

  test('behind an id-less error response in a batch, the call is refused before the server (which accepts batches) sees it', async () => {
    for (const body of [`[${booking(3)},${idLessError}]`, `[${idLessError},${booking(4)}]`]) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain('Booked');
    }
  });

  test("a tool name in a __proto__ member (the SDK's schemas would read it through the prototype) is refused", async () => {
    const answer = await post(
      '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"__proto__":{"name":"book_ticket"},"arguments":{"route":"SFO-JFK","seats":1}}}',
    );
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain('Booked');
  });
});

describe.each(FRAMEWORKS)('%s: MCP and token exchange behind opa-jwt', (framework) => {
  let issuer: Fixtures;
  let mcpApp: RunningApp;
  let tokenApp: RunningApp;

  beforeAll(async () => {
    issuer = await startFixtures();
    mcpApp = await startApp(framework, mcpOptions(issuer), 'mcp');
    tokenApp = await startApp(framework, tokenOptions(issuer), 'token');
  });

  afterAll(async () => {
    await mcpApp?.close();
    await tokenApp?.close();
    await issuer?.close();
  });

  async function rpc(body: unknown, token?: string): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return fetch(`${mcpApp.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  const call = (id: string | number, name: string, args: Record<string, unknown>) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args },
  });
  const reader = () => accessToken(issuer, { sub: 'alice', scope: 'tickets:read' });
  const writer = () => accessToken(issuer, { sub: 'bob', scope: 'tickets:read tickets:write' });

  describe('MCP (Streamable HTTP, JSON-RPC 2.0)', () => {
    test('an allowed tool call returns the MCP server result', async () => {
      const response = await rpc(call(1, 'get_ticket_price', { route: 'SFO-JFK' }), await reader());
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: 'A seat on SFO-JFK costs $329' }] },
      });
    });

    test('listing tools is allowed to any authenticated caller', async () => {
      const response = await rpc({ jsonrpc: '2.0', id: 'list', method: 'tools/list' }, await reader());
      expect(response.status).toBe(200);
      const body = (await response.json()) as { result: { tools: Array<{ name: string }> } };
      expect(body.result.tools.map((tool) => tool.name).sort()).toEqual(['book_ticket', 'get_ticket_price']);
    });

    test('a tool without its scope is a 403 JSON-RPC error with the policy message and the request id', async () => {
      const response = await rpc(call('call-7', 'book_ticket', { route: 'SFO-JFK', seats: 2 }), await reader());
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        jsonrpc: '2.0',
        id: 'call-7',
        error: { code: -32003, message: 'book_ticket needs the tickets:write scope' },
      });
    });

    test('the argument check refuses more than 4 seats, and allows 3', async () => {
      const refused = await rpc(call(8, 'book_ticket', { route: 'SFO-JFK', seats: 5 }), await writer());
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ id: 8, error: { message: 'book_ticket books between 1 and 4 seats per call' } });
      const allowed = await rpc(call(9, 'book_ticket', { route: 'SFO-JFK', seats: 3 }), await writer());
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toMatchObject({ id: 9, result: { content: [{ text: 'Booked 3 seat(s) on SFO-JFK for bob: $987' }] } });
    });

    test('an unknown tool gets the seed policy message', async () => {
      const response = await rpc(call(10, 'delete_everything', {}), await writer());
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ id: 10, error: { message: 'unauthorized, contact support@example.com' } });
    });

    test('no token: 401 pointing to the protected resource metadata', async () => {
      const response = await rpc(call(11, 'get_ticket_price', { route: 'SFO-JFK' }));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${METADATA_URL}"`);
    });

    test('a token minted for another server is refused (RFC 8707 audience)', async () => {
      const foreign = await accessToken(issuer, { sub: 'alice', scope: 'tickets:read', aud: 'https://other.example.com/mcp' });
      const response = await rpc(call(12, 'get_ticket_price', { route: 'SFO-JFK' }), foreign);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain(`resource_metadata="${METADATA_URL}"`);
    });

    test('the RFC 9728 document is served without a token', async () => {
      for (const wellKnown of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
        const response = await fetch(`${mcpApp.url}${wellKnown}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          resource: RESOURCE,
          authorization_servers: [ISSUER],
          bearer_methods_supported: ['header'],
          scopes_supported: ['tickets:read', 'tickets:write'],
        });
      }
    });

    test('a body over the size limit is refused with 413, not passed through', async () => {
      const response = await rpc(call(13, 'get_ticket_price', { route: 'SFO-JFK', padding: 'x'.repeat(MAX_BODY) }), await reader());
      expect(response.status).toBe(413);
    });

    test('a batch of several messages is refused (one policy input per message)', async () => {
      const response = await rpc(
        [call(14, 'get_ticket_price', { route: 'SFO-JFK' }), call(15, 'book_ticket', { route: 'SFO-JFK', seats: 4 })],
        await reader(),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    });
  });

  describe('OAuth token exchange (RFC 8693)', () => {
    async function exchange(fields: Record<string, string>): Promise<Response> {
      return fetch(`${tokenApp.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: TOKEN_EXCHANGE,
          client_id: 'agent-1',
          subject_token_type: ACCESS_TOKEN,
          ...fields,
        }).toString(),
      });
    }

    test('narrowing the scope passes through to the token endpoint', async () => {
      const subject = await accessToken(issuer, { sub: 'alice', scope: 'tickets:read tickets:write' });
      const response = await exchange({ subject_token: subject, scope: 'tickets:read' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ access_token: 'issued-by-test-endpoint', scope: 'tickets:read' });
    });

    test('widening the scope is a 400 invalid_scope in OAuth error format', async () => {
      const subject = await accessToken(issuer, { sub: 'alice', scope: 'tickets:read' });
      const response = await exchange({ subject_token: subject, scope: 'tickets:read tickets:write' });
      expect(response.status).toBe(400);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({ error: 'invalid_scope' });
    });

    test('an unverifiable subject token is a 400 invalid_grant, and its claims are not used', async () => {
      // Same kid as the published RSA key, another private key: the signature does not verify.
      const forged = await accessToken(issuer, { sub: 'mallory', scope: 'tickets:read tickets:write' }, issuer.impostor);
      const response = await exchange({ subject_token: forged, scope: 'tickets:write' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_grant');
      expect(JSON.stringify(body)).not.toContain(forged.split('.')[1]);
    });

    test('other grant types are not restricted by the token-exchange policy', async () => {
      const response = await fetch(`${tokenApp.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'agent-1', scope: 'anything' }).toString(),
      });
      expect(response.status).toBe(200);
    });
  });
});
