/**
 * What the policy is given, and what is remembered between requests, for modules of our compiler:
 * - the input text holds only the parts the policy can read (policy/input-writer.ts), with the same answers as the
 *   whole document, which the decision log still shows;
 * - parts no policy reads are not built when no decision log shows the document;
 * - answers of deterministic policies are remembered per input (never for clocks, randomness or print), and
 *   results are frozen, so that no request can change what another is handed;
 * - for policies that read no header, host or source address, they are found again by what the document is built
 *   from (token, target, method, route) without building it.
 * Real keys and JWKS on 127.0.0.1, the stock OPA Wasm SDK.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile, ENTRYPOINT_FACTS_SECTION, projectInput, type InputReads } from '@opa-jwt/rego';
import type { CoreRequest, Outcome } from '../src/contract';
import { createAuthorizer, OpaJwtAuthorizer } from '../src/authorizer';
import type { DecisionLogEntry } from '../src/decision-log';
import type { AuthorizerOptions } from '../src/options';
import { inputWriter } from '../src/policy/input-writer';
import { AnswerMemory } from '../src/policy/answer-memory';
import { tokenPartTexts } from '../src/token-texts';
import { Reader, readSections, SECTION, writeModule } from '../../rego/src/emit/binary';
import { AUDIENCE, startIssuer, type TestIssuer } from '../../../test/support/issuer';

const POLICY = `package app

claims := input.jwt.payload

default decision := {"allowed": false, "external_message": "no", "internal_message": "nothing matched"}

decision := {"allowed": true, "internal_message": sprintf("%s %s by %s", [input.method, input.path, claims.sub])} if {
	"reader" in claims.roles
	input.request.http.method == "GET"
}

tenant := {"allowed": true, "tenant": input.request.http.headers["X-Tenant"]} if input.request.http.headers["X-Tenant"]

page := {"allowed": true, "page": input.request.http.query.page[0]}

from := {"allowed": true, "ip": input.source.ip, "host": input.request.http.host}

everything := {"allowed": true, "input": input}

routed := {
	"allowed": true,
	"sub": input.jwt.payload.sub,
	"method": input.method,
	"path": input.path,
	"raw_target": input.request.http.raw_target,
	"page": page_of,
	"route": route_of,
}

default page_of := null

page_of := input.request.http.query.page

default route_of := null

route_of := input.request.http.route

clock := {"allowed": true, "now": time.now_ns()}

chatty := {"allowed": true} if {
	print("deciding", input.path)
	true
}
`;

let issuer: TestIssuer;
let dir: string;
let regoFile: string;
let wasmFile: string;
let wasmWithFactsFile: string;

/** `wasm` without the custom section `name`. */
function withoutSection(wasm: Uint8Array, name: string): Uint8Array {
  return writeModule(readSections(wasm).filter((section) => section.id !== SECTION.custom || new Reader(section.body).name() !== name));
}

