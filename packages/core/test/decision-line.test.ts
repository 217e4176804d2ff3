/**
 * Decision log lines (`onDecisionLine`): the line opa-jwt writes from a document's parts (decision-line.ts) is exactly
 * `JSON.stringify` of the entry `onDecision` is handed for the same decision, for answers evaluated and answers
 * remembered, any header, query or address a client sends, tokens and anonymous requests, results that echo a
 * credential and results that are undefined; entries it cannot write from parts (input hooks, failures) are
 * serialised. Real keys and JWKS on 127.0.0.1, policies compiled by our compiler, the stock OPA Wasm SDK.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile, writeBundle } from '@opa-jwt/rego';
import type { CoreRequest } from '../src/contract';
import { createAuthorizer, OpaJwtAuthorizer } from '../src/authorizer';
import type { DecisionLogEntry } from '../src/decision-log';
import { decisionLineParts, joinedLine, type LineFacts } from '../src/decision-line';
import { buildInput } from '../src/input';
import { requestTarget } from '../src/request-target';
import type { AuthorizerOptions } from '../src/options';
import { startCollector } from './helpers/collector';
import { AUDIENCE, recordingLogger, startIssuer, type RecordingLogger, type TestIssuer } from '../../../test/support/issuer';

const POLICY = `package app

# Answers that depend on nothing a client sends but the token and the target: remembered by their origin.
default sub := "anonymous"

sub := input.jwt.payload.sub

routed := {"allowed": true, "sub": sub, "path": input.path}

# Reads the headers: evaluated for every request.
echo := {
	"allowed": true,
	"authorization": object.get(input.request.http.headers, "Authorization", ""),
	"raw": input.request.http.raw_target,
	"agent": object.get(input.request.http.headers, "User-Agent", ""),
	"list": [1, 2.5, -0, true, null, {"nested": input.request.http.query}],
}

nothing if false

broken := x if {
	x := 1 / count(input.request.http.headers["X-Zero"])
}
`;

let issuer: TestIssuer;
let dir: string;
let policy: string;

beforeAll(async () => {
  issuer = await startIssuer();
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-lines-'));
  policy = path.join(dir, 'app.rego');
  writeFileSync(policy, POLICY);
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A logger that records warnings and takes no decision log entries (its `info` level is off). */
function quiet(recorded: RecordingLogger): AuthorizerOptions['logger'] {
  return { ...recorded.logger, isLevelEnabled: (level: string) => level !== 'info' };
}

/** An authorizer handing each decision to both sinks, and what they received. */
async function bothSinks(options: Partial<AuthorizerOptions>) {
  const entries: DecisionLogEntry[] = [];
  const lines: string[] = [];
  const recorded = recordingLogger();
  const authorizer = createAuthorizer({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    policy,
    entrypoint: 'app/routed',
    logger: quiet(recorded),
    onDecision: (entry) => void entries.push(entry),
    onDecisionLine: (line) => void lines.push(line),
    ...options,
  });
  await authorizer.ready();
  /** Lines were written from parts, not by serialising entries after a failure to. */
  const writtenFromParts = () =>
    expect(recorded.records.filter((record) => /line could not be written/.test(record.message ?? ''))).toEqual([]);
  return { authorizer: authorizer as OpaJwtAuthorizer, entries, lines, writtenFromParts };
}

/** Requests a client could send, headers and query included, as an adapter hands them over. */
function requests(token: string): CoreRequest[] {
  const bearer = `Bearer ${token}`;
  return [
    { method: 'GET', url: '/orders/7', headers: { host: 'api.test', authorization: bearer }, ip: '::ffff:10.1.2.3' },
    { method: 'GET', url: '/orders/7', headers: { host: 'api.test', authorization: bearer, 'x-request-id': 'r2' }, ip: '10.0.0.9' },
    { method: 'get', url: '/orders/7?page=2&page=3&api_secret=query-secret-1&%74oken=encoded', headers: { authorization: bearer } },
    {
      // Names in lower case, as Node hands them over: written straight from the request.
      method: 'POST',
      url: 'http://api.test/Orders/7/?q=%22quoted%22',
      headers: {
        host: 'api.test',
        authorization: bearer,
        'user-agent': 'agent "with" quotes \\ and a\ttab and é and \u2028',
        cookie: 'session=abcdefghijkl; theme=dark',
        'x-api-key': 'key-0123456789',
        'proxy-authorization': 'Basic dXNlcjpwYXNzd29yZA==',
        'set-cookie': ['a=1', 'b=2'],
        accept: ['application/json', 'text/plain'],
        ':authority': 'ignored.test',
        empty: '',
        missing: undefined,
      },
      ip: '',
      route: '/orders/:id',
    },
    // Names in mixed case, two of them one header: joined first.
    {
      method: 'PUT',
      url: '/orders/8',
      headers: { authorization: bearer, Host: 'api.test', 'X-Dup': 'one', 'x-dup': 'two', 'Set-Cookie': ['a=1', 'b=2'] },
      ip: '10.0.0.1',
    },
    // HTTP/2: the authority instead of a Host header.
    { method: 'GET', url: '/orders/9', headers: { ':authority': 'h2.test', ':method': 'GET', authorization: bearer }, ip: '10.0.0.2' },
    {
      method: 'GET',
      url: '/x?constructor=1&__proto__=2&toString=3',
      headers: { ...(JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>), authorization: bearer, lone: '\ud800x' },
      ip: '2001:db8::1',
    },
  ];
}

