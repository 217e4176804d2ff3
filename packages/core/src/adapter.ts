/** For adapters whose middleware is a plain function (Express, Koa): the authorizer exposed on that function. */
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
