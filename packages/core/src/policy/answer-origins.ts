/**
 * The remembered answers of one entrypoint, found again by what the core builds a document from, without building
 * it: the verified token's result (by identity), the request target (by identity: one object per raw target and
 * routing, see request-target.ts), the request's method and its route.
 *
 * Only for an entrypoint that reads no header, no host and no source address: those are the parts of the core's
 * document (input.ts `buildInput`) that these four do not fix. For such an entrypoint two requests of the same
 * origin have the same document, hence the same answer. The answers kept here are those the document memory
 * (answer-memory.ts) gave for the document of that origin, and this index is started afresh with it.
 */
const MAX_ORIGINS = 10_000;

type ByRoute = Map<string | undefined, unknown>;
type ByMethod = Map<string, ByRoute>;
type ByTarget = Map<object, ByMethod>;

export class AnswersByOrigin {
  private byToken = new Map<object | undefined, ByTarget>();
  private size = 0;

  /** `token`: the verified token's result, undefined for a request without one; `method` as the request gave it. */
  get(token: object | undefined, target: object, method: string, route: string | undefined): unknown {
    return this.byToken.get(token)?.get(target)?.get(method)?.get(route);
  }

  set(token: object | undefined, target: object, method: string, route: string | undefined, answer: unknown): void {
    // Full: start again, as the document memory does (replacing an answer is not growing).
    if (this.size >= MAX_ORIGINS && !this.byToken.get(token)?.get(target)?.get(method)?.has(route)) this.clear();
    let byTarget = this.byToken.get(token);
    if (byTarget === undefined) this.byToken.set(token, (byTarget = new Map()));
    let byMethod = byTarget.get(target);
    if (byMethod === undefined) byTarget.set(target, (byMethod = new Map()));
    let byRoute = byMethod.get(method);
    if (byRoute === undefined) byMethod.set(method, (byRoute = new Map()));
    if (!byRoute.has(route)) this.size++;
    byRoute.set(route, answer);
  }

  clear(): void {
    this.byToken = new Map();
    this.size = 0;
  }
}
