/**
 * Recognises JSON-RPC 2.0 messages as MCP's Streamable HTTP transport POSTs them, and turns one into
 * the `input.request.mcp` document policies read (`mcp.tool.params.{name, arguments}`).
 */
import { MAX_JSON_DEPTH } from '../json-depth';

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

/** Whether a value says it is JSON-RPC: an object with a `jsonrpc` member (whatever its value). */
function claimsJsonRpc(value: unknown): boolean {
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, 'jsonrpc');
}

/**
 * A JSON-RPC 2.0 request or notification (a string `method`), or a response (no `method`, a `result` or an
 * `error`; the `id` may be missing, as in the MCP SDK's error-response schema).
 */
export function isJsonRpcMessage(value: unknown): value is JsonObject {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if ('method' in value) return typeof value.method === 'string';
  return 'result' in value || 'error' in value;
}

/**
 * Why the body cannot be passed on: an own `__proto__` member anywhere, or nesting deeper than any MCP message has
 * (walking stops there). JSON.parse keeps it as a plain member, but schema
 * validators that copy objects member by member (the MCP SDK's zod schemas) assign it, which makes it the copy's
 * prototype: `params: {"__proto__": {"name": "delete_all"}}` is then read by the server as the tool `delete_all`
 * while the policy saw no name at all.
 */
function refusedMember(value: object, depth = 0): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `nested more than ${MAX_JSON_DEPTH} levels deep`; // deeper than any MCP message
  if (Array.isArray(value)) {
    for (const item of value) {
      const refused = typeof item === 'object' && item !== null ? refusedMember(item, depth + 1) : undefined;
      if (refused) return refused;
    }
    return undefined;
  }
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return '"__proto__" members are not accepted';
  for (const key in value) {
    const member = (value as JsonObject)[key];
    const refused = typeof member === 'object' && member !== null ? refusedMember(member, depth + 1) : undefined;
    if (refused) return refused;
  }
  return undefined;
}

/**
 * How a parsed body relates to JSON-RPC:
 * - `none`: it does not say it is JSON-RPC (no element carries a `jsonrpc` member): an ordinary body;
 * - `message`: one message, to describe in `input.request.mcp` (a one-element batch is its element);
 * - `batch`: several messages: refused, since one policy input describes one message and evaluating only part of
 *   a batch would let the rest through unseen;
 * - `invalid`: it says it is JSON-RPC but is not a message we can describe (`jsonrpc` other than "2.0", a
 *   `method` that is not a string, neither `method` nor `result`/`error`, a `__proto__` member): refused, because
 *   a server more lenient than this classifier might still act on it.
 */
export type JsonRpcBody =
  | { kind: 'none' }
  | { kind: 'message'; message: JsonObject }
  | { kind: 'batch'; size: number }
  | { kind: 'invalid'; reason: string; id?: JsonRpcId };

export function classifyJsonRpcBody(body: unknown): JsonRpcBody {
  if (Array.isArray(body)) {
    if (!body.some(claimsJsonRpc)) return { kind: 'none' };
    if (body.length > 1) return { kind: 'batch', size: body.length };
    return classifyMessage(body[0], body);
  }
  if (!claimsJsonRpc(body)) return { kind: 'none' };
  return classifyMessage(body, body as object);
}

function classifyMessage(candidate: unknown, body: object): JsonRpcBody {
  if (!isJsonRpcMessage(candidate)) {
    const reason =
      (candidate as JsonObject).jsonrpc !== '2.0'
        ? '"jsonrpc" must be "2.0"'
        : 'method' in (candidate as JsonObject)
          ? '"method" must be a string'
          : 'a message needs a "method", a "result" or an "error"';
    return { kind: 'invalid', reason };
  }
  const refused = refusedMember(body);
  // A well-formed message refused for its content: the error answers its id.
  if (refused) return { kind: 'invalid', reason: refused, id: body === candidate ? jsonRpcIdOf(candidate) : null };
  return { kind: 'message', message: candidate };
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
