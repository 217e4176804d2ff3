import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { CoreRequest, Decision } from '../../src/contract';
import { InvalidOptionError } from '../../src/errors';
import { DEFAULTS, resolveProtocolOptions, resolveResourceMetadata } from '../../src/options';
import { enrichProtocolInput, serveWellKnown, shapeDenial, type RespondOutcome, type TokenVerifier } from '../../src/protocols';
import { acceptedAudiences, withResourceMetadata } from '../../src/resource-metadata';

const METADATA = { resource: 'https://mcp.example.com/mcp', scopesSupported: ['tickets:read', 'tickets:write'] };
const protocols = resolveProtocolOptions({ resourceMetadata: METADATA }, ['https://issuer.example.com']);
const rejectAll: TokenVerifier = async () => {
  throw new Error('signature verification failed');
};

function jsonPost(body: unknown, headers: Record<string, string> = {}): CoreRequest {
  return { method: 'POST', url: '/mcp', headers: { 'content-type': 'application/json', ...headers }, body };
}
function formPost(body: unknown): CoreRequest {
  return { method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
}
const decision = (externalMessage?: string): Decision => ({
  allowed: false,
  result: { allowed: false },
  externalMessage,
  decisionId: 'd-1',
});
const forbidden: RespondOutcome = {
  type: 'respond',
  status: 403,
  headers: {},
  body: { error: 'forbidden', error_description: 'denied by policy' },
};
const unauthorized: RespondOutcome = {
  type: 'respond',
  status: 401,
  headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="jwt expired"' },
  body: { error: 'invalid_token' },
};

describe('resource metadata option (RFC 9728)', () => {
  test('the document comes from configuration, with the issuer as default authorization server', () => {
    expect(protocols.resourceMetadata?.document).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://issuer.example.com'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['tickets:read', 'tickets:write'],
    });
    expect(protocols.resourceMetadata?.metadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
  });

  test('bad options fail at start-up naming the option', () => {
    expect(() => resolveResourceMetadata({ resource: 'http://mcp.example.com' }, ['https://i'])).toThrow(
      /resourceMetadata\.resource.*https/,
    );
    expect(() => resolveResourceMetadata({ resource: 'https://a/#x' }, ['https://i'])).toThrow(/resourceMetadata\.resource.*fragment/);
    expect(() => resolveResourceMetadata({ resource: 'mcp' }, ['https://i'])).toThrow(/resourceMetadata\.resource.*absolute/);
    expect(() => resolveResourceMetadata({ resource: 'https://a' }, [])).toThrow(/resourceMetadata\.authorizationServers.*required/);
    expect(() => resolveResourceMetadata({ resource: 'https://a', bearerMethodsSupported: ['cookie'] }, ['https://i'])).toThrow(
      /bearerMethodsSupported/,
    );
    expect(() => resolveResourceMetadata({ resource: 'https://a', scopes: ['x'] }, ['https://i'])).toThrow(
      /resourceMetadata\.scopes" is not a known option/,
    );
    expect(() => resolveResourceMetadata('https://a', ['https://i'])).toThrow(/"resourceMetadata" must be an object/);
    expect(() => resolveProtocolOptions({ maxBodySize: 0 })).toThrow(/maxBodySize/);
    expect(() => resolveProtocolOptions({ maxBodySize: 1.5 })).toThrow(/maxBodySize/);
    expect(resolveProtocolOptions({}).maxBodySize).toBe(DEFAULTS.maxBodySize);
  });

  test('every bad member is an InvalidOptionError that names it by its path', () => {
    const optionOf = (run: () => unknown): unknown => {
      try {
        run();
      } catch (error) {
        return error instanceof InvalidOptionError ? error.option : error;
      }
      return 'no error';
    };
    expect(optionOf(() => resolveResourceMetadata({ resource: 'mcp' }, ['https://i']))).toBe('resourceMetadata.resource');
    expect(optionOf(() => resolveResourceMetadata({ resource: 'https://a', authorizationServers: 'https://i' }, []))).toBe(
      'resourceMetadata.authorizationServers',
    );
    expect(optionOf(() => resolveResourceMetadata({ resource: 'https://a', authorizationServers: ['ftp://i'] }, []))).toBe(
      'resourceMetadata.authorizationServers[0]',
    );
    expect(optionOf(() => resolveResourceMetadata({ resource: 'https://a', scopesSupported: [''] }, ['https://i']))).toBe(
      'resourceMetadata.scopesSupported',
    );
    expect(optionOf(() => resolveResourceMetadata({ resource: 'https://a', resourceName: 7 }, ['https://i']))).toBe(
      'resourceMetadata.resourceName',
    );
    expect(optionOf(() => resolveResourceMetadata({ resource: 'https://a', nope: 1 }, ['https://i']))).toBe('resourceMetadata.nope');
    expect(optionOf(() => resolveResourceMetadata(new Map([['resource', 'https://a']]), ['https://i']))).toBe('resourceMetadata');
    expect(optionOf(() => resolveProtocolOptions({ maxBodySize: -1 }))).toBe('maxBodySize');
  });

  test('http is accepted for loopback resources (local development)', () => {
    expect(resolveResourceMetadata({ resource: 'http://127.0.0.1:3000/' }, ['http://127.0.0.1:4000'])?.metadataUrl).toBe(
      'http://127.0.0.1:3000/.well-known/oauth-protected-resource',
    );
  });

  test('audiences accepted include the resource identifier (RFC 8707)', () => {
    expect(acceptedAudiences(undefined, protocols.resourceMetadata)).toEqual(['https://mcp.example.com/mcp']);
    expect(acceptedAudiences('api', protocols.resourceMetadata)).toEqual(['api', 'https://mcp.example.com/mcp']);
    expect(acceptedAudiences(['api'], undefined)).toEqual(['api']);
    expect(acceptedAudiences(undefined, undefined)).toBeUndefined();
  });

  test('Bearer challenges get resource_metadata added once', () => {
    const url = 'https://x/.well-known/oauth-protected-resource';
    expect(withResourceMetadata(undefined, url)).toBe(`Bearer resource_metadata="${url}"`);
    expect(withResourceMetadata('Bearer', url)).toBe(`Bearer resource_metadata="${url}"`);
    expect(withResourceMetadata('Bearer realm="api"', url)).toBe(`Bearer resource_metadata="${url}", realm="api"`);
    expect(withResourceMetadata(`Bearer resource_metadata="${url}"`, url)).toBe(`Bearer resource_metadata="${url}"`);
  });
});

