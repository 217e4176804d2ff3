'use strict';
/**
 * The MCP server itself: two ticket tools, registered on the official SDK's McpServer.
 * It knows nothing about tokens or policies; the opa-jwt middleware in front of it decides who may call what.
 */
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { z } = require('zod');

/** Fares in US dollars per seat, by route. */
const FARES = { 'SFO-JFK': 329, 'JFK-LHR': 612, 'LHR-CDG': 148 };

function text(value) {
  return { content: [{ type: 'text', text: value }] };
}

/** Who is calling, from the `req.auth` the middleware attached (the SDK passes it to tools as `extra.authInfo`). */
function caller(extra) {
  const payload = extra.authInfo && extra.authInfo.payload;
  return (payload && payload.sub) || 'anonymous';
}

function createTicketServer() {
  const server = new McpServer({ name: 'tickets', version: '1.0.0' });

  server.registerTool(
    'get_ticket_price',
    {
      description: 'Price of one seat on a route, e.g. SFO-JFK',
      inputSchema: { route: z.string().describe('Route as ORIGIN-DESTINATION airport codes') },
    },
    async ({ route }) => {
      const fare = FARES[route];
      if (fare === undefined)
        return { ...text(`No fare for route ${route}; known routes: ${Object.keys(FARES).join(', ')}`), isError: true };
      return text(`A seat on ${route} costs $${fare}`);
    },
  );

  server.registerTool(
    'book_ticket',
    {
      description: 'Book seats on a route (the policy allows 1 to 4 seats per call)',
      inputSchema: { route: z.string(), seats: z.number().int() },
    },
    async ({ route, seats }, extra) => {
      const fare = FARES[route];
      if (fare === undefined) return { ...text(`No fare for route ${route}`), isError: true };
      return text(`Booked ${seats} seat(s) on ${route} for ${caller(extra)}: $${fare * seats}`);
    },
  );

  return server;
}

module.exports = { createTicketServer, FARES };
