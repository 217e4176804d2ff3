/**
 * Interoperability with a real OpenID Provider: oidc-provider (OpenID certified) runs in a child process on 127.0.0.1
 * and issues RFC 9068 JWT access tokens (`typ: at+jwt`) through the client credentials grant with a resource indicator
 * (RFC 8707). opa-jwt discovers it from `issuerBaseURL`, verifies in `strict` mode (RFC 9068) and the orders policy
 * enforces the `scope` claim through policies/lib/idp.rego.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import express from 'express';
import { opaJwt, type OpaJwtMiddleware } from '@opa-jwt/express';

const RESOURCE = 'https://orders.example.com';
const OTHER_RESOURCE = 'https://billing.example.com';
const SECRETS: Record<string, string> = {
  'reader-agent': 'reader-agent-secret-0123456789abcdef',
  'writer-agent': 'writer-agent-secret-0123456789abcdef',
};
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

let op: ChildProcess;
let issuer: string;
let policyDir: string;
let api: { server: Server; middleware: OpaJwtMiddleware; url: string };

beforeAll(async () => {
  op = spawn(process.execPath, [path.join(__dirname, 'oidc-provider-server.mjs'), RESOURCE, OTHER_RESOURCE], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  op.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: op.stdout! }).once('line', resolve);
    op.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}: ${stderr}`)));
  });
  issuer = (JSON.parse(firstLine) as { issuer: string }).issuer;

  policyDir = mkdtempSync(path.join(os.tmpdir(), 'opa-jwt-op-'));
  mkdirSync(path.join(policyDir, 'lib'));
  copyFileSync(path.join(__dirname, 'policy', 'orders.rego'), path.join(policyDir, 'orders.rego'));
  copyFileSync(path.join(__dirname, '..', '..', 'policies', 'lib', 'idp.rego'), path.join(policyDir, 'lib', 'idp.rego'));

  const middleware = opaJwt({
    issuerBaseURL: issuer,
    audience: RESOURCE,
    algorithms: ['RS256'],
    strict: true,
    policy: policyDir,
    entrypoint: 'orders/allow',
    data: { access: { read: { scopes: ['orders:read'] }, write: { scopes: ['orders:write'] } } },
    logger: quiet,
  });
  const app = express();
  app.use(middleware);
  app.get('/orders', (req, res) => res.json({ caller: req.auth?.payload?.sub }));
  app.post('/orders', (req, res) => res.status(201).json({ caller: req.auth?.payload?.sub }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  api = { server, middleware, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  await middleware.ready;
});

afterAll(async () => {
  if (api) {
    await api.middleware.close();
    api.server.closeAllConnections();
    await new Promise((resolve) => api.server.close(resolve));
  }
  if (op && op.exitCode === null) {
    const exited = new Promise((resolve) => op.once('exit', resolve));
    op.kill('SIGTERM');
    await exited;
  }
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

/** An access token from the provider's token endpoint (client credentials, client_secret_basic). */
async function accessToken(client: string, scope: string, resource = RESOURCE): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${client}:${SECRETS[client]}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || body.access_token === undefined)
    throw new Error(`token endpoint: ${response.status} ${body.error}: ${body.error_description}`);
  return body.access_token;
}

function decodeSegment(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function status(method: 'GET' | 'POST', token: string): Promise<number> {
  const response = await fetch(`${api.url}/orders`, { method, headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

test('the provider issues RFC 9068 access tokens for the resource', async () => {
  const token = await accessToken('writer-agent', 'orders:read orders:write');
  expect(decodeSegment(token, 0)).toEqual(expect.objectContaining({ typ: 'at+jwt', alg: 'RS256', kid: 'op-rsa-1' }));
  expect(decodeSegment(token, 1)).toEqual(
    expect.objectContaining({
      iss: issuer,
      aud: RESOURCE,
      client_id: 'writer-agent',
      sub: 'writer-agent',
      scope: 'orders:read orders:write',
      jti: expect.any(String),
    }),
  );
});

test('opa-jwt (issuerBaseURL, strict) accepts them and the policy enforces the scope', async () => {
  const reader = await accessToken('reader-agent', 'orders:read');
  const writer = await accessToken('writer-agent', 'orders:read orders:write');
  const writeOnly = await accessToken('writer-agent', 'orders:write');
  expect({
    reader: [await status('GET', reader), await status('POST', reader)],
    writer: [await status('GET', writer), await status('POST', writer)],
    'write scope only': [await status('GET', writeOnly), await status('POST', writeOnly)],
  }).toEqual({ reader: [200, 403], writer: [200, 201], 'write scope only': [403, 201] });
});

test('a token for another resource is refused (audience)', async () => {
  const billing = await accessToken('writer-agent', 'orders:read', OTHER_RESOURCE);
  expect(decodeSegment(billing, 1).aud).toBe(OTHER_RESOURCE);
  const response = await fetch(`${api.url}/orders`, { headers: { Authorization: `Bearer ${billing}` } });
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/invalid_token/);
  await response.arrayBuffer();
});

test('the provider itself refuses a scope the client may not have', async () => {
  await expect(accessToken('reader-agent', 'orders:write')).rejects.toThrow(/invalid_scope/);
});
