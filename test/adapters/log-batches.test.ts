/**
 * A busy server's decision log, on Express, Koa and Fastify alike: a burst of requests pipelined on one connection
 * reaches the app in one turn of the event loop, so part of its decisions are logged at the end of that turn
 * (log-batches.ts). Every decision is still logged once, in order, before the client can read the responses. (Requests
 * not answered over a socket are logged as they are decided: packages/core/test/log-batches.test.ts.) Real apps on
 * 127.0.0.1, real keys.
 */
import { connect, type AddressInfo } from 'node:net';
import { startFixtures, token, type Fixtures } from './fixtures';
import { harnesses } from './harnesses';
import { coreOptions } from './table';

let fixtures: Fixtures;
beforeAll(async () => {
  fixtures = await startFixtures();
});
afterAll(async () => {
  await fixtures.close();
});

/** Requests in one burst: well past the decisions a turn logs at once. */
const BURST = 60;

/**
 * Sends `count` GETs in one write on one connection and reads the responses: how many lines were logged when the
 * last was read, the statuses and the decision ids the responses carry.
 */
async function pipelined(port: number, path: string, bearer: string, count: number, lines: string[]) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  const answered = new Promise<number>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if ((received.match(/HTTP\/1\.1 \d{3} /g) ?? []).length === count) resolve(lines.length);
    });
    socket.once('error', reject);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: api.test\r\nAuthorization: ${bearer}\r\n\r\n`.repeat(count));
  const linesWhenRead = await answered;
  socket.destroy();
  return {
    linesWhenRead,
    statuses: [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1])),
    decisionIds: [...received.matchAll(/"decisionId":"([^"]+)"/g)].map((match) => match[1]),
  };
}

describe.each(harnesses)('$name', (harness) => {
  test('a pipelined burst: each decision logged once, in order, before the client reads the answers; part of them after their response', async () => {
    const bearer = `Bearer ${await token(fixtures, { claims: { sub: 'alice', roles: ['admin'] } })}`;
    const lines: string[] = [];
    /** Per line: the responses the server had finished when it was handed over. */
    const finishedAtLine: number[] = [];
    let finished = 0;
    const app = await harness.start({
      ...coreOptions(fixtures),
      onDecisionLine: (line) => {
        lines.push(line);
        finishedAtLine.push(finished);
      },
    });
    app.server.on('request', (_req, res) => res.once('finish', () => finished++));
    await app.ready;
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = app.server.address() as AddressInfo;
      await pipelined(port, '/api/orders', bearer, 1, lines); // the token verified and remembered
      lines.length = 0;
      finishedAtLine.length = 0;
      finished = 0;
      const burst = await pipelined(port, '/api/orders', bearer, BURST, lines);
      expect(burst.statuses).toEqual(Array(BURST).fill(200));
      expect(burst.linesWhenRead).toBe(BURST);
      expect(lines.map((line) => (JSON.parse(line) as { decision_id: string }).decision_id)).toEqual(burst.decisionIds);
      // Decided before its handler answered, a line written at once follows fewer responses than precede it.
      expect(finishedAtLine.some((done, index) => done > index)).toBe(true);
    } finally {
      await app.close();
      await new Promise((resolve) => app.server.close(resolve));
    }
  });
});
