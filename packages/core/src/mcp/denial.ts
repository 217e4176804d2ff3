/**
 * JSON-RPC 2.0 error answers for denied MCP messages: agent clients show `error.message`,
 * so that is where the policy's `external_message` goes.
 */
import type { JsonRpcId } from './message';

/** Implementation-defined server error codes (JSON-RPC reserves -32000..-32099 for them). */
export const JSONRPC_FORBIDDEN = -32003;
export const JSONRPC_UNAUTHORIZED = -32001;
export const JSONRPC_INTERNAL_ERROR = -32603;
export const JSONRPC_INVALID_REQUEST = -32600;

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: JsonRpcId;
  error: { code: number; message: string };
}

export function jsonRpcError(id: JsonRpcId, code: number, message: string): JsonRpcErrorBody {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

/** The code that best describes an HTTP denial status to a JSON-RPC client. */
export function jsonRpcCodeForStatus(status: number): number {
  if (status === 401) return JSONRPC_UNAUTHORIZED;
  if (status === 400 || status === 413) return JSONRPC_INVALID_REQUEST;
  if (status >= 500) return JSONRPC_INTERNAL_ERROR;
  return JSONRPC_FORBIDDEN;
}
