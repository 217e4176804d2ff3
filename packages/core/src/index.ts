/**
 * @opa-jwt/core: JWT authentication (jose) and Open Policy Agent authorization (Rego compiled to WebAssembly, run
 * by the stock OPA Wasm SDK) for any Node.js HTTP framework. The Express, Koa and Fastify adapters are thin
 * wrappers around `createAuthorizer`.
 */
import './v8-hazard'; // before anything can instantiate or call a policy module

export { createAuthorizer, OpaJwtAuthorizer } from './authorizer';
export type { AuthResult, Authorizer, AuthorizerHandle, CoreRequest, Decision, Outcome, RouteOverrides } from './contract';
export { withAuthorizerHandle } from './adapter';
export type { AuthorizerOptions, AuthorizerOptions as OpaJwtOptions, BearerMethod, IssuerOptions } from './options';
export { ASYMMETRIC_ALGORITHMS, SYMMETRIC_ALGORITHMS } from './options';
export type { PolicyInput, HttpInput, InputHook, InputHookContext } from './input';
export { canonicalHeaderName } from './input';
export type { RoutingOptions, RequestTarget } from './request-target';
export { requestTarget, MalformedTargetError } from './request-target';
export type { DecisionLogEntry } from './decision-log';
export { readiness, readinessHandler } from './fleet/health';
export type { Readiness } from './fleet/health';
export { verifyBundle as verifyBundleSignature, BundleSignatureError } from './fleet/signing';
export type { Logger, LogFn } from './logger';
export type { VerifiedToken } from './verify';
export {
  OpaJwtError,
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
export type { ErrorBody } from './errors';
export type { McpInput } from './mcp';
export type { OAuthInput } from './oauth';
export type { ResourceMetadataOptions, ProtectedResourceMetadata } from './resource-metadata';
export { WELL_KNOWN_PATH } from './resource-metadata';
