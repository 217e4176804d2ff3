import { buildMcpInput, classifyJsonRpcBody, isJsonRpcMessage, jsonRpcIdOf } from '../../src/mcp';

describe('MCP input from JSON-RPC 2.0 messages', () => {
  test('tools/call fills tool.params.{name, arguments} as in the seed schema, plus method and id', () => {
    const input = buildMcpInput({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'listUsers', arguments: { exampleBodyKeyAlpha: 10, exampleBodyKeyBeta: true } } });
    expect(input).toEqual({
      type: 'tool',
      method: 'tools/call',
      id: 7,
      tool: { params: { name: 'listUsers', arguments: { exampleBodyKeyAlpha: 10, exampleBodyKeyBeta: true } } },
    });
  });

  test('resources/read fills resource.params.uri', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 'r1', method: 'resources/read', params: { uri: 'file:///etc/hosts', _meta: { x: 1 } } })).toEqual({
      type: 'resource',
      method: 'resources/read',
      id: 'r1',
      resource: { params: { uri: 'file:///etc/hosts' } },
    });
  });

  test('prompts/get fills prompt.params.{name, arguments}', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 0, method: 'prompts/get', params: { name: 'summary', arguments: { lang: 'fr' } } })).toEqual({
      type: 'prompt',
      method: 'prompts/get',
      id: 0,
      prompt: { params: { name: 'summary', arguments: { lang: 'fr' } } },
    });
  });

  test('other methods and notifications are type "method" without params; notifications have no id', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'abc' } })).toEqual({ type: 'method', method: 'tools/list', id: 1 });
    expect(buildMcpInput({ jsonrpc: '2.0', method: 'notifications/initialized' })).toEqual({ type: 'method', method: 'notifications/initialized' });
  });

  test('a client response to a server request is type "response"', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 3, result: {} })).toEqual({ type: 'response', id: 3 });
  });

  test('absent members stay absent (undefined in Rego), they are not invented', () => {
    expect(buildMcpInput({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_ticket_price' } }).tool).toEqual({ params: { name: 'get_ticket_price' } });
    expect(buildMcpInput({ jsonrpc: '2.0', id: 2, method: 'tools/call' }).tool).toEqual({ params: {} });
  });

  test('only jsonrpc "2.0" objects with a method, or an id with result/error, are JSON-RPC messages', () => {
    expect(isJsonRpcMessage({ jsonrpc: '2.0', method: 'ping', id: 1 })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } })).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: '1.0', method: 'ping' })).toBe(false);
    expect(isJsonRpcMessage({ method: 'ping' })).toBe(false);
    expect(isJsonRpcMessage({ jsonrpc: '2.0', id: 1 })).toBe(false);
    expect(isJsonRpcMessage(null)).toBe(false);
    expect(isJsonRpcMessage('{"jsonrpc":"2.0"}')).toBe(false);
  });

  test('bodies are classified: one message, a one-element batch, a larger batch, or not JSON-RPC', () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } };
    expect(classifyJsonRpcBody(call)).toEqual({ kind: 'message', message: call });
    expect(classifyJsonRpcBody([call])).toEqual({ kind: 'message', message: call });
    expect(classifyJsonRpcBody([call, { ...call, id: 2 }])).toEqual({ kind: 'batch', size: 2 });
    expect(classifyJsonRpcBody([])).toEqual({ kind: 'none' });
    expect(classifyJsonRpcBody([call, { hello: 1 }])).toEqual({ kind: 'none' });
    expect(classifyJsonRpcBody({ orderId: 7 })).toEqual({ kind: 'none' });
  });

  test('the id echoed in errors is the request id, or null for notifications', () => {
    expect(jsonRpcIdOf({ jsonrpc: '2.0', id: 'abc', method: 'x' })).toBe('abc');
    expect(jsonRpcIdOf({ jsonrpc: '2.0', id: 0, method: 'x' })).toBe(0);
    expect(jsonRpcIdOf({ jsonrpc: '2.0', method: 'x' })).toBeNull();
    expect(jsonRpcIdOf({ jsonrpc: '2.0', id: { bad: 1 }, method: 'x' })).toBeNull();
  });
});
