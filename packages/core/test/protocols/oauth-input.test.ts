import { generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
import type { CoreRequest } from '../../src/contract';
import {
  basicClientId,
  buildOAuthInput,
  oauthDenialBody,
  OAuthRequestError,
  readFormParams,
  readTokenRequest,
  TOKEN_EXCHANGE_GRANT,
  type TokenVerifier,
} from '../../src/oauth';

const ISSUER = 'https://issuer.test';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
let privateKey: KeyLike;
let otherKey: KeyLike;
let verify: TokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  verify = async (token) => (await jwtVerify(token, pair.publicKey, { issuer: ISSUER })).payload;
});

function sign(claims: Record<string, unknown>, key: KeyLike = privateKey, issuer = ISSUER): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setIssuer(issuer).setIssuedAt().setExpirationTime('5m').sign(key);
}

function formRequest(body: unknown, headers: Record<string, string> = {}): CoreRequest {
  return { method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body };
}

async function inputFor(body: unknown, headers?: Record<string, string>) {
  const request = formRequest(body, headers);
  const params = readTokenRequest(request);
  if (!params) throw new Error('not a token request');
  return buildOAuthInput(request, params, verify);
}

describe('OAuth token request input', () => {
  test('token exchange: verified subject and actor claims, scope under both spellings, no raw token anywhere', async () => {
    const subject = await sign({ sub: 'alice', scope: 'api:read api:write' });
    const actor = await sign({ sub: 'agent-7', scope: 'openid' });
    const input = await inputFor({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: '325859cf',
      scope: 'api:read',
      subject_token: subject,
      subject_token_type: ACCESS,
      actor_token: actor,
      actor_token_type: ACCESS,
      resource: 'https://api.example.com',
    });
    expect(input).toMatchObject({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: '325859cf',
      scope: 'api:read',
      scopes: 'api:read',
      resource: ['https://api.example.com'],
      subject_token: { token_type: ACCESS, claims: { sub: 'alice', scope: 'api:read api:write', iss: ISSUER } },
      actor_token: { token_type: ACCESS, claims: { sub: 'agent-7', scope: 'openid' } },
    });
    const serialised = JSON.stringify(input);
    expect(serialised).not.toContain(subject);
    expect(serialised).not.toContain(actor);
    expect(serialised).not.toContain(subject.split('.')[1]);
  });

  test('a raw urlencoded string or Buffer body is read the same way as a parsed object', async () => {
    const subject = await sign({ scope: 'a b' });
    const text = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      scope: 'a',
      subject_token: subject,
      subject_token_type: ACCESS,
    }).toString();
    const fromText = await inputFor(text);
    const fromBuffer = await inputFor(Buffer.from(text));
    expect(fromText.subject_token?.claims.scope).toBe('a b');
    expect(fromBuffer).toEqual(fromText);
  });

  test('a subject token signed by another key is an invalid_grant error, its claims are not shown', async () => {
    const forged = await sign({ scope: 'admin' }, otherKey);
    const attempt = inputFor({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: forged, subject_token_type: ACCESS });
    await expect(attempt).rejects.toBeInstanceOf(OAuthRequestError);
    await expect(attempt).rejects.toMatchObject({
      code: 'invalid_grant',
      description: expect.stringMatching(/^subject_token could not be verified/),
    });
  });

  test('a subject token from another issuer, or not a JWT at all, is invalid_grant', async () => {
    const foreign = await sign({ scope: 'x' }, privateKey, 'https://evil.test');
    await expect(inputFor({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: foreign, subject_token_type: ACCESS })).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    await expect(
      inputFor({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: 'opaque-123', subject_token_type: ACCESS }),
    ).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  test('an unverifiable actor token is refused too', async () => {
    const subject = await sign({ scope: 'x' });
    const actor = await sign({ sub: 'bot' }, otherKey);
    await expect(
      inputFor({
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: subject,
        subject_token_type: ACCESS,
        actor_token: actor,
        actor_token_type: ACCESS,
      }),
    ).rejects.toMatchObject({ code: 'invalid_grant', description: expect.stringMatching(/^actor_token/) });
  });

  test('missing subject_token or token types are invalid_request (RFC 8693 §2.1)', async () => {
    await expect(inputFor({ grant_type: TOKEN_EXCHANGE_GRANT, scope: 'a' })).rejects.toMatchObject({ code: 'invalid_request' });
    const subject = await sign({});
    await expect(inputFor({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject })).rejects.toMatchObject({
      code: 'invalid_request',
      description: expect.stringContaining('subject_token_type'),
    });
  });

  test('repeated parameters are invalid_request, except resource and audience', async () => {
    await expect(inputFor('grant_type=client_credentials&scope=a&scope=b')).rejects.toMatchObject({
      code: 'invalid_request',
      description: expect.stringContaining('scope'),
    });
    const input = await inputFor('grant_type=client_credentials&resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb&audience=x');
    expect(input).toEqual({ grant_type: 'client_credentials', resource: ['https://a', 'https://b'], audience: ['x'] });
  });

  test('other grants are described without verifying anything; client secrets are left out', async () => {
    const input = await inputFor({ grant_type: 'client_credentials', client_id: 'c1', client_secret: 's3cret', scope: 'read' });
    expect(input).toEqual({ grant_type: 'client_credentials', client_id: 'c1', scope: 'read', scopes: 'read' });
  });

  test('client_id comes from HTTP Basic client authentication when not in the form', async () => {
    const basic = `Basic ${Buffer.from('my%20client:secret').toString('base64')}`;
    expect((await inputFor({ grant_type: 'client_credentials' }, { authorization: basic })).client_id).toBe('my client');
    expect(basicClientId({ authorization: 'Bearer abc' })).toBeUndefined();
    expect(basicClientId({ authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` })).toBeUndefined();
  });

  test('only POSTed forms with grant_type are token requests', () => {
    expect(readTokenRequest(formRequest({ grant_type: 'x' }))).toBeDefined();
    expect(readTokenRequest({ ...formRequest({ grant_type: 'x' }), method: 'GET' })).toBeUndefined();
    expect(readTokenRequest(formRequest({ username: 'x' }))).toBeUndefined();
    expect(
      readTokenRequest({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, body: { grant_type: 'x' } }),
    ).toBeUndefined();
    expect(
      readTokenRequest(formRequest({ grant_type: 'x' }, { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' })),
    ).toBeDefined();
  });

  test('nested values from extended form parsers are not OAuth parameters', () => {
    expect(readFormParams({ grant_type: 'x', nested: { a: 1 } })).toEqual(new Map([['grant_type', ['x']]]));
    expect(readFormParams(42)).toBeUndefined();
  });

  test('denial bodies follow RFC 6749 §5.2: a code-like external message is the code, a sentence becomes the description', () => {
    expect(oauthDenialBody('invalid_scope')).toEqual({ error: 'invalid_scope' });
    expect(oauthDenialBody('invalid_target')).toEqual({ error: 'invalid_target' });
    expect(oauthDenialBody(undefined)).toEqual({ error: 'invalid_scope' });
    expect(oauthDenialBody('scopes exceed "subject" ✓')).toEqual({
      error: 'invalid_scope',
      error_description: 'scopes exceed ?subject? ?',
    });
  });
});