/** Each line is the entry's JSON, and the entries were all logged. */
function expectLinesAreEntries(entries: DecisionLogEntry[], lines: string[], count: number): void {
  expect(entries).toHaveLength(count);
  expect(lines).toHaveLength(count);
  for (const [index, entry] of entries.entries()) expect([index, lines[index]]).toEqual([index, JSON.stringify(entry)]);
}

test('for answers remembered and evaluated, with tokens or none: the line is the entry, byte for byte', async () => {
  const token = await issuer.sign({
    claims: { sub: 'bob', roles: ['reader', 'writer'], scope: 'orders:read', __weird: { 'a"b': [1, null] } },
  });
  for (const entrypoint of ['app/routed', 'app/echo', 'app/nothing']) {
    for (const authRequired of [true, false]) {
      const { authorizer, entries, lines, writtenFromParts } = await bothSinks({ entrypoint, authRequired });
      const asked = [...requests(token), ...requests(token)]; // the second round is answered from memory where it can be
      if (!authRequired) asked.push({ method: 'GET', url: '/public', headers: { host: 'api.test' }, ip: '127.0.0.1' });
      for (const request of asked) await authorizer.authorize(request);
      expectLinesAreEntries(entries, lines, asked.length);
      writtenFromParts();
      // Found by their origin, without a document: the line was written from the one made for the log.
      if (entrypoint === 'app/routed') expect(authorizer.policies.current!.answersReused).toBeGreaterThanOrEqual(5);
      await authorizer.close();
    }
  }
});

test('a result echoing a credential is masked in the line as in the entry', async () => {
  const token = await issuer.sign({ claims: { sub: 'bob' } });
  const { authorizer, entries, lines } = await bothSinks({ entrypoint: 'app/echo' });
  await authorizer.authorize(requests(token)[3]);
  await authorizer.authorize(requests(token)[4]);
  expectLinesAreEntries(entries, lines, 2);
  const line = JSON.parse(lines[0]) as DecisionLogEntry & { result: Record<string, unknown> };
  expect(line.result.authorization).toBe('[REDACTED]');
  expect(lines[0]).not.toContain(token);
  expect(lines[0]).not.toContain('query-secret');
  expect(line.masked).toContain('/result/authorization');
  await authorizer.close();
});

test('entries not written from parts (an input hook, a failed evaluation) are serialised, and the line alone is enough', async () => {
  const token = await issuer.sign({ claims: { sub: 'bob' } });
  const hooked = await bothSinks({ entrypoint: 'app/echo', input: (input) => ({ ...input, extra: { at: 1 } }) });
  await hooked.authorizer.authorize(requests(token)[0]);
  expectLinesAreEntries(hooked.entries, hooked.lines, 1);
  expect(JSON.parse(hooked.lines[0]).input.extra).toEqual({ at: 1 });
  await hooked.authorizer.close();

  const failing = await bothSinks({ entrypoint: 'app/broken' });
  const outcome = await failing.authorizer.authorize({ ...requests(token)[0], headers: { ...requests(token)[0].headers, 'x-zero': '' } });
  expect(outcome.type === 'respond' && outcome.status).toBe(500);
  expectLinesAreEntries(failing.entries, failing.lines, 1);
  expect(failing.entries[0].error?.code).toBe('eval_error');
  await failing.authorizer.close();

  // No onDecision: no entry is handed out, the line is written all the same.
  const lines: string[] = [];
  const alone = await bothSinks({ onDecision: undefined, onDecisionLine: (line) => void lines.push(line) });
  for (const request of [...requests(token), ...requests(token)]) await alone.authorizer.authorize(request);
  expect(lines).toHaveLength(14);
  for (const line of lines)
    expect(JSON.parse(line)).toMatchObject({ path: 'app/routed', labels: { app: 'opa-jwt' }, result: { sub: 'bob' } });
  await alone.authorizer.close();
});

