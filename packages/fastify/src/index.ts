/**
 * Fastify plugin: `await app.register(opaJwt, options)`. A preHandler hook (so the parsed body is available to
 * MCP/OAuth inputs) asks the core's Authorizer, sets `request.auth` when allowed and answers with the core's JSON
 * response otherwise (or, with `onRefusal: 'error'`, throws the refusal to Fastify's error handler). Wrapped with fastify-plugin, so its hook and decorators belong to the context it is
 * registered in: registered at the root it protects every route; registered inside an encapsulated plugin (with
 * a prefix, say) it protects that plugin's routes and its children, nothing outside. Everything else — start-up
 * failures, evaluation errors, protocol shapes — is the core's: `authorize()` never rejects and fails closed.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createAuthorizer } from '@opa-jwt/core';
import { AdapterRequest } from '@opa-jwt/core/adapter';
import type { AuthResult, Authorizer, AuthorizerOptions, Outcome, RouteOverrides, RoutingOptions } from '@opa-jwt/core';

// The errors an application may meet (start-up and request ones), so that it need not depend on @opa-jwt/core.
export {
  HttpError,
  InvalidRequestError,
  InvalidTokenError,
  UnauthorizedError,
  InsufficientScopeError,
  KeysUnavailableError,
  PolicyEvaluationError,
  PolicyLoadError,
  InvalidOptionError,
  DiscoveryError,
  MalformedTargetError,
  PolicyUnavailableError,
} from '@opa-jwt/core';
export type {
  AuthResult,
  AuthorizerOptions,
  InvalidTokenReason,
  OpaJwtClaims,
  OpaJwtPayload,
  RefusalDecision,
  RevocationCheck,
  RouteOverrides,
  TokenGetter,
} from '@opa-jwt/core';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by opa-jwt when the policy allowed the request: in a handler of a route opa-jwt protects it is always
     * there (a refused request never reaches it). Undefined on routes outside the registration's context or with
     * `{ opaJwt: { skip: true } }`, which is the application's to know, as with any decorator.
     */
    auth: AuthResult;
  }
  interface FastifyContextConfig {
    /** Per-route choices: `{ config: { opaJwt: { entrypoint: 'authz/admin' } } }` or `{ opaJwt: { skip: true } }`. */
    opaJwt?: RouteOverrides;
  }
  interface FastifyInstance {
    /**
     * The authorizer of the outermost opa-jwt registration in scope (a registration in a child context does not
     * replace an inherited one); `await app.opaJwt.ready` to fail fast.
     */
    opaJwt: { ready: Promise<void>; authorizer: Authorizer };
  }
}

/** find-my-way's options as the app set them (`routerOptions`, or the older top-level spelling). */
interface RouterSettings {
  caseSensitive?: boolean;
  ignoreTrailingSlash?: boolean;
  ignoreDuplicateSlashes?: boolean;
  useSemicolonDelimiter?: boolean;
}

/** Fastify's defaults are case-sensitive and strict about a trailing `/`, the opposite of the core's. */
function routingOf(fastify: FastifyInstance): RoutingOptions {
  const config = fastify.initialConfig as RouterSettings & { routerOptions?: RouterSettings };
  const settings = config.routerOptions ?? config;
  return {
    caseSensitive: settings.caseSensitive !== false,
    strictTrailingSlash: settings.ignoreTrailingSlash !== true,
    mergeSlashes: settings.ignoreDuplicateSlashes === true,
    semicolonEndsPath: settings.useSemicolonDelimiter === true,
  };
}

/**
 * The hook runs after routing: the route pattern (with any prefix) is known, except for requests no route matched
 * (Fastify runs the hooks for its 404 handler too).
 */
class FastifyCoreRequest extends AdapterRequest {
  readonly #request: FastifyRequest;

  constructor(request: FastifyRequest, routing: RoutingOptions, routeUrl: string | undefined) {
    super(request.method, request.url, request.headers, request.body);
    this.#request = request;
    this.routing = routing;
    if (typeof routeUrl === 'string') this.route = routeUrl;
  }

  /** Fastify applies `trustProxy`. */
  protected clientAddress(): string {
    return this.#request.ip;
  }

  protected override socket(): unknown {
    return this.#request.raw.socket;
  }
}

const plugin: FastifyPluginAsync<AuthorizerOptions> = async (fastify: FastifyInstance, options: AuthorizerOptions) => {
  const authorizer = createAuthorizer(options); // throws at once for a bad option: register() rejects
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined as unknown as AuthResult); // set by the hook before any handler reads it
  if (!fastify.hasDecorator('opaJwt')) fastify.decorate('opaJwt', { ready: authorizer.ready(), authorizer });
  fastify.addHook('onClose', async () => authorizer.close());
  const routing = routingOf(fastify); // fixed when the instance was created

  // Callback style: most requests are decided at once (a remembered token), and then cost no promise.
  fastify.addHook('preHandler', (request, reply, done) => {
    // A getter that builds an object: read once.
    const routeOptions = request.routeOptions;
    const overrides = routeOptions.config?.opaJwt;
    if (overrides?.skip) return done();
    const core = new FastifyCoreRequest(request, routing, routeOptions.url);
    const outcome = authorizer.authorizeNow ? authorizer.authorizeNow(core, overrides) : authorizer.authorize(core, overrides);
    if (outcome instanceof Promise) outcome.then((settled) => finish(settled, request, reply, done)).catch(done);
    else finish(outcome, request, reply, done);
  });
};

/** Answers a refusal, or records the decision and lets the route's handler run. */
function finish(outcome: Outcome, request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
  // `onRefusal: 'error'`: to the app's error handler (Fastify's default one sends statusCode and headers).
  if (outcome.type === 'respond' && outcome.error) return done(outcome.error);
  reply.headers(outcome.headers);
  // Answered here: the route's handler does not run (`done` is not called).
  if (outcome.type === 'respond') return void reply.code(outcome.status).type('application/json').send(JSON.stringify(outcome.body));
  request.auth = outcome.auth;
  done();
}

/** Register with `await app.register(opaJwt, options)`; see the @opa-jwt/core README for the options. */
export const opaJwt = fp(plugin, { fastify: '>=4', name: '@opa-jwt/fastify' });
export default opaJwt;
