// The ES module entry: the CommonJS build's exports, and `opaJwt` as the default export too. (Node gives an ES
// module that imports CommonJS the whole `module.exports` as its default, which is not the middleware.) Listed by
// name so that static `import { opaJwt } from` resolves; test/packaging/consumers.test.ts keeps the list whole.
import adapter from '../dist/index.js';

export const {
  opaJwt,
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
} = adapter;
export default adapter.opaJwt;
