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

/** One origin's answer under its token and target: a target is asked with one or two methods, and one route, nearly always. */
interface Answer {
  method: string;
  route: string | undefined;
  answer: unknown;
}

type ByTarget = Map<object, Answer[]>;

export class AnswersByOrigin {
  private byToken = new Map<object | undefined, ByTarget>();
  private size = 0;

  /** `token`: the verified token's result, undefined for a request without one; `method` as the request gave it. */
  get(token: object | undefined, target: object, method: string, route: string | undefined): unknown {
    const answers = this.byToken.get(token)?.get(target);
    if (answers === undefined) return undefined;
    return findAnswer(answers, method, route)?.answer;
  }

  set(token: object | undefined, target: object, method: string, route: string | undefined, answer: unknown): void {
    let byTarget = this.byToken.get(token);
    let answers = byTarget?.get(target);
    const known = answers === undefined ? undefined : findAnswer(answers, method, route);
    if (known !== undefined) {
      known.answer = answer; // replacing is not growing
      return;
    }
    // Full: start again, as the document memory does.
    if (this.size >= MAX_ORIGINS) {
      this.clear();
      byTarget = answers = undefined;
    }
    if (byTarget === undefined) this.byToken.set(token, (byTarget = new Map()));
    if (answers === undefined) byTarget.set(target, (answers = []));
    answers.push({ method, route, answer });
    this.size++;
  }

  clear(): void {
    this.byToken = new Map();
    this.size = 0;
  }
}

function findAnswer(answers: Answer[], method: string, route: string | undefined): Answer | undefined {
  for (let i = 0; i < answers.length; i++) {
    const entry = answers[i];
    if (entry.method === method && entry.route === route) return entry;
  }
  return undefined;
}
