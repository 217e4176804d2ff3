/**
 * Decisions logged in batches while a server is busy (log-batches.ts): when the work is done, that none is lost or
 * reordered, that what waits shows the request as it was decided, and that nothing changes for requests not answered
 * over a socket. `LogBatches` alone first, then an authorizer with real keys and JWKS on 127.0.0.1 and a policy
 * compiled by our compiler.
 */
import { compile } from '@opa-jwt/rego';
import type { CoreRequest, Outcome } from '../src/contract';
import { createAuthorizer, type OpaJwtAuthorizer } from '../src/authorizer';
import type { DecisionLogEntry } from '../src/decision-log';
import { BUSY_TURN, LogBatches } from '../src/log-batches';
import { AUDIENCE, recordingLogger, startIssuer, type TestIssuer } from '../../../test/support/issuer';

/** Lets the event loop finish its turn (its I/O callbacks, then the immediates queued before this one). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Decides `count` decisions through `batches` in this turn, each done now or deferred as `waits` says. */
function decide(batches: LogBatches<number>, done: number[], from: number, count: number): void {
  for (let n = from; n < from + count; n++) {
    if (batches.waits()) batches.defer(n);
    else done.push(n);
  }
}

describe('LogBatches', () => {
  test('a quiet turn does its work at once; a busy one defers what comes after its first decisions, in order', async () => {
    const done: number[] = [];
    const batches = new LogBatches<number>((n) => void done.push(n), fail);
    decide(batches, done, 0, BUSY_TURN);
    expect(done).toHaveLength(BUSY_TURN);
    decide(batches, done, BUSY_TURN, 5);
    expect(done).toHaveLength(BUSY_TURN);
    await turn();
    expect(done).toEqual(range(BUSY_TURN + 5));
    // The turn after a busy one defers from its first decision...
    decide(batches, done, BUSY_TURN + 5, 1);
    expect(done).toHaveLength(BUSY_TURN + 5);
    await turn();
    expect(done).toEqual(range(BUSY_TURN + 6));
    // ... and once a turn went by without many, decisions are done at once again, even after a pause.
    await turn();
    await new Promise((resolve) => setTimeout(resolve, 5));
    decide(batches, done, BUSY_TURN + 6, 1);
    expect(done).toEqual(range(BUSY_TURN + 7));
  });

  test('a busy turn followed by silence does not leave the next decision waiting', async () => {
    const done: number[] = [];
    const batches = new LogBatches<number>((n) => void done.push(n), fail);
    decide(batches, done, 0, BUSY_TURN + 1);
    await turn();
    await turn();
    decide(batches, done, BUSY_TURN + 1, 1);
    expect(done).toEqual(range(BUSY_TURN + 2));
  });

  test('flush does what waits at once; a failing write is reported and the rest is still done', () => {
    const done: number[] = [];
    const failures: unknown[] = [];
    const batches = new LogBatches<number>(
      (n) => {
        if (n === 2) throw new Error('sink down');
        done.push(n);
      },
      (error) => {
        failures.push(error);
        throw new Error('the reporter fails too');
      },
    );
    for (const n of [1, 2, 3]) batches.defer(n);
    batches.flush();
    expect(done).toEqual([1, 3]);
    expect(failures).toEqual([new Error('sink down')]);
    batches.flush();
    expect(done).toEqual([1, 3]);
  });

  test('batches end with the global timers faked (the runtime’s own setImmediate is used)', async () => {
    const done: number[] = [];
    const batches = new LogBatches<number>((n) => void done.push(n), fail);
    jest.useFakeTimers();
    try {
      decide(batches, done, 0, BUSY_TURN + 3);
    } finally {
      jest.useRealTimers();
    }
    await turn();
    expect(done).toEqual(range(BUSY_TURN + 3));
  });
});

const POLICY = `package app

routed := {"allowed": true, "sub": input.jwt.payload.sub, "path": input.path}
`;

const policy = compile({ modules: [{ path: 'app.rego', source: POLICY }], entrypoints: ['app/routed'] }).wasm;

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});

/**
 * An authorizer whose decisions go to the logger, `onDecision` and `onDecisionLine`; what each received.
 * `refused`: entries `onDecision` throws for.
 */
async function logged(refused: (entry: DecisionLogEntry) => boolean = () => false) {
  const entries: DecisionLogEntry[] = [];
  const lines: string[] = [];
  const recorded = recordingLogger();
  const authorizer = createAuthorizer({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    policy,
    entrypoint: 'app/routed',
    logger: recorded.logger,
    onDecision: (entry) => {
      if (refused(entry)) throw new Error('sink down');
      entries.push(entry);
    },
    onDecisionLine: (line) => void lines.push(line),
  }) as OpaJwtAuthorizer;
  await authorizer.ready();
  const toLogger = () => recorded.records.filter((record) => record.message === 'Decision Log').map((record) => record.fields);
  return { authorizer, entries, lines, toLogger, warnings: () => recorded.records.filter((record) => record.level === 'warn') };
}

/** `count` requests as an adapter hands them over, each with its own headers object and request id. */
function burst(bearer: string, count: number, overSocket: boolean | undefined): CoreRequest[] {
  return range(count).map((n) => {
    const request: CoreRequest = {
      method: 'GET',
      url: `/orders/${n % 3}`,
      headers: { host: 'api.test', authorization: bearer, 'x-request-id': `r${n}` },
      ip: '10.0.0.7',
    };
    if (overSocket !== undefined) request.overSocket = overSocket;
    return request;
  });
}