beforeAll(async () => {
  issuer = await startIssuer();
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-projection-'));
  regoFile = path.join(dir, 'app.rego');
  writeFileSync(regoFile, POLICY);
  // The same policy as a prebuilt module without the facts our compiler writes into it (as `opa build` makes
  // modules): no reads, no determinism known, so the whole document every time.
  const entrypoints = ['app/decision', 'app/tenant', 'app/page', 'app/from', 'app/everything', 'app/routed', 'app/clock', 'app/chatty'];
  const prebuilt = compile({ modules: [{ path: 'app.rego', source: POLICY }], entrypoints }).wasm;
  wasmFile = path.join(dir, 'app.wasm');
  writeFileSync(wasmFile, withoutSection(prebuilt, ENTRYPOINT_FACTS_SECTION));
  wasmWithFactsFile = path.join(dir, 'app-with-facts.wasm');
  writeFileSync(wasmWithFactsFile, prebuilt);
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function authorizerWith(options: Partial<AuthorizerOptions>) {
  const authorizer = createAuthorizer({
    entrypoint: 'app/decision',
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    ...options,
  });
  await authorizer.ready();
  return authorizer as OpaJwtAuthorizer;
}

function request(url: string, token: string, headers: Record<string, string> = {}, method = 'GET'): CoreRequest {
  return {
    method,
    url,
    headers: { host: 'api.test', authorization: `Bearer ${token}`, 'user-agent': 'test/1', ...headers },
    ip: '::ffff:10.1.2.3',
  };
}

/** What an outcome tells a client and an application, without the per-request decision id. */
function answer(outcome: Outcome): unknown {
  if (outcome.type === 'allow') return { allow: outcome.auth.decision.result };
  return { status: outcome.status, body: outcome.body };
}

describe('the input text holds what the policy can read', () => {
  test('answers are the same as with the whole document, for every kind of read', async () => {
    const token = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
    const other = await issuer.sign({ claims: { sub: 'eve', roles: ['writer'] } });
    const requests = [
      request('/orders/7', token),
      request('/orders/7?page=3&page=4', token, { 'x-tenant': 'acme', cookie: 'a=b' }),
      request('/orders/7', other, { 'X-Tenant': 'globex' }),
      request('/orders', token, {}, 'POST'),
      { ...request('/Orders/%37', token), ip: undefined },
      // JSON bodies take the path where protocol members (MCP, OAuth) may be added to the document.
      { ...request('/orders/7?page=5', token, { 'x-tenant': 'initech', 'content-type': 'application/json' }, 'POST'), body: { a: 1 } },
      {
        ...request('/mcp?page=6', token, { 'x-tenant': 'umbrella', 'content-type': 'application/json' }, 'POST'),
        body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'lookup', arguments: { q: 'x' } } },
      },
    ];
    for (const entrypoint of ['app/decision', 'app/tenant', 'app/page', 'app/from', 'app/everything']) {
      // A logger that does not log at info: no decision log shows the document, so only the parts the policy reads
      // are built.
      const quiet = { info() {}, warn() {}, error() {}, debug() {}, isLevelEnabled: (level: string) => level !== 'info' };
      const projected = await authorizerWith({ policy: regoFile, entrypoint, logger: quiet });
      const whole = await authorizerWith({ policy: wasmFile, entrypoint });
      // `everything` reads the whole input: it gets the whole document.
      expect(projected.policies.current!.factsOf(entrypoint).inputWriter !== undefined).toBe(entrypoint !== 'app/everything');
      expect(whole.policies.current!.factsOf(entrypoint).inputWriter).toBeUndefined();
      for (const req of requests) {
        const got = answer(await projected.authorize(req));
        expect({ entrypoint, url: req.url, got }).toEqual({ entrypoint, url: req.url, got: answer(await whole.authorize(req)) });
      }
      await projected.close();
      await whole.close();
    }
  });

  test('a prebuilt module of our compiler carries what it reads and whether it is deterministic', async () => {
    const authorizer = await authorizerWith({ policy: wasmWithFactsFile });
    const engine = authorizer.policies.current!;
    expect(engine.factsOf('app/decision').inputWriter).toBeDefined();
    expect(engine.factsOf('app/decision').inputParts).toEqual({ headers: false, host: false, query: false, source: false });
    const token = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
    const first = answer(await authorizer.authorize(request('/orders/7', token, { 'x-request-id': '1' })));
    expect(answer(await authorizer.authorize(request('/orders/7', token, { 'x-request-id': '2' })))).toEqual(first);
    expect(engine.answersReused).toBe(1);
    expect(engine.factsOf('app/clock').answers).toBeUndefined();
    expect(engine.factsOf('app/everything').inputWriter).toBeUndefined();
    await authorizer.close();
  });

  test('the decision log shows the whole document although the policy was given a part', async () => {
    const decisions: DecisionLogEntry[] = [];
    const authorizer = await authorizerWith({ policy: regoFile, onDecision: (entry) => void decisions.push(entry) });
    const token = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
    await authorizer.authorize(request('/orders/7?page=2', token, { 'x-tenant': 'acme' }));
    const logged = decisions[0].input as { request: { http: { headers: Record<string, string>; query: unknown } }; source: unknown };
    expect(logged.request.http.headers['X-Tenant']).toBe('acme');
    expect(logged.request.http.headers['User-Agent']).toBe('test/1');
    expect(logged.request.http.query).toEqual({ page: ['2'] });
    expect(logged.source).toEqual({ ip: '10.1.2.3' });
    expect(decisions[0].metrics.timer_server_handler_ns).toBeGreaterThan(0);
    // The token's part is made once per token for the log, and what entries of one token share is read-only; its
    // arrays, and the objects holding them, are each entry's own (a frozen array sends JSON.stringify down its slow
    // path).
    await authorizer.authorize(request('/orders/8', token));
    type Jwt = { header: object; payload: { sub: string; roles: string[] } };
    const jwtOf = (entry: DecisionLogEntry) => (entry.input as { jwt: Jwt }).jwt;
    const [one, two] = [jwtOf(decisions[0]), jwtOf(decisions[1])];
    expect(two).toEqual(one);
    expect(two.header).toBe(one.header);
    expect([one.payload === two.payload, one.payload.roles === two.payload.roles]).toEqual([false, false]);
    expect(Object.isFrozen(one.header)).toBe(true);
    one.payload.roles.push('admin'); // a consumer changing its entry changes no other
    await authorizer.authorize(request('/orders/9', token));
    expect(jwtOf(decisions[2]).payload.roles).toEqual(['reader']);
    expect(two.payload.roles).toEqual(['reader']);
    expect(one.payload.sub).toBe('bob');
    await authorizer.close();
  });

  test('the input hook sees the whole document, and what it adds reaches the policy', async () => {
    const seen: unknown[] = [];
    const authorizer = await authorizerWith({
      policy: regoFile,
      entrypoint: 'app/tenant',
      input: (input) => {
        seen.push(input.request.http.headers['User-Agent']);
        input.request.http.headers['X-Tenant'] = 'from-hook';
      },
    });
    const outcome = await authorizer.authorize(request('/orders/7', await issuer.sign()));
    expect(seen).toEqual(['test/1']);
    expect(answer(outcome)).toEqual({ allow: { allowed: true, tenant: 'from-hook' } });
    await authorizer.close();
  });

  test('the writer writes exactly what JSON.stringify writes of the projected document', () => {
    const reads = JSON.parse(
      '{"a": {"b": true, "c": {"d": true}}, "e": true, "__proto__": {"x": true}, "date": {"y": true}}',
    ) as InputReads;
    const write = inputWriter(reads)!;
    const documents: unknown[] = [
      { a: { b: [1, { z: 2 }], c: { d: 'x', e: 'dropped' }, f: 'dropped' }, e: null, g: 'dropped' },
      { a: 'a string where an object was read', e: { deep: [1, 2] } },
      { a: [1, 2, 3], e: undefined, h: () => 1 },
      { a: { b: undefined, c: { d: () => 1 } } },
      JSON.parse('{"__proto__": {"x": 1, "y": 2}, "a": {}}') as unknown,
      { date: new Date(0), a: { b: new String('boxed') } },
      { a: new Map([['b', 1]]), e: new Set([1]) },
      Object.create({ a: { b: 'inherited members are not members' } }) as unknown,
      {},
    ];
    for (const document of documents) {
      expect(write(document)).toBe(JSON.stringify(projectInput(JSON.parse(JSON.stringify(document)) as unknown, reads)));
    }
    expect(inputWriter(true)).toBeUndefined();
    expect(inputWriter(undefined)).toBeUndefined();
  });

  // The memory finds answers by walking the document: any two documents it takes for the same must have the same
  // text. Every document is remembered with its own text as the answer; each lookup must find none or its own text.
  test('the memory of answers never takes one document for another', () => {
    const reads = JSON.parse(
      '{"jwt": {"payload": true, "header": true}, "request": {"http": {"path": true, "n": true}}, "__proto__": {"x": true}}',
    ) as InputReads;
    const write = inputWriter(reads)!;
    const memory = new AnswerMemory(reads);
    const alice = { header: { alg: 'RS256' }, payload: { sub: 'alice' }, issuerLabel: 'issuer' };
    const aliceAgain = { header: { alg: 'RS256' }, payload: { sub: 'alice' }, issuerLabel: 'issuer' };
    const known = tokenPartTexts(alice);
    tokenPartTexts(aliceAgain);
    const hidden = Object.defineProperty({ path: '/a' }, 'n', { value: 1, enumerable: false });
    const values: unknown[] = [
      '1',
      1,
      -0,
      0,
      NaN,
      null,
      true,
      'true',
      [1],
      ['1'],
      { a: 1 },
      '{"a":1}',
      undefined,
      () => 1,
      new String('1'),
    ];
    const documents: unknown[] = [
      {},
      { jwt: alice },
      { jwt: aliceAgain },
      { jwt: { header: alice.header, payload: { sub: 'alice' } } },
      { jwt: { payload: alice.payload } },
      { jwt: { header: alice.payload, payload: alice.header } },
      { jwt: JSON.stringify(alice.payload) },
      { jwt: [alice.payload] },
      { jwt: known.get(alice.payload) },
      { request: { http: hidden } },
      { request: { http: { path: '/a' } } },
      { request: { http: { path: '/a', n: undefined } } },
      { request: '{"http":{"path":"/a"}}' },
      { request: { http: '/a' } },
      Object.create({ request: { http: { path: '/a' } } }) as unknown,
      JSON.parse('{"__proto__": {"x": 1}}') as unknown,
      JSON.parse('{"__proto__": {"x": "1"}}') as unknown,
      JSON.parse('{"__proto__": {"y": 1}}') as unknown,
      ...values.map((n) => ({ request: { http: { path: '/a', n } } })),
      ...values.map((path) => ({ request: { http: { path } } })),
      ...values.map((jwt) => ({ jwt })),
      ...values,
    ];
    const textOf = (document: unknown, withKnown: boolean) => write(document, withKnown ? known : undefined);
    for (const withKnown of [true, false]) {
      for (const document of documents) memory.set(document, withKnown ? known : undefined, textOf(document, withKnown) ?? 'no text');
    }
    let found = 0;
    for (const withKnown of [true, false]) {
      for (const document of documents) {
        const remembered = memory.get(document, withKnown ? known : undefined);
        if (remembered !== undefined) found++;
        if (remembered !== undefined) expect([document, remembered]).toEqual([document, textOf(document, withKnown) ?? 'no text']);
      }
    }
    expect(found).toBe(documents.length * 2); // each document finds the answer remembered for it
    // A copy of a document (new objects, new strings) finds the same answer, a changed one does not.
    expect(memory.get({ jwt: alice, request: { http: { path: `/${'a'}` } } }, known)).toBeUndefined();
    memory.set({ jwt: alice, request: { http: { path: '/a' } } }, known, 'the answer');
    expect(memory.get({ jwt: { header: alice.header, payload: alice.payload }, request: { http: { path: `/${'a'}` } } }, known)).toBe(
      'the answer',
    );
    expect(memory.get({ jwt: alice, request: { http: { path: '/b' } } }, known)).toBeUndefined();
    // Too large a document is not remembered.
    expect(memory.set({ request: { http: { path: 'x'.repeat(5000) } } }, known, 'large')).toBe(false);
    expect(memory.get({ request: { http: { path: 'x'.repeat(5000) } } }, known)).toBeUndefined();
  });
});

