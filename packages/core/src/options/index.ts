/** The options of `createAuthorizer`: declared and documented in `types.ts`, checked and resolved in `resolve.ts`. */
export type {
  AuthorizerOptions,
  IssuerOptions,
  KeySource,
  PolicySpec,
  ResolvedIssuer,
  ResolvedOptions,
  ResolvedProtocolOptions,
  ResourceMetadataOptions,
  RevocationCheck,
  TokenGetter,
} from './types';
export {
  ASYMMETRIC_ALGORITHMS,
  DEFAULTS,
  ISSUER_OPTION_NAMES,
  OPTION_NAMES,
  SYMMETRIC_ALGORITHMS,
  resolveOptions,
  resolveProtocolOptions,
  resolveResourceMetadata,
} from './resolve';
