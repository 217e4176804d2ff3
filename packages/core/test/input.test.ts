/**
 * The input document: a superset of the seed schema, canonical MIME header names, the verified token only.
 */
import type { CoreRequest } from '../src/contract';
import { applyInputHook, buildInput, canonicalHeaderName, canonicalHeaders } from '../src/input';
import type { VerifiedToken } from '../src/verify';

const verified: VerifiedToken = {
  header: { alg: 'RS256', kid: 'rsa-1', typ: 'JWT' },
  payload: { sub: 'alice', scope: 'tickets:read', iss: 'https://issuer.test' },
  issuerLabel: 'issuer',
};

const request: CoreRequest = {
  method: 'post',
  url: '/mcp/tools?page=2&tag=a&tag=b',
  // As Node gives them: lower-case names, set-cookie as an array, duplicates of other headers already joined.
  headers: {
    host: 'mcp.example.com',
    authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig',
    'content-type': 'application/json',
    'user-agent': 'MCP-Client/1.0',
    'x-forwarded-for': '10.0.0.1, 10.0.0.2',
    'set-cookie': ['a=1', 'b=2'],
    'www-authenticate': 'Basic',
    'x-custom-ID': 'x',
  },
  ip: '::ffff:192.168.1.100',
};

test('canonical MIME header names (Go textproto rules)', () => {
  expect(canonicalHeaderName('content-type')).toBe('Content-Type');
  expect(canonicalHeaderName('user-agent')).toBe('User-Agent');
  expect(canonicalHeaderName('AUTHORIZATION')).toBe('Authorization');
  expect(canonicalHeaderName('x-request-id')).toBe('X-Request-Id');
  expect(canonicalHeaderName('www-authenticate')).toBe('Www-Authenticate');
  expect(canonicalHeaderName('bad header')).toBe('bad header');
});

test('repeated values are joined with ", " (also across names differing in case)', () => {
  expect(canonicalHeaders({ 'set-cookie': ['a=1', 'b=2'], 'X-A': '1', 'x-a': '2' })).toEqual({ 'Set-Cookie': 'a=1, b=2', 'X-A': '1, 2' });
});

test('the document matches the seed schema, plus shortcuts and the verified token', () => {
  const input = buildInput(request, verified);
  expect(input).toEqual({
    source: { ip: '192.168.1.100' },
    request: {
      http: {
        host: 'mcp.example.com',
        method: 'POST',
        path: '/mcp/tools',
        headers: {
          Host: 'mcp.example.com',
          Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig',
          'Content-Type': 'application/json',
          'User-Agent': 'MCP-Client/1.0',
          'X-Forwarded-For': '10.0.0.1, 10.0.0.2',
          'Set-Cookie': 'a=1, b=2',
          'Www-Authenticate': 'Basic',
          'X-Custom-Id': 'x',
        },
        query: { page: ['2'], tag: ['a', 'b'] },
      },
    },
    jwt: { header: verified.header, payload: verified.payload },
    method: 'POST',
    path: '/mcp/tools',
  });
});

test('anonymous requests have no jwt member at all', () => {
  const input = buildInput({ method: 'GET', url: '/', headers: {} }, undefined);
  expect('jwt' in input).toBe(false);
  expect(input.request.http).toEqual({ host: '', method: 'GET', path: '/', headers: {}, query: {} });
  expect(input.source).toEqual({});
});

describe('the input hook', () => {
  test('may return a new document', async () => {
    const input = buildInput(request, verified);
    const result = await applyInputHook(async (doc) => ({ ...doc, resource: { owner: 'alice' } }), input, { request, token: verified });
    expect(result.resource).toEqual({ owner: 'alice' });
  });

  test('may change the given one and return nothing; it sees the request and the verified token', async () => {
    const input = buildInput(request, verified);
    const seen: unknown[] = [];
    const result = await applyInputHook(
      (doc, context) => {
        seen.push(context.request.url, context.token?.payload.sub);
        doc.risk = { score: 3 };
      },
      input,
      { request, token: verified },
    );
    expect(result.risk).toEqual({ score: 3 });
    expect(seen).toEqual(['/mcp/tools?page=2&tag=a&tag=b', 'alice']);
  });

  test('must produce an object', async () => {
    await expect(applyInputHook(() => 42 as never, buildInput(request, undefined), { request })).rejects.toThrow(/must return an object/);
  });
});
