/**
 * The recipes of docs/identity-providers.md, each against a local stand-in for its provider (local-providers.ts) that
 * serves the provider's discovery document and key set at the provider's own paths and mints tokens shaped like the
 * provider's. A real Express app runs opa-jwt configured as the recipe says, with policy/orders.rego and
 * policies/lib/idp.rego: reading orders needs the provider's read scope (or role), writing needs its admin role,
 * client role, group or permission. Wrong issuer spellings and audiences are 401s.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import express from 'express';
import { opaJwt, type OpaJwtMiddleware, type AuthorizerOptions } from '@opa-jwt/express';
import { discoveryDocument, jwks, mint, rsaKey, serveJson, type LocalServer, type SigningKey } from './local-providers';

const ROOT = path.join(__dirname, '..', '..');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** The recipe's policy folder: the orders policy and the helper library beside it, as the guide tells readers to lay it out. */
let policyDir: string;
const servers: LocalServer[] = [];
const apps: Array<{ server: Server; middleware: OpaJwtMiddleware }> = [];

beforeAll(() => {
  policyDir = mkdtempSync(path.join(os.tmpdir(), 'opa-jwt-idp-'));
  mkdirSync(path.join(policyDir, 'lib'));
  copyFileSync(path.join(__dirname, 'policy', 'orders.rego'), path.join(policyDir, 'orders.rego'));
  copyFileSync(path.join(ROOT, 'policies', 'lib', 'idp.rego'), path.join(policyDir, 'lib', 'idp.rego'));
});

afterAll(async () => {
  for (const { server, middleware } of apps) {
    await middleware.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const server of servers) await server.close();
  rmSync(policyDir, { recursive: true, force: true });
});

async function provider(routes: () => Record<string, (origin: string) => unknown>): Promise<LocalServer> {
  const server = await serveJson(routes);
  servers.push(server);
  return server;
}

