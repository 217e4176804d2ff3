// Types for tests that reuse the example's MCP server (test/mcp); the example itself is plain JavaScript.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

export declare const FARES: Record<string, number>;
export declare function createTicketServer(): McpServer;