describe('answers remembered for deterministic policies', () => {
  test('a repeated request is answered from memory; another path, another token or a changed header the policy reads is not', async () => {
    const authorizer = await authorizerWith({ policy: regoFile });
    const engine = authorizer.policies.current!;
    const token = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
    const first = answer(await authorizer.authorize(request('/orders/7', token, { 'x-request-id': '1' })));
    expect(engine.answersReused).toBe(0);
    // Another request id: a header this policy cannot read.
    expect(answer(await authorizer.authorize(request('/orders/7', token, { 'x-request-id': '2' })))).toEqual(first);
    expect(engine.answersReused).toBe(1);
    expect(answer(await authorizer.authorize(request('/orders/8', token)))).toEqual({
      allow: { allowed: true, internal_message: 'GET /orders/8 by bob' },
    });
    expect(
      answer(await authorizer.authorize(request('/orders/7', await issuer.sign({ claims: { sub: 'ann', roles: ['reader'] } })))),
    ).toEqual({ allow: { allowed: true, internal_message: 'GET /orders/7 by ann' } });
    expect(engine.answersReused).toBe(1);
    await authorizer.close();

    const tenant = await authorizerWith({ policy: regoFile, entrypoint: 'app/tenant' });
    expect(answer(await tenant.authorize(request('/', token, { 'x-tenant': 'acme' })))).toEqual({
      allow: { allowed: true, tenant: 'acme' },
    });
    expect(answer(await tenant.authorize(request('/', token, { 'x-tenant': 'globex' })))).toEqual({
      allow: { allowed: true, tenant: 'globex' },
    });
    expect(answer(await tenant.authorize(request('/', token)))).toMatchObject({ status: 403 });
    expect(tenant.policies.current!.answersReused).toBe(0);
    await tenant.close();
  });

  test('a policy that reads the input whole has its answers remembered too, by the whole text', async () => {
    const authorizer = await authorizerWith({ policy: regoFile, entrypoint: 'app/everything' });
    const engine = authorizer.policies.current!;
    const token = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
    const first = answer(await authorizer.authorize(request('/orders/7', token, { 'x-request-id': '1' })));
    expect(answer(await authorizer.authorize(request('/orders/7', token, { 'x-request-id': '1' })))).toEqual(first);
    expect(engine.answersReused).toBe(1);
    // Any difference, even in a header, is another input (and this policy hands its input back).
    expect(JSON.stringify(answer(await authorizer.authorize(request('/orders/7', token, { 'x-request-id': '2' }))))).toContain(
      '"X-Request-Id":"2"',
    );
    expect(engine.answersReused).toBe(1);
    await authorizer.close();
  });

  test('policies that read the clock or print are evaluated every time', async () => {
    for (const entrypoint of ['app/clock', 'app/chatty']) {
      const authorizer = await authorizerWith({ policy: regoFile, entrypoint });
      const token = await issuer.sign();
      for (let i = 0; i < 3; i++) expect((await authorizer.authorize(request('/orders/7', token))).type).toBe('allow');
      expect(authorizer.policies.current!.answersReused).toBe(0);
      await authorizer.close();
    }
  });

  test('results are frozen, remembered or not: an application cannot change what the next request is handed', async () => {
    const authorizer = await authorizerWith({ policy: regoFile });
    const token = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
    for (let i = 0; i < 2; i++) {
      const outcome = await authorizer.authorize(request('/orders/7', token));
      if (outcome.type !== 'allow') throw new Error('expected allow');
      const result = outcome.auth.decision.result as { allowed: boolean; internal_message: string };
      expect(Object.isFrozen(result)).toBe(true);
      expect(() => {
        (result as { allowed: boolean }).allowed = false;
      }).toThrow(TypeError);
      expect(result.internal_message).toBe('GET /orders/7 by bob');
    }
    expect(authorizer.policies.current!.answersReused).toBe(1);
    // A prebuilt module's results are frozen alike.
    const prebuilt = await authorizerWith({ policy: wasmFile });
    const outcome = await prebuilt.authorize(request('/orders/7', token));
    expect(outcome.type === 'allow' && Object.isFrozen(outcome.auth.decision.result)).toBe(true);
    await prebuilt.close();
    await authorizer.close();
  });

  test('the memory is bounded: past its size it starts again', async () => {
    const authorizer = await authorizerWith({ policy: regoFile });
    const engine = authorizer.policies.current!;
    // As the authorizer asks: the memory first, else an evaluation of the text, remembered with its document.
    const evaluate = (n: number) => {
      const input = {
        jwt: { payload: { sub: `u${n}`, roles: ['reader'] } },
        method: 'GET',
        path: '/o',
        request: { http: { method: 'GET' } },
      };
      const document = { input, known: undefined };
      return (
        engine.rememberedAnswer(document, engine.factsOf('app/decision')) ??
        engine.evaluateJson(JSON.stringify(input), 'app/decision', document)
      );
    };
    for (let n = 0; n < 10_050; n++) evaluate(n);
    expect(engine.rememberedAnswers).toBeLessThanOrEqual(10_000);
    expect(engine.rememberedAnswers).toBeGreaterThan(0);
    expect(evaluate(10_049)).toMatchObject({ defined: true, value: { allowed: true } });
    expect(engine.answersReused).toBe(1);
    evaluate(0); // forgotten when the memory started again
    expect(engine.answersReused).toBe(1);
    await authorizer.close();
  });
});