describe('serveWellKnown', () => {
  test('serves the document at the path-aware and the root well-known URI, GET only', () => {
    for (const url of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource?x=1',
    ]) {
      const outcome = serveWellKnown({ method: 'GET', url, headers: {} }, protocols);
      expect(outcome).toMatchObject({ type: 'respond', status: 200, body: { resource: 'https://mcp.example.com/mcp' } });
    }
    expect(serveWellKnown({ method: 'POST', url: '/.well-known/oauth-protected-resource', headers: {} }, protocols)).toBeUndefined();
    expect(serveWellKnown({ method: 'GET', url: '/.well-known/oauth-protected-resource/other', headers: {} }, protocols)).toBeUndefined();
    expect(
      serveWellKnown({ method: 'GET', url: '/.well-known/oauth-protected-resource', headers: {} }, resolveProtocolOptions({})),
    ).toBeUndefined();
  });
});

describe('enrichProtocolInput', () => {
  test('a JSON-RPC tool call becomes input.request.mcp', async () => {
    const result = await enrichProtocolInput(
      jsonPost({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'book_ticket', arguments: { seats: 2 } } }),
      protocols,
      rejectAll,
    );
    expect(result).toEqual({
      type: 'input',
      request: { mcp: { type: 'tool', method: 'tools/call', id: 4, tool: { params: { name: 'book_ticket', arguments: { seats: 2 } } } } },
    });
  });

  test('ordinary JSON bodies and GETs add nothing', async () => {
    expect(await enrichProtocolInput(jsonPost({ orderId: 1 }), protocols, rejectAll)).toEqual({ type: 'input', request: {} });
    expect(await enrichProtocolInput({ method: 'GET', url: '/mcp', headers: {} }, protocols, rejectAll)).toEqual({
      type: 'input',
      request: {},
    });
  });

  test('batches of several JSON-RPC messages are refused with a JSON-RPC error', async () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } };
    const result = await enrichProtocolInput(jsonPost([call, { ...call, id: 2 }]), protocols, rejectAll);
    expect(result).toMatchObject({ type: 'respond', status: 400, body: { jsonrpc: '2.0', id: null, error: { code: -32600 } } });
  });

  test('a batch hiding a tool call behind an id-less error response is refused, not passed without request.mcp', async () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_all' } };
    const idLessError = { jsonrpc: '2.0', error: { code: -32600, message: 'x' } };
    for (const batch of [
      [call, idLessError],
      [idLessError, call],
    ]) {
      expect(await enrichProtocolInput(jsonPost(batch), protocols, rejectAll)).toMatchObject({
        type: 'respond',
        status: 400,
        body: { error: { code: -32600 } },
      });
    }
  });

  test('a body that claims JSON-RPC but is no message we can describe is a 400 JSON-RPC invalid request', async () => {
    for (const body of [
      { jsonrpc: '2.0', id: 1, method: 7 },
      { jsonrpc: '1.0', id: 1, method: 'tools/call' },
      { jsonrpc: '2.0', id: 1 },
    ]) {
      expect(await enrichProtocolInput(jsonPost(body), protocols, rejectAll)).toMatchObject({
        type: 'respond',
        status: 400,
        body: { jsonrpc: '2.0', id: null, error: { code: -32600 } },
      });
    }
  });

  test('raw JSON text or bytes (a text/raw parser ran) is parsed and classified like a parsed body', async () => {
    const text = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"delete_all"}}';
    const expected = {
      type: 'input',
      request: { mcp: { type: 'tool', method: 'tools/call', id: 3, tool: { params: { name: 'delete_all' } } } },
    };
    expect(await enrichProtocolInput(jsonPost(text), protocols, rejectAll)).toEqual(expected);
    expect(await enrichProtocolInput(jsonPost(Buffer.from(text)), protocols, rejectAll)).toEqual(expected);
    expect(await enrichProtocolInput(jsonPost(Buffer.from(`\ufeff${text}`)), protocols, rejectAll)).toEqual(expected);
    expect(await enrichProtocolInput(jsonPost(`[${text},${text}]`), protocols, rejectAll)).toMatchObject({ status: 400 });
    expect(await enrichProtocolInput(jsonPost('not json'), protocols, rejectAll)).toEqual({ type: 'input', request: {} });
  });

  test('content-type variants: a parsed JSON-RPC body is classified whatever its Content-Type says', async () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_all' } };
    for (const type of ['Application/JSON; charset=utf-8', 'application/json;', 'text/plain', 'application/vnd.api+json']) {
      expect(await enrichProtocolInput(jsonPost(call, { 'content-type': type }), protocols, rejectAll)).toMatchObject({
        type: 'input',
        request: { mcp: { type: 'tool' } },
      });
    }
    const untyped: CoreRequest = { method: 'POST', url: '/mcp', headers: {}, body: call };
    expect(await enrichProtocolInput(untyped, protocols, rejectAll)).toMatchObject({ request: { mcp: { type: 'tool' } } });
  });

  test('a JSON body no body parser read is refused (500): the server behind could still read and act on it', async () => {
    const unparsed = (headers: Record<string, string>): CoreRequest => ({
      method: 'POST',
      url: '/mcp',
      headers: { 'content-type': 'application/json', ...headers },
    });
    const refusal = { type: 'respond', status: 500, body: { error: 'server_error' } };
    expect(await enrichProtocolInput(unparsed({ 'content-length': '80' }), protocols, rejectAll)).toMatchObject(refusal);
    expect(await enrichProtocolInput(unparsed({ 'transfer-encoding': 'chunked' }), protocols, rejectAll)).toMatchObject(refusal);
    expect(
      await enrichProtocolInput(
        unparsed({ 'content-type': 'application/json; charset=utf-8', 'content-length': '80' }),
        protocols,
        rejectAll,
      ),
    ).toMatchObject(refusal);
    // No body at all: nothing to classify.
    expect(await enrichProtocolInput(unparsed({ 'content-length': '0' }), protocols, rejectAll)).toEqual({ type: 'input', request: {} });
    expect(await enrichProtocolInput(unparsed({}), protocols, rejectAll)).toEqual({ type: 'input', request: {} });
    // Not JSON: not this layer's to read (uploads).
    expect(await enrichProtocolInput(unparsed({ 'content-type': 'text/plain', 'content-length': '80' }), protocols, rejectAll)).toEqual({
      type: 'input',
      request: {},
    });
  });

  test('bodies over the limit are refused with 413, by Content-Length or by measured size', async () => {
    const small = resolveProtocolOptions({ maxBodySize: 64 });
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { text: 'y'.repeat(100) } } };
    expect(await enrichProtocolInput(jsonPost(call), small, rejectAll)).toMatchObject({ type: 'respond', status: 413 });
    expect(await enrichProtocolInput(jsonPost({ a: 1 }, { 'content-length': '65' }), small, rejectAll)).toMatchObject({ status: 413 });
    expect(await enrichProtocolInput(formPost('grant_type=' + 'x'.repeat(80)), small, rejectAll)).toMatchObject({ status: 413 });
    expect(await enrichProtocolInput(jsonPost({ jsonrpc: '2.0', id: 1, method: 'ping' }), small, rejectAll)).toMatchObject({
      type: 'input',
    });
    // Content this layer never reads (uploads) is not its to limit.
    expect(
      await enrichProtocolInput(
        { method: 'POST', url: '/upload', headers: { 'content-type': 'application/octet-stream', 'content-length': '9999' } },
        small,
        rejectAll,
      ),
    ).toMatchObject({ type: 'input' });
  });

  test('token requests become input.request.oauth, with verified subject claims', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const verify: TokenVerifier = async (token) => (await jwtVerify(token, publicKey)).payload;
    const subject = await new SignJWT({ scope: 'tickets:read tickets:write' }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    const result = await enrichProtocolInput(
      formPost({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        scope: 'tickets:read',
        subject_token: subject,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      }),
      protocols,
      verify,
    );
    expect(result).toEqual({
      type: 'input',
      request: {
        oauth: {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          scope: 'tickets:read',
          scopes: 'tickets:read',
          subject_token: { token_type: 'urn:ietf:params:oauth:token-type:jwt', claims: { scope: 'tickets:read tickets:write' } },
        },
      },
    });
  });

  test('an unverifiable subject token is a 400 invalid_grant, not a claims leak', async () => {
    const result = await enrichProtocolInput(
      formPost({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: 'a.b.c',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      }),
      protocols,
      rejectAll,
    );
    expect(result).toEqual({
      type: 'respond',
      status: 400,
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      body: { error: 'invalid_grant', error_description: 'subject_token could not be verified: signature verification failed' },
    });
  });
});

