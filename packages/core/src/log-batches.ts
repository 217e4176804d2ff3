/**
 * When the adapters' decisions are logged: as each is decided, or together at the end of a busy turn of the event loop.
 *
 * A server deciding one request at a time logs each decision as it is made. A server handed many requests over sockets
 * in one turn (every connection that had one ready when the loop polled) logs the decisions of that turn together once its
 * I/O callbacks have run (`setImmediate`, before the loop polls again): the writer's code and data then stay in the
 * processor's caches for the whole batch, where, run between the framework's code of each request, they ran cold.
 * In the Express benchmark that saved up to ~9 µs a logged request, less in noisier runs (`npm run bench:http`, the
 * decision log scenarios).
 *
 * A turn is busy after more than `BUSY_TURN` decisions; a turn after a busy one batches from its first decision.
 * Work keeps its order, and what waits is done before the loop reads more requests (so before any client of the
 * process could read a response that follows it); `flush` does it at once (`close`).
 */
import { setImmediate } from 'node:timers'; // the runtime's own: tests that fake the global timers still see batches end

/** Decisions in one turn after which the rest of it, and the turn after it, are logged in a batch. */
export const BUSY_TURN = 16;

export class LogBatches<T> {
  #pending: T[] = [];
  #decidedThisTurn = 0;
  #turnWatched = false;
  #busy = false;

  /**
   * @param write does one decision's log work (it reports its own failures; what it throws is handed to `failed`)
   * @param failed told what a batch's `write` threw, so that it cannot escape into the event loop
   */
  constructor(
    private readonly write: (work: T) => void,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Counts a decision; true when its log work is to wait for the end of the turn (`defer`), false to do it now. */
  waits(): boolean {
    if (!this.#turnWatched) {
      this.#turnWatched = true;
      setImmediate(this.#endTurn);
    }
    return ++this.#decidedThisTurn > BUSY_TURN || this.#busy;
  }

  defer(work: T): void {
    this.#pending.push(work);
  }

  /** Does the work waiting, in order. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const work of pending) {
      try {
        this.write(work);
      } catch (error) {
        try {
          this.failed(error);
        } catch {
          // Nothing is left to tell it to; the rest of the batch is still written.
        }
      }
    }
  }

  readonly #endTurn = (): void => {
    this.#busy = this.#decidedThisTurn > BUSY_TURN;
    this.#decidedThisTurn = 0;
    // A busy turn's successor is watched even if it decides nothing, so that a server gone quiet logs at once again.
    this.#turnWatched = this.#busy;
    if (this.#busy) setImmediate(this.#endTurn);
    this.flush();
  };
}
