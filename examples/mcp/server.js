#!/usr/bin/env node
'use strict';
/**
 * `npm run example:mcp` (= node examples/mcp/server.js): the ticket MCP server behind @opa-jwt/express, on
 * http://127.0.0.1:3000/mcp (PORT changes the port, 0 picks a free one; RESOURCE sets the public URL of /mcp).
 * With ISSUER and JWKS_URI set it trusts that authorization server; otherwise it starts a DEVELOPMENT STAND-IN issuer
 * on 127.0.0.1 and prints ready-to-paste curl commands with tokens from it.
 */
const http = require('node:http');
const { createApp } = require('./app');
const { startDevIssuer } = require('../dev-issuer');

const ACCEPT = 'application/json, text/event-stream'; // Streamable HTTP clients must accept both

function portFromEnv() {
  const port = process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be an integer from 0 to 65535, got "${process.env.PORT}"`);
  return port;
}

/** One curl command POSTing a JSON-RPC message to the MCP endpoint. */
function curl(endpoint, token, message) {
  const auth = token ? ` -H 'Authorization: Bearer ${token}'` : '';
  return `curl -i ${endpoint}${auth} -H 'Content-Type: application/json' -H 'Accept: ${ACCEPT}' -d '${JSON.stringify(message)}'`;
}

function tryIt(endpoint, demo) {
  // The dev issuer's demo users, with the scopes of this example and the endpoint as audience (RFC 8707).
  const mint = (user, scope) => demo.mintToken(user, { scope, aud: endpoint, client_id: 'demo-agent' });
  const reader = mint('alice', 'tickets:read');
  const booker = mint('bob', 'tickets:read tickets:write');
  const call = (id, name, args) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  const examples = [
    ['200: alice (tickets:read) lists the tools', reader, { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
    ['200: alice (tickets:read) asks a price', reader, call(2, 'get_ticket_price', { route: 'SFO-JFK' })],
    [
      '403: alice (tickets:read) tries to book -> JSON-RPC error "book_ticket needs the tickets:write scope"',
      reader,
      call(3, 'book_ticket', { route: 'SFO-JFK', seats: 2 }),
    ],
    ['200: bob (tickets:write) books 2 seats', booker, call(4, 'book_ticket', { route: 'SFO-JFK', seats: 2 })],
    [
      '403: bob books 9 seats -> "book_ticket books between 1 and 4 seats per call"',
      booker,
      call(5, 'book_ticket', { route: 'SFO-JFK', seats: 9 }),
    ],
    [
      '401: no token (WWW-Authenticate names the protected resource metadata)',
      undefined,
      call(6, 'get_ticket_price', { route: 'SFO-JFK' }),
    ],
  ];
  return examples.map(([title, token, message]) => `# ${title}\n${curl(endpoint, token, message)}\n`).join('\n');
}

async function main() {
  const port = portFromEnv();
  const demo = process.env.ISSUER && process.env.JWKS_URI ? undefined : await startDevIssuer();
  const issuer = process.env.ISSUER || demo.issuer;
  const jwksUri = process.env.JWKS_URI || demo.jwksUri;

  // Listen first: with PORT=0 the endpoint URL (the resource tokens must name) is known only then.
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const resource = process.env.RESOURCE || `${origin}/mcp`;
  const { app, auth } = createApp({ issuer, jwksUri, resource });
  server.on('request', app);

  const stop = async () => {
    server.closeAllConnections();
    server.close();
    await auth.close();
    if (demo) await demo.close();
  };
  try {
    await auth.ready; // fail fast on a broken policy or unreachable keys
  } catch (error) {
    await stop();
    throw error;
  }

  console.log(`ticket MCP server on ${resource}  (policy: policies/mcp-tools.rego, issuer ${issuer})`);
  console.log(`protected resource metadata (RFC 9728): ${origin}/.well-known/oauth-protected-resource/mcp`);
  if (demo) {
    console.log('\nTry it (tokens valid for an hour):\n');
    console.log(tryIt(`${origin}/mcp`, demo));
  }
  console.log('Press Ctrl+C to stop.');
  process.once('SIGINT', () => stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => stop().then(() => process.exit(0)));
}

main().catch((error) => {
  console.error(`MCP example failed to start: ${error && error.message ? error.message : error}`);
  process.exit(1);
});