describe('shapeDenial', () => {
  const toolCall = jsonPost({ jsonrpc: '2.0', id: 'call-9', method: 'tools/call', params: { name: 'book_ticket' } });

  test('a policy denial of a JSON-RPC request is a 403 JSON-RPC error with the external message and the request id', () => {
    expect(shapeDenial(toolCall, forbidden, decision('unauthorized, contact support@example.com'), protocols)).toEqual({
      type: 'respond',
      status: 403,
      headers: {},
      body: { jsonrpc: '2.0', id: 'call-9', error: { code: -32003, message: 'unauthorized, contact support@example.com' } },
    });
  });

  test('without an external message the core body explains; notifications echo id null', () => {
    const notification = jsonPost({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(shapeDenial(notification, forbidden, decision(), protocols).body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32003, message: 'denied by policy' },
    });
  });

  test('internal failures of JSON-RPC requests keep their status and become JSON-RPC internal errors', () => {
    const failed: RespondOutcome = {
      type: 'respond',
      status: 503,
      headers: {},
      body: { error: 'temporarily_unavailable', error_description: 'keys unavailable' },
    };
    expect(shapeDenial(toolCall, failed, undefined, protocols)).toMatchObject({
      status: 503,
      body: { id: 'call-9', error: { code: -32603, message: 'keys unavailable' } },
    });
  });

  test('401s keep their OAuth body and gain resource_metadata in WWW-Authenticate', () => {
    const shaped = shapeDenial(toolCall, unauthorized, undefined, protocols);
    expect(shaped.status).toBe(401);
    expect(shaped.body).toEqual({ error: 'invalid_token' });
    expect(shaped.headers['WWW-Authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error="invalid_token", error_description="jwt expired"',
    );
    const bare = shapeDenial(
      { method: 'GET', url: '/x', headers: {} },
      { type: 'respond', status: 401, headers: {}, body: {} },
      undefined,
      protocols,
    );
    expect(bare.headers['WWW-Authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    expect(shapeDenial(toolCall, unauthorized, undefined, resolveProtocolOptions({})).headers).toEqual(unauthorized.headers);
  });

  test('a denied token request is a 400 in OAuth error format', () => {
    const request = formPost({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', scope: 'admin' });
    expect(shapeDenial(request, forbidden, decision('invalid_scope'), protocols)).toEqual({
      type: 'respond',
      status: 400,
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      body: { error: 'invalid_scope' },
    });
    expect(shapeDenial(request, forbidden, decision(), protocols).body).toEqual({ error: 'invalid_scope' });
  });

  test('other requests keep the core denial', () => {
    const plain = jsonPost({ orderId: 1 });
    expect(shapeDenial(plain, forbidden, decision('no'), protocols)).toEqual(forbidden);
    expect(shapeDenial({ method: 'DELETE', url: '/mcp', headers: {} }, forbidden, decision('no'), protocols)).toEqual(forbidden);
  });
});
