// Types for the test that drives the example (test/mcp/example.test.ts); the example itself is plain JavaScript.
import type { Express } from 'express';
import type { OpaJwtMiddleware } from '@opa-jwt/express';

export interface ExampleConfig {
  issuer: string;
  jwksUri: string;
  /** This server's MCP endpoint URL: the metadata's `resource` and the audience tokens must carry. */
  resource: string;
  policyPath?: string;
  maxBodySize?: number;
}

export declare const POLICY: string;
export declare function createApp(config: ExampleConfig): { app: Express; auth: OpaJwtMiddleware };
