import { buildMcpInput, classifyJsonRpcBody, isJsonRpcMessage, jsonRpcIdOf } from '../../src/mcp';

describe('MCP input from JSON-RPC 2.0 messages', () => {
  test('tools/call fills tool.params.{name, arguments} as in the seed schema, plus method and id', () => {
    const input = buildMcpInput({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'listUsers', arguments: { exampleBodyKeyAlpha: 10, exampleBodyKeyBeta: true } },
    });
    expect(input).toEqual({
      type: 'tool',
      method: 'tools/call',
      id: 7,
      tool: { params: { name: 'listUsers', arguments: { exampleBodyKeyAlpha: 10, exampleBodyKeyBeta: true } } },
    });
  });

  test('resources/read fills resource.params.uri', () => {
    expect(
      buildMcpInput({ jsonrpc: '2.0', id: 'r1', method: 'resources/read', params: { uri: 'file:///etc/hosts', _meta: { x: 1 } } }),
    ).toEqual({
      type: 'resource',
      method: 'resources/read',
      id: 'r1',
      resource: { params: { uri: 'file:///etc/hosts' } },
    });
  });

  test('prompts/get fills prompt.params.{name, arguments}', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 0, method: 'prompts/get', params: { name: 'summary', arguments: { lang: 'fr' } } })).toEqual(
      {
        type: 'prompt',
        method: 'prompts/get',
        id: 0,
        prompt: { params: { name: 'summary', arguments: { lang: 'fr' } } },
      },
    );
  });

  test('other methods and notifications are type "method" without params; notifications have no id', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'abc' } })).toEqual({
      type: 'method',
      method: 'tools/list',
      id: 1,
    });
    expect(buildMcpInput({ jsonrpc: '2.0', method: 'notifications/initialized' })).toEqual({
      type: 'method',
      method: 'notifications/initialized',
    });
  });

  test('a client response to a server request is type "response"', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 3, result: {} })).toEqual({ type: 'response', id: 3 });
  });

  test('absent members stay absent (undefined in Rego), they are not invented', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_ticket_price' } }).tool).toEqual({
      params: { name: 'get_ticket_price' },
    });
    expect(buildMcpInput({ jsonrpc: '2.0', id: 2, method: 'tools/call' }).tool).toEqual({ params: {} });
  });

  test('JSON-RPC messages: jsonrpc "2.0" with a string method, or a response with result/error (id optional)', () => {
    expect(isJsonRpcMessage({ jsonrpc: '2.0', method: 'ping', id: 1 })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } })).toBe(true);
    // The MCP SDK's error-response schema makes the id optional: such a response is still a message.
    expect(isJsonRpcMessage({ jsonrpc: '2.0', error: { code: -32600, message: 'x' } })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', result: {} })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '1.0', method: 'ping' })).toBe(false);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', method: 42, id: 1 })).toBe(false);
    expect(isJsonRpcMessage({ method: 'ping' })).toBe(false);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1 })).toBe(false);
    expect(isJsonRpcMessage(null)).toBe(false);
    expect(isJsonRpcMessage('{"jsonrpc":"2.0"}')).toBe(false);
  });

  test('bodies are classified: one message, a one-element batch, a larger batch, not JSON-RPC, or invalid', () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } };
    expect(classifyJsonRpcBody(call)).toEqual({ kind: 'message', message: call });
    expect(classifyJsonRpcBody([call])).toEqual({ kind: 'message', message: call });
    expect(classifyJsonRpcBody([call, { ...call, id: 2 }])).toEqual({ kind: 'batch', size: 2 });
    // A batch is refused whatever its other elements are: an id-less error response, a non-object, a stranger.
    const idLessError = { jsonrpc: '2.0', error: { code: -32600, message: 'x' } };
    expect(classifyJsonRpcBody([call, idLessError])).toEqual({ kind: 'batch', size: 2 });
    expect(classifyJsonRpcBody([idLessError, call])).toEqual({ kind: 'batch', size: 2 });
    expect(classifyJsonRpcBody([call, { hello: 1 }])).toEqual({ kind: 'batch', size: 2 });
    expect(classifyJsonRpcBody([call, 7, null])).toEqual({ kind: 'batch', size: 3 });
    expect(classifyJsonRpcBody([idLessError])).toEqual({ kind: 'message', message: idLessError });
    // Nothing says JSON-RPC: an ordinary body (REST arrays and objects, the empty array).
    expect(classifyJsonRpcBody([])).toEqual({ kind: 'none' });
    expect(classifyJsonRpcBody([{ item: 'tea' }, 3])).toEqual({ kind: 'none' });
    expect(classifyJsonRpcBody({ orderId: 7, method: 'card' })).toEqual({ kind: 'none' });
    expect(classifyJsonRpcBody('{"jsonrpc":"2.0"}')).toEqual({ kind: 'none' });
  });

  test('a body that says it is JSON-RPC but cannot be described is invalid (refused), never "none"', () => {
    const kinds = (body: unknown) => classifyJsonRpcBody(body).kind;
    expect(kinds({ jsonrpc: '2.0', id: 1, method: 42 })).toBe('invalid');
    expect(kinds({ jsonrpc: '2.0', id: 1, method: null })).toBe('invalid');
    expect(kinds({ jsonrpc: '1.0', id: 1, method: 'tools/call' })).toBe('invalid');
    expect(kinds({ jsonrpc: 2, id: 1, method: 'tools/call' })).toBe('invalid');
    expect(kinds({ jsonrpc: '2.0', id: 1 })).toBe('invalid');
    expect(kinds([{ jsonrpc: '2.0', id: 1, method: ['tools/call'] }])).toBe('invalid');
    expect(kinds([7])).toBe('none');
  });

  test('__proto__ members anywhere in a JSON-RPC body are refused: validators that copy them set prototypes', () => {
    const smuggled = JSON.parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"delete_all"}}}');
    expect(classifyJsonRpcBody(smuggled)).toEqual({ kind: 'invalid', reason: '"__proto__" members are not accepted', id: 1 });
    const deep = JSON.parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"list":[{"__proto__":{}}]}}}');
    expect(classifyJsonRpcBody(deep).kind).toBe('invalid');
    expect(classifyJsonRpcBody(JSON.parse('[{"jsonrpc":"2.0","__proto__":{"method":"tools/call"},"id":1}]')).kind).toBe('invalid');
    // Nesting deeper than any MCP message is refused rather than walked (no stack overflow on hostile bodies).
    const nested = JSON.parse(
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`,
    );
    expect(classifyJsonRpcBody(nested).kind).toBe('invalid');
    // A member merely named like one is fine, and so is an ordinary body with such a member (not ours to judge).
    expect(
      classifyJsonRpcBody({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'proto', arguments: { constructor: 1 } } }).kind,
    ).toBe('message');
    expect(classifyJsonRpcBody(JSON.parse('{"order":{"__proto__":{}}}')).kind).toBe('none');
  });

  test('duplicate members: the last one counts, as in JSON.parse (the parser the MCP SDK and the frameworks use)', () => {
    const body = JSON.parse('{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/call","params":{"name":"a","name":"delete_all"}}');
    const rpc = classifyJsonRpcBody(body);
    expect(rpc.kind).toBe('message');
    expect(buildMcpInput((rpc as { message: Record<string, unknown> }).message)).toMatchObject({
      type: 'tool',
      tool: { params: { name: 'delete_all' } },
    });
  });

  test('the id echoed in errors is the request id, or null for notifications', () => {
    expect(jsonRpcIdOf({ jsonrpc: '2.0', id: 'abc', method: 'x' })).toBe('abc');
    expect(jsonRpcIdOf({ jsonrpc: '2.0', id: 0, method: 'x' })).toBe(0);
    expect(jsonRpcIdOf({ jsonrpc: '2.0', method: 'x' })).toBeNull();
    expect(jsonRpcIdOf({ jsonrpc: '2.0', id: { bad: 1 }, method: 'x' })).toBeNull();
  });
});
