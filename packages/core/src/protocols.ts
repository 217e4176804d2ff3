/**
 * The MCP and OAuth protocol layer of the core, as three hooks the Authorizer calls:
 *
 * - `serveWellKnown(request, protocols)` first, before authentication: answers
 *   `GET /.well-known/oauth-protected-resource[/<resource path>]` with the RFC 9728 document when configured.
 * - `enrichProtocolInput(request, protocols, verifyToken)` while building the policy input: refuses bodies over the
 *   size limit (413), reads a JSON-RPC 2.0 message into `input.request.mcp` or a token request into
 *   `input.request.oauth` (verifying token-exchange tokens), or answers a malformed one (400). What an MCP server
 *   could act on never passes unclassified: JSON-RPC batches and bodies that claim to be JSON-RPC but are not a
 *   message we can describe are refused (400), and a JSON body that no body parser read is refused (500).
 * - `shapeDenial(request, denial, decision, protocols)` on every denial: JSON-RPC requests get a JSON-RPC error
 *   object, token requests get RFC 6749 §5.2 errors, Bearer challenges get `resource_metadata`.
 */
import type { CoreRequest, Decision } from './contract';
import type { RespondOutcome } from './decision';
import {
  buildMcpInput,
  classifyJsonRpcBody,
  jsonRpcCodeForStatus,
  jsonRpcError,
  jsonRpcIdOf,
  JSONRPC_INVALID_REQUEST,
  type JsonRpcBody,
  type JsonRpcId,
  type McpInput,
} from './mcp';
import {
  buildOAuthInput,
  headerValue,
  OAUTH_ERROR_HEADERS,
  oauthDenialBody,
  OAuthRequestError,
  oauthRequestErrorBody,
  readTokenRequest,
  type OAuthInput,
  type TokenVerifier,
} from './oauth';
import type { ResolvedProtocolOptions } from './options';
import { withResourceMetadata, type ResolvedResourceMetadata } from './resource-metadata';
import { upperCaseMethod } from './http-method';

export type { RespondOutcome } from './decision';
export type { TokenVerifier } from './oauth';

// ---------------------------------------------------------------------------------------------------------------
// serveWellKnown