describe('answers found again by what the document is built from', () => {
  // No decision log: the path that skips building the document is taken only when nobody reads it.
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, isLevelEnabled: (level: string) => level !== 'info' };

  test('only for deterministic policies that read no header, host or source address', async () => {
    const authorizer = await authorizerWith({ policy: regoFile, logger: quiet });
    const byOrigin = (entrypoint: string) => authorizer.policies.current!.factsOf(entrypoint).origins !== undefined;
    expect(['app/decision', 'app/page', 'app/routed'].filter(byOrigin)).toEqual(['app/decision', 'app/page', 'app/routed']);
    expect(['app/tenant', 'app/from', 'app/everything', 'app/clock', 'app/chatty'].filter(byOrigin)).toEqual([]);
    await authorizer.close();
    // A module built elsewhere tells nothing of its reads.
    const prebuilt = await authorizerWith({ policy: wasmFile, entrypoint: 'app/routed', logger: quiet });
    expect(prebuilt.policies.current!.factsOf('app/routed').origins).toBeUndefined();
    await prebuilt.close();
  });

  test('each part a document is built from tells answers apart: token, target, routing, method and route', async () => {
    const bob = await issuer.sign({ claims: { sub: 'bob' } });
    const ann = await issuer.sign({ claims: { sub: 'ann' } });
    const variants: CoreRequest[] = [
      request('/orders/7', bob),
      request('/orders/7', ann),
      request('/orders/8', bob),
      request('/orders/7?page=2', bob),
      request('/orders/7?page=3', bob),
      request('/Orders/7', bob), // the same path, another raw target
      { ...request('/Orders/7', bob), routing: { caseSensitive: true } },
      request('/orders/7', bob, {}, 'DELETE'),
      request('/orders/7', bob, {}, 'delete'),
      { ...request('/orders/7', bob), route: '/orders/:id' },
      { ...request('/orders/7', bob), route: '/orders/:n' },
      { ...request('/orders/7', bob, { 'x-anything': 'else' }), route: '/orders/:n' }, // a header it cannot read
    ];
    const remembering = await authorizerWith({ policy: regoFile, entrypoint: 'app/routed', logger: quiet });
    // The same policy from a module without our compiler's facts: evaluated afresh every time.
    const evaluating = await authorizerWith({ policy: wasmFile, entrypoint: 'app/routed', logger: quiet });
    for (let round = 0; round < 3; round++) {
      for (const variant of variants) {
        const copy = { ...variant, headers: { ...variant.headers }, url: `${variant.url}` };
        const expected = answer(await evaluating.authorize(copy));
        expect([variant, answer(await remembering.authorize(copy))]).toEqual([variant, expected]);
      }
    }
    // From the second round on, every request was answered from memory.
    expect(remembering.policies.current!.answersReused).toBeGreaterThanOrEqual(2 * variants.length);
    expect(evaluating.policies.current!.answersReused).toBe(0);
    await Promise.all([remembering.close(), evaluating.close()]);
  });

  test('a header, host or address the policy reads is read on every request', async () => {
    const token = await issuer.sign({ claims: { sub: 'bob' } });
    const tenant = await authorizerWith({ policy: regoFile, entrypoint: 'app/tenant', logger: quiet });
    for (const name of ['acme', 'acme', 'globex', 'acme', 'globex']) {
      expect(answer(await tenant.authorize(request('/', token, { 'x-tenant': name })))).toEqual({ allow: { allowed: true, tenant: name } });
    }
    await tenant.close();
    const from = await authorizerWith({ policy: regoFile, entrypoint: 'app/from', logger: quiet });
    for (const [host, ip] of [
      ['a.test', '10.0.0.1'],
      ['a.test', '10.0.0.1'],
      ['b.test', '10.0.0.1'],
      ['b.test', '10.0.0.2'],
      ['a.test', '10.0.0.1'],
    ]) {
      expect(answer(await from.authorize({ ...request('/', token, { host }), ip }))).toEqual({ allow: { allowed: true, host, ip } });
    }
    await from.close();
  });

  test('with a decision log, a request answered by its origin is still logged with its whole document', async () => {
    const bob = await issuer.sign({ claims: { sub: 'bob' } });
    const entries: DecisionLogEntry[] = [];
    const logged = await authorizerWith({ policy: regoFile, entrypoint: 'app/routed', onDecision: (entry) => void entries.push(entry) });
    const evaluating = await authorizerWith({ policy: wasmFile, entrypoint: 'app/routed', logger: quiet });
    // Names a client chose that a plain object would take for its own members: they are the entry's members.
    const clientNamed = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    const asked = (n: number) => ({
      ...request('/orders/7?page=2&constructor=x&api_secret=query-secret', bob, { ...clientNamed, 'x-request-id': `r${n}` }),
      ip: '10.0.0.9',
    });
    const byDocument = jest.spyOn(logged.policies.current!, 'rememberedAnswer');
    for (let n = 0; n < 4; n++) {
      expect(answer(await logged.authorize(asked(n)))).toEqual(answer(await evaluating.authorize(asked(n))));
    }
    // The first request was evaluated, the second found in the document memory, the others by their origin.
    expect(logged.policies.current!.answersReused).toBe(3);
    expect(byDocument).toHaveBeenCalledTimes(2);
    expect(entries).toHaveLength(4);
    const withoutRequestId = (entry: DecisionLogEntry) => JSON.stringify(entry.input).replace(/"X-Request-Id":"r\d"/, '');
    for (const [n, entry] of entries.entries()) {
      const input = entry.input as {
        request: { http: { headers: Record<string, string>; query: Record<string, string[]> } };
        source: unknown;
      };
      const { headers, query } = input.request.http;
      expect(headers['X-Request-Id']).toBe(`r${n}`);
      expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('p');
      expect(Object.getOwnPropertyDescriptor(headers, 'Constructor')?.value).toBe('c');
      expect(headers.Authorization).toBe('Bearer [REDACTED]');
      expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
      expect(JSON.stringify(query)).toBe('{"page":["2"],"constructor":["x"],"api_secret":["[REDACTED]"]}');
      expect(input.source).toEqual({ ip: '10.0.0.9' });
      // The policy echoes the raw target, secret and all: the result is masked too.
      expect(entry.masked).toEqual([
        '/input/request/http/headers/Authorization',
        '/input/request/http/query/api_secret',
        '/input/request/http/raw_target',
        '/result/raw_target',
      ]);
      expect((entry.result as { raw_target: string }).raw_target).toBe('[REDACTED]');
      // The document made for the log alone is the one the first request was evaluated with.
      expect(withoutRequestId(entry)).toBe(withoutRequestId(entries[0]));
      expect(entry.result).toEqual(entries[0].result);
    }
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    expect(new Set(entries.map((entry) => entry.decision_id)).size).toBe(4);
    await Promise.all([logged.close(), evaluating.close()]);
  });
});

