/**
 * A readiness endpoint for any Node.js HTTP framework: 200 `{"ready":true,...}` when a policy is in force (every
 * bundle active, with `opaConfig`), else 503 with `Retry-After`, so that a load balancer sends traffic only to
 * instances that can decide. The body lists each bundle's active revision and last error.
 *
 *   Express:  app.get('/health/ready', readinessHandler(authz.authorizer))
 *   Node:     http.createServer((req, res) => req.url === '/health/ready' ? readinessHandler(authorizer)(req, res) : ...)
 *   Koa:      router.get('/health/ready', (ctx) => { const r = readiness(authorizer); ctx.status = r.status; ctx.set(r.headers); ctx.body = r.body; })
 *   Fastify:  app.get('/health/ready', (req, reply) => { const r = readiness(authorizer); reply.code(r.status).headers(r.headers).send(r.body); })
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authorizer } from '../contract';

export interface Readiness {
  status: 200 | 503;
  headers: Record<string, string>;
  body: ReturnType<Authorizer['health']>;
}

const RETRY_AFTER_SECONDS = '5';

export function readiness(authorizer: Authorizer): Readiness {
  const body = authorizer.health();
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (!body.ready) headers['Retry-After'] = RETRY_AFTER_SECONDS;
  return { status: body.ready ? 200 : 503, headers, body };
}

export function readinessHandler(authorizer: Authorizer): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const { status, headers, body } = readiness(authorizer);
    res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}