test('an onDecisionLine that throws or rejects is logged and changes no answer', async () => {
  const token = await issuer.sign({ claims: { sub: 'bob' } });
  const recorded = recordingLogger();
  for (const sink of [
    () => {
      throw new Error('disk full');
    },
    () => Promise.reject(new Error('disk full')),
  ]) {
    const { authorizer } = await bothSinks({ logger: quiet(recorded), onDecision: undefined, onDecisionLine: sink });
    expect((await authorizer.authorize(requests(token)[0])).type).toBe('allow');
    await new Promise((resolve) => setImmediate(resolve));
    await authorizer.close();
  }
  expect(recorded.records.filter((record) => record.message === 'opa-jwt: onDecisionLine failed')).toHaveLength(2);
});

test('a result that can change is written as it is now; a metric that is not a number as JSON writes it', () => {
  const request: CoreRequest = { method: 'GET', url: '/x', headers: { host: 'api.test' } };
  const target = requestTarget(request.url);
  const input = buildInput(request, undefined, target);
  const facts: LineFacts = {
    decisionId: 'id',
    timestamp: 't',
    entrypoint: 'app/x',
    metrics: { timer_token_verify_ns: NaN, timer_rego_input_parse_ns: Infinity, timer_rego_query_eval_ns: 1.5, timer_server_handler_ns: 2 },
    requestedBy: undefined,
  };
  const result = { allowed: false, reasons: ['one'] };
  const parse = (line: string) => JSON.parse(line) as DecisionLogEntry;
  expect(parse(joinedLine(decisionLineParts(request, undefined, target, result, facts))).result).toEqual(result);
  result.reasons.push('two');
  expect(parse(joinedLine(decisionLineParts(request, undefined, target, result, facts))).result).toEqual({
    allowed: false,
    reasons: ['one', 'two'],
  });
  expect(parse(joinedLine(decisionLineParts(request, undefined, target, result, facts))).metrics).toEqual(
    JSON.parse(JSON.stringify(facts.metrics)),
  );
  expect(joinedLine(decisionLineParts(request, undefined, target, undefined, facts))).toBe(
    JSON.stringify({ decision_id: 'id', timestamp: 't', path: 'app/x', input, labels: { app: 'opa-jwt' }, metrics: facts.metrics }),
  );
});

test("the fleet's decision log upload carries the same text, with the fleet's labels and bundle revisions", async () => {
  const token = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
  const modules = [{ path: 'app.rego', source: POLICY }];
  const bundle = writeBundle({
    wasm: compile({ modules, entrypoints: ['app/routed', 'app/echo'] }).wasm,
    manifest: { revision: 'r-"1"', roots: [''], wasm: [{ entrypoint: 'app/routed', module: '/policy.wasm' }] },
    regoFiles: modules,
  });
  const bundles = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/gzip' }).end(bundle));
  await new Promise<void>((resolve) => bundles.listen(0, '127.0.0.1', resolve));
  const collector = await startCollector();
  try {
    for (const entrypoint of ['app/routed', 'app/echo']) {
      const entries: DecisionLogEntry[] = [];
      const authorizer = createAuthorizer({
        issuer: issuer.issuer,
        jwksUri: issuer.jwksUri,
        audience: AUDIENCE,
        entrypoint,
        logger: quiet(recordingLogger()),
        onDecision: (entry) => void entries.push(entry),
        opaConfig: {
          services: { bundles: { url: `http://127.0.0.1:${(bundles.address() as AddressInfo).port}` }, collector: { url: collector.url } },
          bundles: { app: { service: 'bundles', resource: 'app.tar.gz', polling: { min_delay_seconds: 60, max_delay_seconds: 120 } } },
          decision_logs: { service: 'collector', reporting: { min_delay_seconds: 0.01, max_delay_seconds: 0.02 } },
          labels: { region: 'eu "west"' },
        },
      }) as OpaJwtAuthorizer;
      await authorizer.ready();
      collector.events.length = 0;
      const asked = [...requests(token), ...requests(token)];
      for (const request of asked) await authorizer.authorize(request);
      for (let waited = 0; collector.events.length < asked.length && waited < 5000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const fleet = authorizer.fleet!;
      expect(collector.events.map((event) => JSON.stringify(event))).toEqual(
        entries.map((entry) => JSON.stringify({ ...entry, labels: fleet.labels, bundles: fleet.revisions })),
      );
      expect(fleet.revisions).toEqual({ app: { revision: 'r-"1"' } });
      await authorizer.close();
    }
  } finally {
    await collector.close();
    await new Promise((resolve) => bundles.close(resolve));
  }
});