/** The orders API behind opa-jwt with `options` (the recipe's) and `orders` (which claims grant what). */
async function ordersApi(
  options: Partial<AuthorizerOptions>,
  orders: Record<string, unknown>,
): Promise<{ url: string; middleware: OpaJwtMiddleware }> {
  const middleware = opaJwt({ ...options, policy: policyDir, entrypoint: 'orders/allow', data: { access: orders }, logger: quiet });
  const app = express();
  app.use(middleware);
  app.get('/orders', (req, res) => res.json({ caller: req.auth?.payload?.sub }));
  app.post('/orders', (req, res) => res.status(201).json({ caller: req.auth?.payload?.sub }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  apps.push({ server, middleware });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, middleware };
}

interface Answer {
  status: number;
  error?: string;
}

async function call(url: string, method: 'GET' | 'POST', token: string): Promise<Answer> {
  const response = await fetch(`${url}/orders`, { method, headers: { Authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { error?: string; error_description?: string };
  return response.ok ? { status: response.status } : { status: response.status, error: body.error_description ?? body.error };
}

/** GET and POST answers for each token: `{ name: [GET status, POST status] }`. */
async function answers(url: string, tokens: Record<string, string>): Promise<Record<string, [number, number]>> {
  const result: Record<string, [number, number]> = {};
  for (const [name, token] of Object.entries(tokens))
    result[name] = [(await call(url, 'GET', token)).status, (await call(url, 'POST', token)).status];
  return result;
}

describe('Auth0', () => {
  // Tenant domain https://TENANT.auth0.com: the issuer is the domain WITH a trailing slash; keys at /.well-known/jwks.json.
  const API = 'https://orders.example.com';
  const ROLES = 'https://example.com/roles';
  let key: SigningKey;
  let tenant: LocalServer;
  beforeAll(async () => {
    key = await rsaKey('auth0-key-1');
    tenant = await provider(() => ({
      '/.well-known/openid-configuration': (origin) => discoveryDocument(`${origin}/`, `${origin}/.well-known/jwks.json`),
      '/.well-known/jwks.json': () => jwks(key),
    }));
  });
  const token = (claims: Record<string, unknown>) =>
    mint(
      key,
      { typ: 'JWT' },
      { iss: `${tenant.origin}/`, sub: 'auth0|alice', aud: [API, `${tenant.origin}/userinfo`], azp: 'spa-client', ...claims },
    );
  const orders = { read: { scopes: ['read:orders'] }, write: { permissions: ['write:orders'], roles: ['admin'] } };

  test.each([
    ['with', '/'],
    ['without', ''],
  ])('issuerBaseURL %s a trailing slash: scopes, permissions and namespaced roles decide', async (_label, slash) => {
    const { url } = await ordersApi({ issuerBaseURL: `${tenant.origin}${slash}`, audience: API, algorithms: ['RS256'] }, orders);
    expect(
      await answers(url, {
        reader: await token({ scope: 'openid read:orders', permissions: ['read:orders'] }),
        writer: await token({ scope: 'read:orders write:orders', permissions: ['read:orders', 'write:orders'] }),
        admin: await token({ scope: 'openid', [ROLES]: ['admin'] }),
        nobody: await token({ scope: 'openid profile' }),
        'iss without the slash': await token({ iss: tenant.origin, scope: 'read:orders' }),
        'another API': await token({ aud: 'https://other.example.com', scope: 'read:orders' }),
      }),
    ).toEqual({
      reader: [200, 403],
      writer: [200, 201],
      admin: [403, 201],
      nobody: [403, 403],
      'iss without the slash': [401, 401],
      'another API': [401, 401],
    });
  });
});

describe('Keycloak', () => {
  // https://HOST/realms/REALM, no trailing slash (Keycloak before 17 had an /auth prefix: /auth/realms/REALM).
  let key: SigningKey;
  let encryption: SigningKey;
  let kc: LocalServer;
  beforeAll(async () => {
    key = await rsaKey('kc-rsa-generated');
    // Keycloak's certs endpoint also lists the realm's encryption key (use "enc", RSA-OAEP): never a verification key.
    encryption = await rsaKey('kc-rsa-enc-generated');
    const encryptionJwk = { ...encryption.publicJwk, alg: 'RSA-OAEP', use: 'enc' };
    kc = await provider(() => ({
      '/realms/demo/.well-known/openid-configuration': (origin) =>
        discoveryDocument(`${origin}/realms/demo`, `${origin}/realms/demo/protocol/openid-connect/certs`),
      '/realms/demo/protocol/openid-connect/certs': () => ({ keys: [encryptionJwk, key.publicJwk] }),
    }));
  });
  const token = (claims: Record<string, unknown>) =>
    mint(
      key,
      { typ: 'JWT' },
      {
        iss: `${kc.origin}/realms/demo`,
        aud: ['orders-api', 'account'],
        sub: 'f3b1c0de-0000-4000-8000-000000000001',
        typ: 'Bearer',
        azp: 'web-app',
        jti: 'onrtac:1',
        scope: 'openid profile email',
        preferred_username: 'alice',
        ...claims,
      },
    );
  const orders = { client: 'orders-api', read: { roles: ['reader'] }, write: { client_roles: ['orders-admin'] } };

  test('a token signed with the realm encryption key is refused (the key set marks it use "enc")', async () => {
    const { url } = await ordersApi({ issuerBaseURL: `${kc.origin}/realms/demo`, audience: 'orders-api', algorithms: ['RS256'] }, orders);
    const forged = await mint(
      encryption,
      { typ: 'JWT' },
      { iss: `${kc.origin}/realms/demo`, aud: 'orders-api', realm_access: { roles: ['reader'] } },
    );
    expect((await call(url, 'GET', forged)).status).toBe(401);
  });

  test.each([
    ['without', ''],
    ['with', '/'],
  ])("issuerBaseURL %s a trailing slash: realm roles and this client's roles decide", async (_label, slash) => {
    const { url } = await ordersApi(
      { issuerBaseURL: `${kc.origin}/realms/demo${slash}`, audience: 'orders-api', algorithms: ['RS256'] },
      orders,
    );
    expect(
      await answers(url, {
        reader: await token({ realm_access: { roles: ['offline_access', 'reader'] } }),
        'orders-admin': await token({
          realm_access: { roles: ['reader'] },
          resource_access: { 'orders-api': { roles: ['orders-admin'] } },
        }),
        'orders-admin of another client': await token({ resource_access: { account: { roles: ['orders-admin'] } } }),
        'legacy /auth issuer': await token({ iss: `${kc.origin}/auth/realms/demo`, realm_access: { roles: ['reader'] } }),
        'default audience only (account)': await token({ aud: 'account', realm_access: { roles: ['reader'] } }),
      }),
    ).toEqual({
      reader: [200, 403],
      'orders-admin': [200, 201],
      'orders-admin of another client': [403, 403],
      'legacy /auth issuer': [401, 401],
      'default audience only (account)': [401, 401],
    });
  });
});

describe('Okta', () => {
  // A custom authorization server: https://ORG.okta.com/oauth2/default (the org server's tokens are not for your APIs).
  let key: SigningKey;
  let okta: LocalServer;
  beforeAll(async () => {
    key = await rsaKey('okta-kid-1');
    okta = await provider(() => ({
      '/oauth2/default/.well-known/openid-configuration': (origin) =>
        discoveryDocument(`${origin}/oauth2/default`, `${origin}/oauth2/default/v1/keys`),
      '/oauth2/default/v1/keys': () => jwks(key),
    }));
  });
  // Okta's access tokens have no `typ` header.
  const token = (claims: Record<string, unknown>) =>
    mint(
      key,
      {},
      {
        ver: 1,
        jti: 'AT.1',
        iss: `${okta.origin}/oauth2/default`,
        aud: 'api://default',
        cid: '0oa1client',
        uid: '00u1alice',
        sub: 'alice@example.com',
        ...claims,
      },
    );

  test("scp array and groups decide; the org server's issuer and other audiences are 401", async () => {
    const { url } = await ordersApi(
      { issuerBaseURL: `${okta.origin}/oauth2/default`, audience: 'api://default', algorithms: ['RS256'] },
      { read: { scopes: ['orders.read'] }, write: { groups: ['Orders Admins'] } },
    );
    expect(
      await answers(url, {
        reader: await token({ scp: ['openid', 'orders.read'] }),
        admin: await token({ scp: ['openid'], groups: ['Everyone', 'Orders Admins'] }),
        "scope as a string is not Okta's, still read": await token({ scp: 'orders.read' }),
        'org authorization server': await token({ iss: okta.origin, scp: ['orders.read'] }),
        'another audience': await token({ aud: 'api://other', scp: ['orders.read'] }),
      }),
    ).toEqual({
      reader: [200, 403],
      admin: [403, 201],
      "scope as a string is not Okta's, still read": [200, 403],
      'org authorization server': [401, 401],
      'another audience': [401, 401],
    });
  });
});

describe('Microsoft Entra ID', () => {
  // v2.0 tokens: https://login.microsoftonline.com/TENANT/v2.0; v1.0 tokens: https://sts.windows.net/TENANT/ (another host).
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const CLIENT = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
  let key: SigningKey;
  let login: LocalServer;
  let sts: LocalServer;
  beforeAll(async () => {
    key = await rsaKey('nOo3ZDrODXEK1jKWhXslHR_KXEg');
    // Entra ID's keys carry no "alg"; each names the issuer it signs for (a template on the multi-tenant endpoints).
    const { alg: _alg, ...withoutAlg } = key.publicJwk;
    const entraKeys = (issuer: string) => ({ keys: [{ ...withoutAlg, x5t: key.kid, issuer }] });
    sts = await provider(() => ({}));
    login = await provider(() => ({
      [`/${TENANT}/v2.0/.well-known/openid-configuration`]: (origin) =>
        discoveryDocument(`${origin}/${TENANT}/v2.0`, `${origin}/${TENANT}/discovery/v2.0/keys`),
      [`/${TENANT}/discovery/v2.0/keys`]: (origin) => entraKeys(`${origin}/${TENANT}/v2.0`),
      // v1.0 metadata names the sts.windows.net issuer: it is not the URL it is served from.
      [`/${TENANT}/.well-known/openid-configuration`]: (origin) =>
        discoveryDocument(`${sts.origin}/${TENANT}/`, `${origin}/${TENANT}/discovery/keys`),
      [`/${TENANT}/discovery/keys`]: () => entraKeys(`${sts.origin}/${TENANT}/`),
      // The multi-tenant endpoint's metadata holds a template, never a token's issuer.
      '/common/v2.0/.well-known/openid-configuration': (origin) =>
        discoveryDocument(`${origin}/{tenantid}/v2.0`, `${origin}/common/discovery/v2.0/keys`),
    }));
  });
  const v2 = (claims: Record<string, unknown>) =>
    mint(
      key,
      { typ: 'JWT' },
      {
        iss: `${login.origin}/${TENANT}/v2.0`,
        aud: CLIENT,
        azp: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
        tid: TENANT,
        oid: 'a1',
        sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
        ver: '2.0',
        ...claims,
      },
    );
  const v1 = (claims: Record<string, unknown>) =>
    mint(
      key,
      { typ: 'JWT' },
      {
        iss: `${sts.origin}/${TENANT}/`,
        aud: 'api://orders-api',
        appid: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
        tid: TENANT,
        oid: 'a1',
        sub: 'x',
        ver: '1.0',
        ...claims,
      },
    );
  const orders = { read: { scopes: ['Orders.Read'] }, write: { roles: ['Orders.Admin'] } };

  test('v2.0: scp (space-separated) for users, app roles for applications', async () => {
    const { url } = await ordersApi({ issuerBaseURL: `${login.origin}/${TENANT}/v2.0`, audience: CLIENT, algorithms: ['RS256'] }, orders);
    expect(
      await answers(url, {
        'user with Orders.Read': await v2({ scp: 'User.Read Orders.Read' }),
        'daemon with the Orders.Admin app role': await v2({ roles: ['Orders.Admin'] }),
        'user without the scope': await v2({ scp: 'User.Read' }),
        'v1.0 token': await v1({ aud: CLIENT, scp: 'Orders.Read' }),
        'App ID URI audience': await v2({ aud: 'api://orders-api', scp: 'Orders.Read' }),
      }),
    ).toEqual({
      'user with Orders.Read': [200, 403],
      'daemon with the Orders.Admin app role': [403, 201],
      'user without the scope': [403, 403],
      'v1.0 token': [401, 401],
      'App ID URI audience': [401, 401],
    });
  });

  test('v1.0: issuer (sts.windows.net) and jwksUri given, no discovery', async () => {
    const { url } = await ordersApi(
      {
        issuer: `${sts.origin}/${TENANT}/`,
        jwksUri: `${login.origin}/${TENANT}/discovery/keys`,
        audience: 'api://orders-api',
        algorithms: ['RS256'],
      },
      orders,
    );
    expect(
      await answers(url, {
        'user with Orders.Read': await v1({ scp: 'Orders.Read' }),
        'v2.0 token': await v2({ aud: 'api://orders-api', scp: 'Orders.Read' }),
      }),
    ).toEqual({ 'user with Orders.Read': [200, 403], 'v2.0 token': [401, 401] });
  });

  test('discovery refuses the v1.0 and the multi-tenant metadata: their issuer is not the URL they come from', async () => {
    for (const base of [`${login.origin}/${TENANT}`, `${login.origin}/common/v2.0`]) {
      const { url, middleware } = await ordersApi({ issuerBaseURL: base, audience: CLIENT }, orders);
      await expect(middleware.ready).rejects.toThrow(/names issuer/);
      expect((await call(url, 'GET', await v2({ scp: 'Orders.Read' }))).status).toBe(503); // fail closed, retried later
    }
  });
});

describe('Amazon Cognito', () => {
  // https://cognito-idp.REGION.amazonaws.com/POOL_ID, keys at /POOL_ID/.well-known/jwks.json.
  const POOL = 'eu-west-1_Ab12Cd34E';
  const APP_CLIENT = '3n4b5urk1ft4fl3mg5e62d9ado';
  let key: SigningKey;
  let cognito: LocalServer;
  beforeAll(async () => {
    key = await rsaKey('abcdefghijklmnopqrsexample=');
    cognito = await provider(() => ({
      [`/${POOL}/.well-known/openid-configuration`]: (origin) =>
        discoveryDocument(`${origin}/${POOL}`, `${origin}/${POOL}/.well-known/jwks.json`),
      [`/${POOL}/.well-known/jwks.json`]: () => jwks(key),
    }));
  });
  const base = () => ({
    iss: `${cognito.origin}/${POOL}`,
    sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
    auth_time: Math.floor(Date.now() / 1000),
    jti: 'j1',
    origin_jti: 'o1',
    event_id: 'e1',
  });
  // Cognito sends no `typ` header.
  const idToken = (claims: Record<string, unknown>) =>
    mint(
      key,
      {},
      {
        ...base(),
        aud: APP_CLIENT,
        token_use: 'id',
        'cognito:username': 'alice',
        email: 'alice@example.com',
        email_verified: true,
        ...claims,
      },
    );
  const accessToken = (claims: Record<string, unknown>) =>
    mint(
      key,
      {},
      {
        ...base(),
        client_id: APP_CLIENT,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        username: 'alice',
        version: 2,
        ...claims,
      },
    );

  test('ID tokens (aud = app client id): cognito:groups decide; under the default audienceClaim access tokens (no aud) are refused', async () => {
    const { url } = await ordersApi(
      { issuerBaseURL: `${cognito.origin}/${POOL}`, audience: APP_CLIENT, algorithms: ['RS256'] },
      { read: { roles: ['readers', 'admins'] }, write: { roles: ['admins'] } },
    );
    expect(
      await answers(url, {
        reader: await idToken({ 'cognito:groups': ['readers'] }),
        admin: await idToken({ 'cognito:groups': ['admins'] }),
        'no group': await idToken({}),
        'another app client': await idToken({ aud: 'otherclient', 'cognito:groups': ['admins'] }),
        'another user pool': await idToken({ iss: `${cognito.origin}/eu-west-1_Other`, 'cognito:groups': ['admins'] }),
        'access token': await accessToken({ 'cognito:groups': ['admins'] }),
      }),
    ).toEqual({
      reader: [200, 403],
      admin: [200, 201],
      'no group': [403, 403],
      'another app client': [401, 401],
      'another user pool': [401, 401],
      'access token': [401, 401],
    });
    expect(await call(url, 'GET', await accessToken({}))).toEqual({ status: 401, error: expect.stringMatching(/aud/) });
  });

  test("access tokens with audienceClaim: 'client_id': client_id decides the audience, ID tokens are refused", async () => {
    const { url } = await ordersApi(
      { issuerBaseURL: `${cognito.origin}/${POOL}`, audience: APP_CLIENT, audienceClaim: 'client_id', algorithms: ['RS256'] },
      { read: { roles: ['readers', 'admins'] }, write: { roles: ['admins'] } },
    );
    expect(
      await answers(url, {
        reader: await accessToken({ 'cognito:groups': ['readers'] }),
        admin: await accessToken({ 'cognito:groups': ['admins'] }),
        'another app client': await accessToken({ client_id: 'otherclient', 'cognito:groups': ['admins'] }),
        'no client_id': await accessToken({ client_id: undefined, 'cognito:groups': ['admins'] }),
        'an aud for another API': await accessToken({ aud: 'https://other.example', 'cognito:groups': ['admins'] }),
        'another user pool': await accessToken({ iss: `${cognito.origin}/eu-west-1_Other`, 'cognito:groups': ['admins'] }),
        'ID token': await idToken({ 'cognito:groups': ['admins'] }),
      }),
    ).toEqual({
      reader: [200, 403],
      admin: [200, 201],
      'another app client': [401, 401],
      'no client_id': [401, 401],
      'an aud for another API': [401, 401],
      'another user pool': [401, 401],
      'ID token': [401, 401],
    });
    expect(await call(url, 'GET', await accessToken({ client_id: 'otherclient' }))).toEqual({
      status: 401,
      error: expect.stringMatching(/client_id/),
    });
    expect(await call(url, 'GET', await idToken({}))).toEqual({ status: 401, error: expect.stringMatching(/client_id/) });
  });
});

describe('Google', () => {
  // https://accounts.google.com (no trailing slash); keys on another host (www.googleapis.com/oauth2/v3/certs).
  // Google's ID tokens may spell the issuer without the scheme: "accounts.google.com".
  const CLIENT_ID = '1234567890-abc123def456.apps.googleusercontent.com';
  let key: SigningKey;
  let accounts: LocalServer;
  let googleapis: LocalServer;
  beforeAll(async () => {
    key = await rsaKey('c7e04465649ffa606557650c7e65f0a87ae00fe8');
    googleapis = await provider(() => ({ '/oauth2/v3/certs': () => jwks(key) }));
    accounts = await provider(() => ({
      '/.well-known/openid-configuration': (origin) => discoveryDocument(origin, `${googleapis.origin}/oauth2/v3/certs`),
    }));
  });
  const idToken = (claims: Record<string, unknown>) =>
    mint(
      key,
      { typ: 'JWT' },
      {
        iss: accounts.origin,
        azp: CLIENT_ID,
        aud: CLIENT_ID,
        sub: '110169484474386276334',
        email: 'alice@example.com',
        email_verified: true,
        hd: 'example.com',
        ...claims,
      },
    );
  const orders = { read: { domains: ['example.com'] }, write: {} };

  test('ID tokens: a verified address in the hosted domain reads; both issuer spellings when both are configured', async () => {
    const bare = accounts.origin.replace(/^http:\/\//, '');
    const single = await ordersApi({ issuerBaseURL: accounts.origin, audience: CLIENT_ID, algorithms: ['RS256'] }, orders);
    const both = await ordersApi(
      {
        issuers: [{ issuerBaseURL: accounts.origin }, { issuer: bare, jwksUri: `${googleapis.origin}/oauth2/v3/certs` }],
        audience: CLIENT_ID,
        algorithms: ['RS256'],
      },
      orders,
    );
    const tokens = {
      'example.com': await idToken({}),
      'unverified address': await idToken({ email_verified: false }),
      'gmail.com (no hd)': await idToken({ email: 'alice@gmail.com', hd: undefined }),
      'issuer without scheme': await idToken({ iss: bare }),
      'another client': await idToken({ aud: 'other.apps.googleusercontent.com' }),
    };
    expect(await answers(single.url, tokens)).toEqual({
      'example.com': [200, 403],
      'unverified address': [403, 403],
      'gmail.com (no hd)': [403, 403],
      'issuer without scheme': [401, 401],
      'another client': [401, 401],
    });
    expect(await answers(both.url, tokens)).toEqual({
      'example.com': [200, 403],
      'unverified address': [403, 403],
      'gmail.com (no hd)': [403, 403],
      'issuer without scheme': [200, 403],
      'another client': [401, 401],
    });
    expect(googleapis.hits.get('/oauth2/v3/certs')).toBeGreaterThan(0);
  });
});
