/**
 * Drives examples/mcp (a real MCP server behind @opa-jwt/express and policies/mcp-tools.rego) with the official
 * SDK's Client over Streamable HTTP, as an agent would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApp } from '../../examples/mcp/app';
import { ISSUER, startFixtures, token, type Fixtures } from '../adapters/fixtures';

let issuer: Fixtures;
let server: Server;
let close: () => Promise<void>;
let resource: string;
const clients: Client[] = [];

beforeAll(async () => {
  issuer = await startFixtures();
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  resource = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const { app, auth } = createApp({ issuer: ISSUER, jwksUri: issuer.jwksUri, resource });
  server.on('request', app);
  await auth.ready;
  close = () => auth.close();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await close?.();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await issuer.close();
});

async function connect(scope: string, audience = resource): Promise<Client> {
  const bearer = await token(issuer, { audience, claims: { sub: 'bob', scope, client_id: 'agent-1' } });
  const transport = new StreamableHTTPClientTransport(new URL(resource), {
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
  });
  const client = new Client({ name: 'opa-jwt-example-test', version: '1.0.0' });
  clients.push(client);
  await client.connect(transport);
  return client;
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content.map((part) => part.text ?? '').join('');
}

test('an agent lists the tools', async () => {
  const client = await connect('tickets:read');
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name).sort()).toEqual(['book_ticket', 'get_ticket_price']);
});

test('a permitted tool call returns the MCP server result', async () => {
  const client = await connect('tickets:read');
  const result = await client.callTool({ name: 'get_ticket_price', arguments: { route: 'SFO-JFK' } });
  expect(result.isError).toBeFalsy();
  expect(textOf(result)).toBe('A seat on SFO-JFK costs $329');
});

test('book_ticket with the write scope reaches the tool, which sees who called', async () => {
  const client = await connect('tickets:read tickets:write');
  const result = await client.callTool({ name: 'book_ticket', arguments: { route: 'JFK-LHR', seats: 2 } });
  expect(textOf(result)).toBe('Booked 2 seat(s) on JFK-LHR for bob: $1224');
});

test('a forbidden tool call fails with the policy message (missing scope)', async () => {
  const client = await connect('tickets:read');
  await expect(client.callTool({ name: 'book_ticket', arguments: { route: 'JFK-LHR', seats: 2 } })).rejects.toThrow(
    /book_ticket needs the tickets:write scope/,
  );
});

test('a forbidden tool call fails with the policy message (argument check)', async () => {
  const client = await connect('tickets:read tickets:write');
  await expect(client.callTool({ name: 'book_ticket', arguments: { route: 'JFK-LHR', seats: 9 } })).rejects.toThrow(
    /book_ticket books between 1 and 4 seats per call/,
  );
});

test('a token minted for another server is refused before the MCP server sees anything (RFC 8707 audience)', async () => {
  // The SDK's error carries the HTTP status as `code` and the answer's body in its message.
  await expect(connect('tickets:read', 'https://other.example.com/mcp')).rejects.toMatchObject({
    code: 401,
    message: expect.stringMatching(/invalid_token/),
  });
});

test('the protected resource metadata names this server and its issuer', async () => {
  const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', resource));
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({
    resource,
    authorization_servers: [ISSUER],
    bearer_methods_supported: ['header'],
    scopes_supported: ['tickets:read', 'tickets:write'],
  });
});
