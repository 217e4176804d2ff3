/**
 * The same two applications on each framework, for the end-to-end MCP/OAuth tests:
 * - an MCP app: opa-jwt (policies/mcp-tools.rego) in front of the example's ticket MCP server on POST /mcp;
 * - a token app: opa-jwt (policies/token-exchange.rego) in front of a stand-in token endpoint on POST /token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { opaJwt as expressOpaJwt } from '@opa-jwt/express';
import { opaJwt as koaOpaJwt } from '@opa-jwt/koa';
import { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';
import type { AuthResult } from '@opa-jwt/core';
import { createTicketServer } from '../../examples/mcp/tickets';
import { readKoaBody } from '../adapters/harnesses';

export type OpaJwtOptions = Parameters<typeof expressOpaJwt>[0];
export type Framework = 'express' | 'koa' | 'fastify';
export const FRAMEWORKS: Framework[] = ['express', 'koa', 'fastify'];

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** One stateless Streamable HTTP exchange with a fresh ticket server (the SDK's stateless pattern). */
async function serveMcp(req: IncomingMessage, res: ServerResponse, body: unknown, auth: AuthResult | undefined): Promise<void> {
  const server = createTicketServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  // The SDK hands `req.auth` to tools as `extra.authInfo`; the tools read `payload.sub` from it.
  (req as IncomingMessage & { auth?: unknown }).auth = auth;
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

/** The stand-in token endpoint: reached only when the policy allowed the exchange. */
function issued(form: unknown): Record<string, unknown> {
  const scope = typeof form === 'string' ? new URLSearchParams(form).get('scope') : (form as Record<string, string>).scope;
  return {
    access_token: 'issued-by-test-endpoint',
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    token_type: 'Bearer',
    scope,
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

async function startExpress(options: OpaJwtOptions, kind: 'mcp' | 'token'): Promise<RunningApp> {
  const app = express();
  const auth = expressOpaJwt(options);
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));
  app.use(auth);
  if (kind === 'mcp') app.post('/mcp', (req, res, next) => serveMcp(req, res, req.body, req.auth).catch(next));
  else app.post('/token', (req, res) => res.json(issued(req.body)));
  await auth.ready;
  const server = createServer(app);
  const url = await listen(server);
  return { url, close: async () => (await stop(server), await auth.close()) };
}

async function startKoa(options: OpaJwtOptions, kind: 'mcp' | 'token'): Promise<RunningApp> {
  const app = new Koa();
  const auth = koaOpaJwt(options);
  app.use(async (ctx, next) => {
    if (ctx.method === 'POST') (ctx.request as { body?: unknown }).body = await readKoaBody(ctx);
    await next();
  });
  app.use(auth);
  app.use(async (ctx) => {
    const body = (ctx.request as { body?: unknown }).body;
    if (kind === 'mcp' && ctx.method === 'POST' && ctx.path === '/mcp') {
      ctx.respond = false; // the MCP transport writes the Node response itself
      await serveMcp(ctx.req, ctx.res, body, ctx.state.auth);
    } else if (kind === 'token' && ctx.method === 'POST' && ctx.path === '/token') {
      ctx.body = issued(body);
    }
  });
  await auth.ready;
  const handle = app.callback(); // Koa's handler settles its own promise: errors become responses.
  const server = createServer((req, res) => void handle(req, res));
  const url = await listen(server);
  return { url, close: async () => (await stop(server), await auth.close()) };
}

async function startFastify(options: OpaJwtOptions, kind: 'mcp' | 'token'): Promise<RunningApp> {
  const app = Fastify();
  // Fastify parses no forms by default; hand the raw text on, which the core reads as a form as well.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(fastifyOpaJwt, options);
  if (kind === 'mcp') {
    app.post('/mcp', async (request, reply) => {
      reply.hijack(); // the MCP transport writes the Node response itself
      await serveMcp(request.raw, reply.raw, request.body, request.auth);
    });
  } else {
    app.post('/token', async (request) => issued(request.body));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.opaJwt.ready;
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { url, close: () => app.close() };
}

export function startApp(framework: Framework, options: OpaJwtOptions, kind: 'mcp' | 'token'): Promise<RunningApp> {
  if (framework === 'express') return startExpress(options, kind);
  if (framework === 'koa') return startKoa(options, kind);
  return startFastify(options, kind);
}
