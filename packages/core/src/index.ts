/**
 * @opa-jwt/core: JWT authentication (jose) and Open Policy Agent authorization (Rego compiled to WebAssembly, run
 * by the stock OPA Wasm SDK) for any Node.js HTTP framework. The Express, Koa and Fastify adapters are thin
 * wrappers around `createAuthorizer`; what only they need is in `@opa-jwt/core/adapter`.
 *
 * The runtime exports are `createAuthorizer`, the error classes and `WELL_KNOWN_PATH`; everything else is types.
 */
import './v8-hazard'; // before anything can instantiate or call a policy module

/**
 * The application's own claims, typed once for the whole app by augmenting this interface:
 *
 * ```ts
 * declare module '@opa-jwt/core' {
 *   interface OpaJwtClaims { roles: string[] }
 * }
 * ```
 *
 * after which `req.auth.payload.roles` (Express), `ctx.state.auth.payload.roles` (Koa) and
 * `request.auth.payload.roles` (Fastify) are `string[]`. The claims are not checked against it: declare what your
 * issuer's tokens carry (as optional members when some tokens, or anonymous requests, lack them).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty until the application augments it
export interface OpaJwtClaims {}

export { createAuthorizer } from './authorizer';
export type { AuthResult, Authorizer, AuthorizerHandle, CoreRequest, Decision, OpaJwtPayload, Outcome, RouteOverrides } from './contract';
export type { AuthorizerOptions, IssuerOptions, ResourceMetadataOptions, RevocationCheck, TokenGetter } from './options';
export type { BearerMethod } from './token';
export type { PolicyInput, HttpInput, InputHook, InputHookContext } from './input';
export type { RoutingOptions } from './request-target';
export type { DecisionLogEntry } from './decision-log';
export { readiness, readinessHandler } from './fleet/health';
export type { Readiness } from './fleet/health';
export type { Logger, LogFn } from './logger';
export type { VerifiedToken } from './verify';
export {
  HttpError,
  InvalidRequestError,
  InvalidTokenError,
  UnauthorizedError,
  InsufficientScopeError,
  KeysUnavailableError,
  PolicyEvaluationError,
  PolicyLoadError,
  PolicyUnavailableError,
  InvalidOptionError,
  DiscoveryError,
} from './errors';
export { MalformedTargetError } from './request-target';
export type { CheckedClaim, ErrorBody, InvalidTokenReason, RefusalDecision } from './errors';
export type { MalformedTargetReason } from './request-target';
export type { McpInput } from './mcp';
export type { OAuthInput } from './oauth';
export type { ProtectedResourceMetadata } from './resource-metadata';
export { WELL_KNOWN_PATH } from './resource-metadata';