/** Decides every request in this turn (a remembered token: each is answered at once), then changes its headers as an app may. */
function decideAll(authorizer: OpaJwtAuthorizer, requests: CoreRequest[]): string[] {
  return requests.map((request) => {
    const outcome = authorizer.authorizeNow(request) as Outcome;
    if (outcome instanceof Promise || outcome.type !== 'allow') throw new Error('expected an answer at once');
    request.headers['x-request-id'] = 'changed by the app';
    request.headers['x-added'] = 'by the app';
    return outcome.auth.decision.decisionId;
  });
}

test('a burst answered over sockets: its first decisions logged at once, the rest when the turn ends, as they were decided', async () => {
  const bearer = `Bearer ${await issuer.sign({ claims: { sub: 'bob' } })}`;
  const { authorizer, entries, lines, toLogger } = await logged();
  await authorizer.authorize(burst(bearer, 1, undefined)[0]); // the token verified and remembered
  await turn();
  entries.length = 0;
  lines.length = 0;
  const before = toLogger().length;

  const requests = burst(bearer, 3 * BUSY_TURN, true);
  const decisionIds = decideAll(authorizer, requests);
  expect([entries.length, lines.length, toLogger().length - before]).toEqual([BUSY_TURN, BUSY_TURN, BUSY_TURN]);
  await turn();
  expect(entries.map((entry) => entry.decision_id)).toEqual(decisionIds);
  expect(lines).toEqual(entries.map((entry) => JSON.stringify(entry)));
  expect(toLogger().slice(before)).toEqual(entries);
  entries.forEach((entry, n) => {
    const input = entry.input as { request: { http: { headers: Record<string, string>; path: string } } };
    expect(input.request.http.headers).toEqual({ Host: 'api.test', Authorization: 'Bearer [REDACTED]', 'X-Request-Id': `r${n}` });
    expect(input.request.http.path).toBe(`/orders/${n % 3}`);
    expect(entry.result).toEqual({ allowed: true, sub: 'bob', path: `/orders/${n % 3}` });
  });
  for (const line of lines) expect(line).not.toContain(bearer.slice(7));
  await authorizer.close();
});

test('requests not answered over a socket (an injection, the core’s own callers) are logged as they are decided', async () => {
  const bearer = `Bearer ${await issuer.sign({ claims: { sub: 'bob' } })}`;
  const { authorizer, entries, lines } = await logged();
  await authorizer.authorize(burst(bearer, 1, undefined)[0]);
  for (const overSocket of [undefined, false]) {
    entries.length = 0;
    lines.length = 0;
    const decisionIds = decideAll(authorizer, burst(bearer, 3 * BUSY_TURN, overSocket));
    expect(entries.map((entry) => entry.decision_id)).toEqual(decisionIds);
    expect(lines).toEqual(entries.map((entry) => JSON.stringify(entry)));
  }
  // `authorize` in a loop, awaited: each entry is there when its answer is.
  entries.length = 0;
  for (const request of burst(bearer, 3 * BUSY_TURN, undefined)) {
    await authorizer.authorize(request);
    expect(entries).toHaveLength(Number(request.headers['x-request-id']!.slice(1)) + 1);
  }
  await authorizer.close();
});

test('a decision logged at once in a busy turn (not answered over a socket) comes after the ones waiting', async () => {
  const bearer = `Bearer ${await issuer.sign({ claims: { sub: 'bob' } })}`;
  const { authorizer, entries, lines } = await logged();
  await authorizer.authorize(burst(bearer, 1, undefined)[0]);
  await turn();
  entries.length = 0;
  lines.length = 0;
  const decisionIds = [...decideAll(authorizer, burst(bearer, 2 * BUSY_TURN, true)), ...decideAll(authorizer, burst(bearer, 1, false))];
  expect(entries.map((entry) => entry.decision_id)).toEqual(decisionIds);
  expect(lines).toEqual(entries.map((entry) => JSON.stringify(entry)));
  await authorizer.close();
});

test('close() logs the decisions still waiting; a sink that throws in a batch is logged, the rest still handed over', async () => {
  const bearer = `Bearer ${await issuer.sign({ claims: { sub: 'bob' } })}`;
  const { authorizer, entries, lines, warnings } = await logged(
    (entry) => (entry.input as { request: { http: { headers: Record<string, string> } } }).request.http.headers['X-Request-Id'] === 'r20',
  );
  await authorizer.authorize(burst(bearer, 1, undefined)[0]);
  await turn();
  entries.length = 0;
  lines.length = 0;
  decideAll(authorizer, burst(bearer, 2 * BUSY_TURN, true));
  expect(lines).toHaveLength(BUSY_TURN);
  const closing = authorizer.close();
  expect(lines).toHaveLength(2 * BUSY_TURN);
  await closing;
  expect(entries).toHaveLength(2 * BUSY_TURN - 1);
  expect(warnings().map((record) => record.message)).toEqual(['opa-jwt: onDecision failed']);
});

function range(count: number): number[] {
  return Array.from({ length: count }, (_, n) => n);
}

/** For batches whose writes never throw: a failure reported fails the test. */
function fail(error: unknown): void {
  expect(error).toBeUndefined();
}
