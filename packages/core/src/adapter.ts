/**
 * `@opa-jwt/core/adapter`: what framework adapters need beyond the public API. An adapter turns its framework's
 * request into a `CoreRequest`, calls `Authorizer.authorize` and writes the outcome; Express and Koa, whose
 * middleware is a plain function, expose the authorizer on that function with `withAuthorizerHandle`.
 */
import type { Authorizer, AuthorizerHandle } from './contract';

/**
 * Attaches `ready` (started now, so start-up errors surface even if nobody awaits), `authorizer` and `close()` to
 * `middleware` as enumerable read-only properties, and returns it typed with them.
 */
export function withAuthorizerHandle<F extends object>(middleware: F, authorizer: Authorizer): F & AuthorizerHandle {
  return Object.defineProperties(middleware, {
    ready: { value: authorizer.ready(), enumerable: true },
    authorizer: { value: authorizer, enumerable: true },
    close: { value: () => authorizer.close(), enumerable: true },
  }) as F & AuthorizerHandle;
}
