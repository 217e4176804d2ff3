'use strict';
/**
 * The ticket MCP server on Express, behind the opa-jwt middleware:
 * - POST /mcp: MCP's Streamable HTTP transport, stateless (a fresh server and transport per request);
 * - GET /.well-known/oauth-protected-resource/mcp: RFC 9728 metadata, served by the middleware itself;
 * every tool call is decided by policies/mcp-tools.rego before the MCP server sees it.
 */
const path = require('node:path');
const express = require('express');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { opaJwt } = require('@opa-jwt/express');
const { createTicketServer } = require('./tickets');

const POLICY = path.join(__dirname, '..', '..', 'policies', 'mcp-tools.rego');

/**
 * @param {{ issuer: string, jwksUri: string, resource: string, policyPath?: string, maxBodySize?: number }} config
 *   `resource` is this server's MCP endpoint URL: the metadata's `resource` and the audience tokens must carry.
 */
function createApp(config) {
  const auth = opaJwt({
    issuer: config.issuer,
    jwksUri: config.jwksUri,
    audience: config.resource,
    policy: config.policyPath || POLICY,
    entrypoint: 'mcp/tools/result',
    resourceMetadata: { resource: config.resource, scopesSupported: ['tickets:read', 'tickets:write'] },
    ...(config.maxBodySize ? { maxBodySize: config.maxBodySize } : {}),
  });

  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.use(auth);

  app.post('/mcp', async (req, res) => {
    const server = createTicketServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      console.error('[mcp] request failed:', error);
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal server error' } });
    }
  });

  // Stateless: no server-to-client stream to open (GET) and no session to end (DELETE).
  app.all('/mcp', (_req, res) => {
    res
      .status(405)
      .set('Allow', 'POST')
      .json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed' } });
  });

  return { app, auth };
}

module.exports = { createApp, POLICY };
