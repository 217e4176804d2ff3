/**
 * Recognises JSON-RPC 2.0 messages as MCP's Streamable HTTP transport POSTs them, and turns one into
 * the `input.request.mcp` document policies read (see the seed schema: `mcp.tool.params.{name, arguments}`).
 */

export type JsonRpcId = string | number | null;

/** What a policy sees under `input.request.mcp`. */
export interface McpInput {
  /** `tool` (tools/call), `resource` (resources/read), `prompt` (prompts/get), `method` (any other call or notification), `response` (a client's answer to a server request). */
  type: 'tool' | 'resource' | 'prompt' | 'method' | 'response';
  /** The JSON-RPC method; absent for responses. */
  method?: string;
  /** The JSON-RPC id; absent for notifications. */
  id?: JsonRpcId;
  tool?: { params: { name?: unknown; arguments?: unknown } };
  resource?: { params: { uri?: unknown } };
  prompt?: { params: { name?: unknown; arguments?: unknown } };
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonRpcId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || typeof value === 'number' || value === null;
}

/** A JSON-RPC 2.0 request, notification or response object (the `jsonrpc: "2.0"` member is what marks it). */
export function isJsonRpcMessage(value: unknown): value is JsonObject {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if (typeof value.method === 'string') return true;
  return 'id' in value && ('result' in value || 'error' in value);
}

/**
 * How a parsed body relates to JSON-RPC: not at all, one message, or a batch of several.
 * A one-element batch is the same as its element; larger batches are reported as such so the caller can refuse
 * them: a single policy input cannot describe several tool calls, and evaluating only one would let the rest through.
 */
export type JsonRpcBody =
  | { kind: 'none' }
  | { kind: 'message'; message: JsonObject }
  | { kind: 'batch'; size: number };

export function classifyJsonRpcBody(body: unknown): JsonRpcBody {
  if (Array.isArray(body)) {
    if (body.length === 0 || !body.every(isJsonRpcMessage)) return { kind: 'none' };
    if (body.length === 1) return { kind: 'message', message: body[0] as JsonObject };
    return { kind: 'batch', size: body.length };
  }
  return isJsonRpcMessage(body) ? { kind: 'message', message: body } : { kind: 'none' };
}

/** The id a JSON-RPC error answer must echo: the request's id, or null when there is none (notifications). */
export function jsonRpcIdOf(message: JsonObject): JsonRpcId {
  return 'id' in message && isJsonRpcId(message.id) ? message.id : null;
}

/** Copies only the members that are present, so that absent ones stay undefined in Rego rather than null. */
function present<T extends JsonObject>(source: JsonObject, keys: readonly string[]): T {
  const out: JsonObject = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out as T;
}

export function buildMcpInput(message: JsonObject): McpInput {
  const method = typeof message.method === 'string' ? message.method : undefined;
  const input: McpInput = { type: method === undefined ? 'response' : 'method' };
  if (method !== undefined) input.method = method;
  if ('id' in message && isJsonRpcId(message.id)) input.id = message.id;
  const params = isObject(message.params) ? message.params : {};
  switch (method) {
    case 'tools/call':
      input.type = 'tool';
      input.tool = { params: present(params, ['name', 'arguments']) };
      break;
    case 'resources/read':
      input.type = 'resource';
      input.resource = { params: present(params, ['uri']) };
      break;
    case 'prompts/get':
      input.type = 'prompt';
      input.prompt = { params: present(params, ['name', 'arguments']) };
      break;
  }
  return input;
}
