#!/usr/bin/env node
'use strict';
/**
 * `node examples/mcp/server.js`: the ticket MCP server behind @opa-jwt/express on http://127.0.0.1:3000/mcp.
 * With ISSUER and JWKS_URI set it trusts that authorization server; otherwise it starts a demo issuer on 127.0.0.1
 * and prints tokens to try. PORT changes the port; RESOURCE the public URL of /mcp (default http://127.0.0.1:PORT/mcp).
 */
const { createApp } = require('./app');
const { startDemoIssuer } = require('./demo-issuer');

async function main() {
  const port = Number(process.env.PORT || 3000);
  const resource = process.env.RESOURCE || `http://127.0.0.1:${port}/mcp`;
  const demo = process.env.ISSUER && process.env.JWKS_URI ? undefined : await startDemoIssuer();
  const issuer = process.env.ISSUER || demo.issuer;
  const jwksUri = process.env.JWKS_URI || demo.jwksUri;

  const { app, auth } = createApp({ issuer, jwksUri, resource });
  await auth.ready; // fail fast on a broken policy or unreachable keys
  const server = app.listen(port, '127.0.0.1', () => {
    console.log(`ticket MCP server on ${resource} (issuer ${issuer})`);
    console.log(`metadata: http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`);
    if (demo) {
      const reader = demo.issueToken({ sub: 'alice', scope: 'tickets:read', audience: resource });
      const booker = demo.issueToken({ sub: 'bob', scope: 'tickets:read tickets:write', audience: resource });
      console.log(`\nread-only token (get_ticket_price):\n${reader}\n\nread+write token (also book_ticket, 1-4 seats):\n${booker}\n`);
      console.log(
        `try: curl -s http://127.0.0.1:${port}/mcp -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ` +
          `-H 'Accept: application/json, text/event-stream' ` +
          `-d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"book_ticket","arguments":{"route":"SFO-JFK","seats":2}}}'`,
      );
    }
  });

  const stop = async () => {
    server.close();
    await auth.close();
    if (demo) await demo.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