/** The URL's path: without query string or fragment. */
export function pathOf(url: string): string {
  const query = url.search(/[?#]/);
  return query === -1 ? url : url.slice(0, query);
}

export function serveWellKnown(request: CoreRequest, protocols: ResolvedProtocolOptions): RespondOutcome | undefined {
  const metadata = protocols.resourceMetadata;
  if (!metadata) return undefined;
  const method = upperCaseMethod(request.method);
  if ((method !== 'GET' && method !== 'HEAD') || !metadata.paths.has(pathOf(request.url))) return undefined;
  return {
    type: 'respond',
    status: 200,
    // Public, configuration-derived document: browsers-based MCP clients fetch it cross-origin.
    headers: { 'Cache-Control': 'public, max-age=3600', 'Access-Control-Allow-Origin': '*' },
    body: metadata.document,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// enrichProtocolInput

/** Members to add to `input.request`, or a direct answer when the request cannot be evaluated. */
export type ProtocolEnrichment = { type: 'input'; request: { mcp?: McpInput; oauth?: OAuthInput } } | RespondOutcome;

/** The media type of the request's Content-Type, lower-cased without parameters; undefined when there is none. */
function mediaType(request: CoreRequest): string | undefined {
  const type = headerValue(request.headers, 'content-type');
  return type === undefined ? undefined : type.split(';')[0].trim().toLowerCase();
}

function isJsonMediaType(mime: string | undefined): boolean {
  return mime !== undefined && (mime === 'application/json' || mime.endsWith('+json'));
}

/** A value a body parser produced (an object or array), as opposed to raw text or bytes, or nothing. */
function isParsedValue(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !(body instanceof Uint8Array);
}

function isInspectable(request: CoreRequest): boolean {
  const mime = mediaType(request);
  if (mime === undefined) return request.body !== undefined;
  return mime === 'application/x-www-form-urlencoded' || isJsonMediaType(mime);
}

/** Whether the request says it carries a body (RFC 9112 §6.3: a non-zero Content-Length or a Transfer-Encoding). */
function declaresBody(request: CoreRequest): boolean {
  if (headerValue(request.headers, 'transfer-encoding') !== undefined) return true;
  const length = headerValue(request.headers, 'content-length');
  return length !== undefined && length.trim() !== '0';
}

/**
 * What the POSTed body is in JSON-RPC terms (see `classifyJsonRpcBody`), or `unparsed`: a JSON body that no body
 * parser read, which the MCP server behind us may still read and act on, so it cannot be passed unclassified.
 * A parsed object or array is classified whatever its Content-Type (a server may parse JSON sent as text/plain);
 * raw text or bytes only under a JSON Content-Type, parsed here as JSON.parse would (the MCP SDK's own parser).
 */
function readJsonRpcBody(request: CoreRequest): JsonRpcBody | { kind: 'unparsed' } {
  let body = request.body;
  if (isJsonMediaType(mediaType(request))) {
    if (body === undefined) return declaresBody(request) ? { kind: 'unparsed' } : { kind: 'none' };
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      try {
        // Without a leading byte order mark, as TextDecoder (which the MCP SDK reads bodies with) drops it.
        body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch {
        return { kind: 'none' }; // not JSON: no JSON-RPC server can act on it either
      }
    }
  } else if (!isParsedValue(body)) {
    return { kind: 'none' };
  }
  return classifyJsonRpcBody(body);
}

/** The body's size in bytes: Content-Length when sent, else measured from what the framework parsed. */
export function bodySize(request: CoreRequest): number {
  const declared = headerValue(request.headers, 'content-length');
  if (declared !== undefined && /^\d+$/.test(declared.trim())) return Number(declared.trim());
  const body = request.body;
  if (body === undefined || body === null) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  try {
    return Buffer.byteLength(JSON.stringify(body) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY; // cyclic or otherwise unserialisable: not something we will read
  }
}

export function tooLarge(limit: number): RespondOutcome {
  return {
    type: 'respond',
    status: 413,
    headers: {},
    body: { error: 'invalid_request', error_description: `request body is larger than the ${limit}-byte limit` },
  };
}

function oauthError(error: OAuthRequestError): RespondOutcome {
  return { type: 'respond', status: 400, headers: { ...OAUTH_ERROR_HEADERS }, body: oauthRequestErrorBody(error) };
}

/**
 * False when `enrichProtocolInput` would add nothing (not a POST, or no body it reads): the caller may skip it, and
 * the promise it costs.
 */
export function mayEnrichProtocolInput(request: CoreRequest): boolean {
  if (upperCaseMethod(request.method) !== 'POST') return false;
  return isInspectable(request) || isParsedValue(request.body);
}

export async function enrichProtocolInput(
  request: CoreRequest,
  protocols: ResolvedProtocolOptions,
  verifyToken: TokenVerifier,
): Promise<ProtocolEnrichment> {
  if (!mayEnrichProtocolInput(request)) return { type: 'input', request: {} };
  const inspectable = isInspectable(request);
  // Refused, not passed through unread: an unread body could carry a tool call no policy has seen.
  if (inspectable && bodySize(request) > protocols.maxBodySize) return tooLarge(protocols.maxBodySize);

  try {
    const form = readTokenRequest(request);
    if (form) return { type: 'input', request: { oauth: await buildOAuthInput(request, form, verifyToken) } };
  } catch (error) {
    if (error instanceof OAuthRequestError) return oauthError(error);
    throw error;
  }

  const rpc = readJsonRpcBody(request);
  switch (rpc.kind) {
    case 'message':
      return { type: 'input', request: { mcp: buildMcpInput(rpc.message) } };
    case 'batch':
      // One policy input describes one message; evaluating only part of a batch would let the rest through unseen.
      return invalidJsonRpc(`JSON-RPC batches of ${rpc.size} messages are not accepted here; send one message per request`);
    case 'invalid':
      return invalidJsonRpc(`not a JSON-RPC 2.0 message this server accepts: ${rpc.reason}`, rpc.id);
    case 'unparsed':
      // A configuration error, not the client's: the body is there, but nothing parsed it before opa-jwt.
      return {
        type: 'respond',
        status: 500,
        headers: {},
        body: {
          error: 'server_error',
          error_description: 'the JSON request body was not parsed before authorization (mount a JSON body parser before opa-jwt)',
        },
      };
    default:
      return { type: 'input', request: {} };
  }
}

function invalidJsonRpc(message: string, id: JsonRpcId = null): RespondOutcome {
  return { type: 'respond', status: 400, headers: {}, body: jsonRpcError(id, JSONRPC_INVALID_REQUEST, message) };
}

// ---------------------------------------------------------------------------------------------------------------
// shapeDenial

function findHeader(headers: Record<string, string>, name: string): string | undefined {
  return Object.keys(headers).find((key) => key.toLowerCase() === name);
}

function addResourceMetadata(denial: RespondOutcome, metadata: ResolvedResourceMetadata | undefined): Record<string, string> {
  const headers = { ...denial.headers };
  if (!metadata) return headers;
  const key = findHeader(headers, 'www-authenticate');
  if (key !== undefined) headers[key] = withResourceMetadata(headers[key], metadata.metadataUrl);
  else if (denial.status === 401) headers['WWW-Authenticate'] = withResourceMetadata(undefined, metadata.metadataUrl);
  return headers;
}

function describedMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ['error_description', 'message', 'error'])
    if (typeof record[key] === 'string' && record[key] !== '') return record[key];
  return undefined;
}

/**
 * Reshapes the core's denial for the protocol the request speaks. `decision` is the policy's decision when the
 * policy ran (its `externalMessage` is what clients see), undefined for authentication or internal failures.
 */
export function shapeDenial(
  request: CoreRequest,
  denial: RespondOutcome,
  decision: Decision | undefined,
  protocols: ResolvedProtocolOptions,
): RespondOutcome {
  const headers = addResourceMetadata(denial, protocols.resourceMetadata);
  const method = upperCaseMethod(request.method);
  if (method !== 'POST' || denial.status === 401 || denial.status === 413) return { ...denial, headers };

  let tokenRequest = false;
  try {
    tokenRequest = readTokenRequest(request) !== undefined;
  } catch {
    tokenRequest = false;
  }
  if (tokenRequest) {
    if (denial.status === 403) {
      // Token endpoints answer a refused grant with 400 and an OAuth error code (RFC 6749 §5.2).
      return {
        type: 'respond',
        status: 400,
        headers: { ...headers, ...OAUTH_ERROR_HEADERS },
        body: oauthDenialBody(decision?.externalMessage),
      };
    }
    return { ...denial, headers: { ...headers, ...OAUTH_ERROR_HEADERS } };
  }

  const rpc = readJsonRpcBody(request);
  if (rpc.kind !== 'message') return { ...denial, headers };
  const message =
    denial.status === 403
      ? decision?.externalMessage || describedMessage(denial.body) || 'forbidden'
      : describedMessage(denial.body) || 'request denied';
  return {
    type: 'respond',
    status: denial.status,
    headers,
    body: jsonRpcError(jsonRpcIdOf(rpc.message), jsonRpcCodeForStatus(denial.status), message),
  };
}
