/**
 * Fastify plugin: `await app.register(opaJwt, options)`. A preHandler hook (so the parsed body is
 * available to MCP/OAuth inputs) asks the core's Authorizer, sets `request.auth` when allowed and
 * answers with the core's JSON error otherwise. Wrapped with fastify-plugin, so it protects the
 * context it is registered in (and that context's children), not the whole application.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createAuthorizer } from '@opa-jwt/core';
import type { AuthResult, Authorizer, CoreRequest, Outcome, RouteOverrides } from '@opa-jwt/core';

export type { AuthResult, RouteOverrides } from '@opa-jwt/core';

/** The core's options (see the @opa-jwt/core README). */
export type OpaJwtOptions = Parameters<typeof createAuthorizer>[0];

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by opa-jwt when the request was authenticated and the policy allowed it. */
    auth?: AuthResult;
  }
  interface FastifyContextConfig {
    /** Per-route choices: `{ config: { opaJwt: { entrypoint: 'authz/admin' } } }` or `{ opaJwt: { skip: true } }`. */
    opaJwt?: RouteOverrides;
  }
  interface FastifyInstance {
    /** The authorizer of the nearest opa-jwt registration; `await app.opaJwt.ready` to fail fast. */
    opaJwt?: { ready: Promise<void>; authorizer: Authorizer };
  }
}

const UNAVAILABLE = { error: 'server_error', error_description: 'authorization is unavailable' };

export function toCoreRequest(request: FastifyRequest): CoreRequest {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    ip: request.ip,
    body: request.body,
  };
}

function respond(reply: FastifyReply, outcome: Extract<Outcome, { type: 'respond' }>): FastifyReply {
  reply.code(outcome.status).headers(outcome.headers);
  return outcome.body === undefined ? reply.send() : reply.type('application/json').send(JSON.stringify(outcome.body));
}

const plugin: FastifyPluginAsync<OpaJwtOptions> = async (fastify: FastifyInstance, options: OpaJwtOptions) => {
  const authorizer = createAuthorizer(options); // throws at once for a bad option: register() rejects
  const ready = authorizer.ready();
  ready.catch((error: unknown) => {
    // Also marks the rejection handled for apps that never await `ready`.
    fastify.log.error({ err: error }, 'opa-jwt: authorizer failed to start; every request will be denied with 500');
  });

  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
  if (!fastify.hasDecorator('opaJwt')) fastify.decorate('opaJwt', { ready, authorizer });
  fastify.addHook('onClose', async () => authorizer.close());

  fastify.addHook('preHandler', async (request, reply) => {
    const overrides = request.routeOptions.config?.opaJwt;
    if (overrides?.skip) return;
    try {
      await ready;
    } catch {
      return reply.code(500).send(UNAVAILABLE);
    }
    let outcome: Outcome;
    try {
      outcome = await authorizer.authorize(toCoreRequest(request), overrides);
    } catch (error) {
      // The contract says authorize never rejects; if it does anyway, fail closed.
      request.log.error({ err: error }, 'opa-jwt: authorize failed');
      return reply.code(500).send(UNAVAILABLE);
    }
    if (outcome.type === 'respond') return respond(reply, outcome);
    reply.headers(outcome.headers);
    request.auth = outcome.auth;
  });
};

/** Register with `await app.register(opaJwt, options)`; see the @opa-jwt/core README for the options. */
export const opaJwt = fp(plugin, { fastify: '>=4', name: '@opa-jwt/fastify' });
export default opaJwt;