describe('requests that repeat exactly', () => {
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, isLevelEnabled: (level: string) => level !== 'info' };

  test('are answered without reading their token or target again, each part of them telling them apart', async () => {
    const bob = await issuer.sign({ claims: { sub: 'bob' } });
    const ann = await issuer.sign({ claims: { sub: 'ann' } });
    const variants: CoreRequest[] = [
      request('/orders/7', bob),
      request('/orders/7', ann),
      request('/orders/7?page=2', bob),
      request('/Orders/7', bob),
      { ...request('/Orders/7', bob), routing: { caseSensitive: true } },
      request('/orders/7', bob, {}, 'DELETE'),
      request('/orders/7', bob, {}, 'delete'),
      { ...request('/orders/7', bob), route: '/orders/:id' },
      { ...request('/orders/7', ann), route: '/orders/:n' },
    ];
    const remembering = await authorizerWith({ policy: regoFile, entrypoint: 'app/routed', logger: quiet });
    const evaluating = await authorizerWith({ policy: wasmFile, entrypoint: 'app/routed', logger: quiet });
    // Tokens are found in their header by the remembered one (token.ts `KnownBearerToken`) unless the request repeats.
    const readsToken = jest.spyOn(remembering.verifier.cache, 'bearerToken');
    for (let round = 0; round < 5; round++) {
      readsToken.mockClear();
      for (const variant of variants) {
        // Fresh strings, as each request brings.
        const copy = { ...variant, headers: { ...variant.headers, authorization: `${variant.headers.authorization as string}` } };
        expect([variant, answer(await remembering.authorize(copy))]).toEqual([variant, answer(await evaluating.authorize(copy))]);
      }
      // Evaluated, then found by the document, then by its origin, then by the request itself.
      if (round >= 3) expect(readsToken.mock.calls.map(([header]) => variants.find((v) => v.headers.authorization === header))).toEqual([]);
    }
    expect(remembering.policies.current!.answersReused).toBeGreaterThanOrEqual(4 * variants.length);
    await Promise.all([remembering.close(), evaluating.close()]);
  });

  test('what their header and target do not fix is read every time: a token in the body, the scheme, route overrides', async () => {
    const bob = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] } });
    const authorizer = await authorizerWith({ policy: regoFile, logger: quiet, bearerMethods: ['header', 'body'] });
    // A form body a PUT carries is read for its token only (a POST's could be a token request: never repeated).
    const put = (body: string) => ({
      ...request('/orders/7', bob, { 'content-type': 'application/x-www-form-urlencoded' }, 'PUT'),
      body,
    });
    for (let n = 0; n < 4; n++) expect(answer(await authorizer.authorize(put('state=shipped')))).toMatchObject({ status: 403 });
    expect(await authorizer.authorize(put(`access_token=${bob}`))).toMatchObject({ type: 'respond', status: 400 });
    for (let n = 0; n < 3; n++) expect(answer(await authorizer.authorize(request('/orders/7', bob)))).toMatchObject({ allow: {} });
    // Another spelling of the scheme: the same token, read from the header the longer way.
    const lowerCase = { ...request('/orders/7', bob), headers: { authorization: `bearer ${bob}` } };
    expect(answer(await authorizer.authorize(lowerCase))).toMatchObject({ allow: {} });
    // Another entrypoint for this route: its own answer.
    expect(answer(await authorizer.authorize(request('/orders/7', bob), { entrypoint: 'app/routed' }))).toMatchObject({
      allow: { allowed: true, sub: 'bob', path: '/orders/7' },
    });
    const skipped = await authorizer.authorize(request('/orders/7', bob), { skip: true });
    expect(skipped).toMatchObject({ type: 'allow', auth: { payload: {} } });
    await authorizer.close();
  });

  test('their token is checked every time: expired, or its key gone, it is not answered from memory', async () => {
    const bob = await issuer.sign({ claims: { sub: 'bob', roles: ['reader'] }, expiresIn: 60 });
    const authorizer = await authorizerWith({ policy: regoFile, logger: quiet });
    for (let n = 0; n < 3; n++) expect(answer(await authorizer.authorize(request('/orders/7', bob)))).toMatchObject({ allow: {} });
    const entry = authorizer.verifier.cache.entryOf(bob)!;
    expect(entry.repeated).toHaveLength(1);

    // Its key left the key set: forgotten, and verified again (the key is still published here).
    const { issuerLabel, header } = entry.verified;
    expect(authorizer.verifier.cache.forgetKey(issuerLabel, header.kid!)).toBe(1);
    const verifies = jest.spyOn(authorizer.verifier, 'verify');
    expect(answer(await authorizer.authorize(request('/orders/7', bob)))).toMatchObject({ allow: {} });
    expect(verifies).toHaveBeenCalledTimes(1);
    expect(authorizer.verifier.cache.entryOf(bob)!.repeated).toEqual([]);

    for (let n = 0; n < 3; n++) expect(answer(await authorizer.authorize(request('/orders/7', bob)))).toMatchObject({ allow: {} });
    expect(verifies).toHaveBeenCalledTimes(1);
    // Past `exp` and the clock tolerance (5 s), for opa-jwt and jose alike.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'], now: Date.now() + 66_000 });
    try {
      const expired = await authorizer.authorize(request('/orders/7', bob));
      expect(answer(expired)).toEqual({ status: 401, body: { error: 'invalid_token', error_description: 'the token has expired' } });
      expect(authorizer.verifier.cache.entryOf(bob)).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
    await authorizer.close();
  });
});
