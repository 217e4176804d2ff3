/**
 * `@opa-jwt/core/adapter`: what framework adapters need beyond the public API. An adapter turns its framework's
 * request into a `CoreRequest`, calls `Authorizer.authorize` and writes the outcome; Express and Koa, whose
 * middleware is a plain function, expose the authorizer on that function with `withAuthorizerHandle`; every
 * adapter's request is an `AdapterRequest`.
 */
import { Socket } from 'node:net';
import type { Authorizer, AuthorizerHandle, CoreRequest } from './contract';
import type { RoutingOptions } from './request-target';

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

/**
 * A `CoreRequest` made from a framework's request: the fields the core reads on every request are copied when it is
 * made; the client's address, which frameworks work out from their proxy settings (Express parses X-Forwarded-For
 * on every read of `req.ip`), is read from the framework only when something needs it (a policy that reads
 * `source`, a decision or refusal log), once. A class, so that every request has the same shape and the address
 * costs no closure: subclasses keep their framework's request in a private field and read it in `clientAddress`.
 */
export abstract class AdapterRequest implements CoreRequest {
  routing?: RoutingOptions;
  route?: string;
  #ip: string | undefined;
  #ipRead = false;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: CoreRequest['headers'],
    readonly body: unknown,
  ) {}

  /** Read only when the decision is logged (log-batches.ts). */
  get overSocket(): boolean {
    return this.socket() instanceof Socket;
  }

  /** The client's address, asked of the framework once per request (a decision log reads it twice). */
  get ip(): string | undefined {
    if (!this.#ipRead) {
      this.#ip = this.clientAddress();
      this.#ipRead = true;
    }
    return this.#ip;
  }

  /** The framework's idea of the client's address, after its proxy settings. */
  protected abstract clientAddress(): string | undefined;

  /**
   * The socket the answer goes back over: a `net.Socket` unless the request was injected in process. None by default,
   * so that an adapter that does not say has its decisions logged as they are made.
   */
  protected socket(): unknown {
    return undefined;
  }
}
