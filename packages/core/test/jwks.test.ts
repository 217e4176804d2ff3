/**
 * JWKS fetching against a real key set server on 127.0.0.1 (hits counted by the server): fetched once and cached,
 * unknown kids refetch at most once per cooldown even under a flood, rotation, stale-if-error then fail closed (503),
 * keys leaving the set evict cached tokens, timeouts, and issuer discovery.
 */
import { OpaJwtAuthorizer } from '../src/authorizer';
import { InvalidTokenError, KeysUnavailableError } from '../src/errors';
import { resolveOptions, type AuthorizerOptions } from '../src/options';
import { TokenVerifier } from '../src/verify';
import { AUDIENCE, makeKey, recordingLogger, startIssuer, type TestIssuer } from '../../../test/support/issuer';
import { closeStartedVerifiers, startVerifier, TEST_POLICY } from './helpers/verifier';

let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await startIssuer();
});
afterEach(async () => {
  closeStartedVerifiers();
  await issuer.close();
});

function started(options: Partial<AuthorizerOptions> = {}) {
  return startVerifier(issuer, options);
}

/** A token whose kid the server does not publish (signed by the published EC key, so only the kid is unknown). */
function randomKidToken(): Promise<string> {
  return issuer.sign({ key: { ...issuer.ec, kid: `random-${Math.random().toString(36).slice(2)}` } });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.reason;
    if (error instanceof KeysUnavailableError) return `503`;
    throw error;
  }
  return 'accepted';
}

test('the key set is fetched once at start-up and reused for many tokens', async () => {
  const { verifier } = await started();
  expect(issuer.hits()).toBe(1);
  for (let i = 0; i < 20; i++) await verifier.verify(await issuer.sign({ claims: { n: i }, key: i % 2 ? issuer.ec : issuer.rsa }));
  expect(issuer.hits()).toBe(1);
});

/**
 * The clock is jest's: only timers and Date are faked, so the HTTP exchanges with the issuer stay real. `advance`
 * moves the clock (and runs the timers that fall due); `until` lets real I/O run until a condition holds.
 */
function useFakeClock(): void {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });
}

const advance = (ms: number) => jest.advanceTimersByTime(ms);
const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Lets real I/O (a JWKS request) run until `done()` holds, then one more turn of the event loop so that what
 * followed it has settled (and scheduled the next refresh); fails after 5 s of real time.
 */
async function until(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('timed out waiting for the JWKS exchange');
    await turn();
  }
  await turn();
}

describe('cooldown, cache age and stale-if-error (fake clock)', () => {
  useFakeClock();

  test('a flood of random kids refetches at most once per cooldown', async () => {
    const { verifier } = await started({ cooldownDuration: 400 });
    expect(issuer.hits()).toBe(1);

    // 1. Within the cooldown of the start-up fetch: no fetch at all, 100 concurrent unknown kids.
    const burst = await Promise.all(Array.from({ length: 100 }, async () => reasonOf(verifier.verify(await randomKidToken()))));
    expect(new Set(burst)).toEqual(new Set(['unknown_key']));
    expect(issuer.hits()).toBe(1);

    // 2. After the cooldown: 100 concurrent unknown kids share exactly one fetch.
    advance(450);
    const second = await Promise.all(Array.from({ length: 100 }, async () => reasonOf(verifier.verify(await randomKidToken()))));
    expect(new Set(second)).toEqual(new Set(['unknown_key']));
    expect(issuer.hits()).toBe(2);

    // 3. A steady stream, one unknown kid every 10 ms for 1.3 s: one fetch each time the 400 ms cooldown has passed
    //    since the last one (at 400, 800 and 1200 ms), none in between.
    const hitsAt: number[] = [];
    for (let ms = 10; ms <= 1300; ms += 10) {
      advance(10);
      const before = issuer.hits();
      expect(await reasonOf(verifier.verify(await randomKidToken()))).toBe('unknown_key');
      if (issuer.hits() > before) hitsAt.push(ms);
    }
    expect(hitsAt).toEqual([400, 800, 1200]);
    expect(issuer.hits()).toBe(5);
    // Known keys kept working throughout, from the cache.
    await expect(verifier.verify(await issuer.sign())).resolves.toMatchObject({ header: { kid: 'rsa-1' }, payload: { sub: 'alice' } });
    expect(issuer.hits()).toBe(5);
  });

  test('a rotated-in key is found by one refetch once the cooldown allows', async () => {
    const { verifier } = await started({ cooldownDuration: 100 });
    const rotated = await makeKey('rsa-2', 'RS256');
    issuer.published = [...issuer.published, rotated];
    advance(99);
    expect(await reasonOf(verifier.verify(await issuer.sign({ key: rotated })))).toBe('unknown_key'); // within the cooldown
    expect(issuer.hits()).toBe(1);
    advance(1);
    await expect(verifier.verify(await issuer.sign({ key: rotated }))).resolves.toMatchObject({ header: { kid: 'rsa-2' } });
    expect(issuer.hits()).toBe(2);
  });

  test('keys are refreshed after cacheMaxAge', async () => {
    const { verifier } = await started({ cacheMaxAge: 200, cooldownDuration: 0 });
    await verifier.verify(await issuer.sign({ claims: { n: 1 } }));
    advance(199);
    await verifier.verify(await issuer.sign({ claims: { n: 2 } }));
    expect(issuer.hits()).toBe(1);
    advance(1);
    await expect(verifier.verify(await issuer.sign({ claims: { n: 3 } }))).resolves.toMatchObject({ payload: { n: 3 } });
    expect(issuer.hits()).toBe(2);
  });

  test('stale-if-error: cached keys keep working while the issuer is down, until they expire; then 503, never open', async () => {
    const { verifier, records } = await started({ cacheMaxAge: 200, staleIfErrorDuration: 800, cooldownDuration: 100 });
    const cachedToken = await issuer.sign({ claims: { n: 0 } });
    await verifier.verify(cachedToken);
    issuer.setDown(true);
    advance(300); // past cacheMaxAge: keys are stale, the refresh fails, the stale keys are used
    await expect(verifier.verify(await issuer.sign({ claims: { n: 1 } }))).resolves.toMatchObject({ payload: { n: 1 } });
    expect(issuer.hits()).toBe(2);
    expect(records.filter((r) => r.level === 'warn' && /stale-if-error/.test(r.message ?? ''))).toHaveLength(1);

    advance(699); // 999 ms: still within cacheMaxAge + staleIfErrorDuration
    await expect(verifier.verify(await issuer.sign({ claims: { n: 2 } }))).resolves.toMatchObject({ payload: { n: 2 } });
    expect(issuer.hits()).toBe(3);

    advance(101); // 1100 ms: past cacheMaxAge + staleIfErrorDuration
    expect(await reasonOf(verifier.verify(await issuer.sign({ claims: { n: 3 } })))).toBe('503');
    expect(issuer.hits()).toBe(4);
    // A token verified earlier is not served from the cache either once its keys expired; no fetch within the cooldown.
    expect(await reasonOf(verifier.verify(cachedToken))).toBe('503');
    const error = await verifier.verify(await issuer.sign({ claims: { n: 4 } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeysUnavailableError);
    expect((error as KeysUnavailableError).status).toBe(503);
    expect(issuer.hits()).toBe(4);

    issuer.setDown(false);
    advance(100); // the cooldown
    await expect(verifier.verify(await issuer.sign({ claims: { n: 5 } }))).resolves.toMatchObject({ payload: { n: 5 } });
    expect(issuer.hits()).toBe(5);
  });

  test('a request repeated while the keys were good is refused once they expired: 503, never open', async () => {
    const authorizer = new OpaJwtAuthorizer({
      policy: TEST_POLICY,
      entrypoint: 'authz/allow',
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      audience: AUDIENCE,
      logger: recordingLogger().logger,
      cacheMaxAge: 200,
      staleIfErrorDuration: 800,
      cooldownDuration: 100,
    });
    await authorizer.ready();
    try {
      const token = await issuer.sign({ claims: { roles: ['reader'] } });
      const request = { method: 'GET', url: '/orders/7', headers: { authorization: `Bearer ${token}` } };
      // Enough times for the request itself to be remembered with its answer (repeated-requests.ts).
      for (let n = 0; n < 5; n++) expect(await authorizer.authorize(request)).toMatchObject({ type: 'allow' });
      expect(authorizer.verifier.cache.entryOf(token)?.repeated).toHaveLength(1);
      issuer.setDown(true);
      advance(1100); // past cacheMaxAge + staleIfErrorDuration
      expect(await authorizer.authorize(request)).toMatchObject({ type: 'respond', status: 503 });
    } finally {
      await authorizer.close();
    }
  });

  test('an issuer that is down from the start: 503, one attempt per cooldown', async () => {
    issuer.setDown(true);
    const { verifier, records } = await started({ cooldownDuration: 300 });
    expect(records.some((r) => r.level === 'warn' && /start-up/.test(r.message ?? ''))).toBe(true);
    expect(issuer.hits()).toBe(1);
    for (let i = 0; i < 20; i++) expect(await reasonOf(verifier.verify(await issuer.sign({ claims: { n: i } })))).toBe('503');
    expect(issuer.hits()).toBe(1);
    issuer.setDown(false);
    advance(299);
    expect(await reasonOf(verifier.verify(await issuer.sign({ claims: { n: 20 } })))).toBe('503');
    expect(issuer.hits()).toBe(1);
    advance(1);
    await expect(verifier.verify(await issuer.sign())).resolves.toMatchObject({ payload: { sub: 'alice' } });
    expect(issuer.hits()).toBe(2);
  });

  test('a key that leaves the set takes its cached tokens with it', async () => {
    const { verifier } = await started({ cacheMaxAge: 150, cooldownDuration: 0 });
    const rsaToken = await issuer.sign();
    const ecToken = await issuer.sign({ key: issuer.ec });
    await verifier.verify(rsaToken);
    await verifier.verify(ecToken);
    expect(verifier.cache.size).toBe(2);

    issuer.published = [issuer.ec]; // rsa-1 revoked
    advance(200);
    await verifier.verify(await issuer.sign({ key: issuer.ec, claims: { n: 1 } })); // triggers the refresh
    expect(issuer.hits()).toBe(2);
    expect(await reasonOf(verifier.verify(rsaToken))).toBe('unknown_key');
    await expect(verifier.verify(ecToken)).resolves.toMatchObject({ header: { kid: 'ec-1' } });
  });
});

describe('background refresh (fake clock: only timers and Date are faked, so the HTTP exchanges stay real)', () => {
  useFakeClock();
  const forgotten = (records: { message?: string }[]) => records.filter((r) => /forgot cached tokens/.test(r.message ?? '')).length;

  test("every cacheMaxAge without any request; a removed key's cached tokens are refused right after the refresh", async () => {
    const { verifier, records } = await started({ cacheMaxAge: 60_000, cooldownDuration: 30_000 });
    const rsaToken = await issuer.sign();
    const ecToken = await issuer.sign({ key: issuer.ec });
    await verifier.verify(rsaToken);
    await verifier.verify(ecToken);
    expect(issuer.hits()).toBe(1);

    issuer.published = [issuer.ec]; // the issuer removes rsa-1
    jest.advanceTimersByTime(59_999);
    await expect(verifier.verify(rsaToken)).resolves.toMatchObject({ header: { kid: 'rsa-1' } }); // not refreshed yet: still served from the cache
    expect(issuer.hits()).toBe(1);

    jest.advanceTimersByTime(1);
    await until(() => forgotten(records) === 1);
    expect(issuer.hits()).toBe(2);
    expect(await reasonOf(verifier.verify(rsaToken))).toBe('unknown_key');
    await expect(verifier.verify(ecToken)).resolves.toMatchObject({ header: { kid: 'ec-1' } });
    expect(issuer.hits()).toBe(2); // the refusal asked for no fetch: the cooldown runs from the background refresh

    jest.advanceTimersByTime(60_000);
    await until(() => issuer.hits() === 3);
    verifier.close();
    jest.advanceTimersByTime(10 * 60_000);
    expect(verifier.issuers[0].remote!.fetches).toBe(3); // counted when a fetch starts: none after close()
  });

  test('a kid that comes back with another key counts as removed', async () => {
    const { verifier, records } = await started({ cacheMaxAge: 60_000 });
    const rsaToken = await issuer.sign();
    await verifier.verify(rsaToken);
    issuer.published = [await makeKey('rsa-1', 'RS256'), issuer.ec]; // same kid, new key pair
    jest.advanceTimersByTime(60_000);
    await until(() => forgotten(records) === 1);
    expect(await reasonOf(verifier.verify(rsaToken))).toBe('signature');
  });

  test('a refresh that fails is retried every cooldownDuration; the removal applies at the first success', async () => {
    const { verifier, records } = await started({ cacheMaxAge: 60_000, cooldownDuration: 5_000, staleIfErrorDuration: 3_600_000 });
    const rsaToken = await issuer.sign();
    await verifier.verify(rsaToken);
    issuer.setDown(true);
    issuer.published = [issuer.ec];
    jest.advanceTimersByTime(60_000);
    await until(() => records.some((r) => /stale-if-error/.test(r.message ?? '')));
    expect(issuer.hits()).toBe(2);
    await expect(verifier.verify(rsaToken)).resolves.toMatchObject({ header: { kid: 'rsa-1' } }); // stale-if-error: the issuer cannot say otherwise

    jest.advanceTimersByTime(5_000);
    await until(() => issuer.hits() === 3);
    issuer.setDown(false);
    jest.advanceTimersByTime(5_000);
    await until(() => forgotten(records) === 1);
    expect(issuer.hits()).toBe(4);
    expect(await reasonOf(verifier.verify(rsaToken))).toBe('unknown_key');
  });

  test('an issuer never reached is not polled in the background: its tokens retry on demand', async () => {
    issuer.setDown(true);
    const { verifier } = await started({ cacheMaxAge: 60_000, cooldownDuration: 5_000 });
    expect(issuer.hits()).toBe(1);
    jest.advanceTimersByTime(10 * 60_000);
    expect(verifier.issuers[0].remote!.fetches).toBe(1);
  });
});

test('a JWKS endpoint that never answers times out (timeoutDuration) and fails closed', async () => {
  issuer.routes.set('/hang', () => undefined); // accepts the request, never answers
  const started_ = Date.now();
  const { verifier, records } = await started({ jwksUri: `${issuer.issuer}/hang`, timeoutDuration: 200, cooldownDuration: 60_000 });
  expect(Date.now() - started_).toBeLessThan(2000);
  expect(records.some((r) => /no answer within 200 ms/.test(String(r.fields.error)))).toBe(true);
  expect(await reasonOf(verifier.verify(await issuer.sign()))).toBe('503');
});

describe('discovery (issuerBaseURL)', () => {
  test('OpenID Connect discovery gives the issuer and jwks_uri', async () => {
    issuer.routes.set('/.well-known/openid-configuration', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri }));
    });
    const { verifier } = await started({ issuer: undefined, jwksUri: undefined, issuerBaseURL: issuer.issuer });
    expect(verifier.issuers[0].issuer).toBe(issuer.issuer);
    await expect(verifier.verify(await issuer.sign())).resolves.toMatchObject({ payload: { iss: issuer.issuer } });
  });

  test('RFC 8414 metadata is the fallback', async () => {
    issuer.routes.set('/.well-known/oauth-authorization-server/tenant', (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: `${issuer.issuer}/tenant`, jwks_uri: issuer.jwksUri }));
    });
    const { verifier } = await started({ issuer: undefined, jwksUri: undefined, issuerBaseURL: `${issuer.issuer}/tenant` });
    expect(verifier.issuers[0].issuer).toBe(`${issuer.issuer}/tenant`);
    await expect(verifier.verify(await issuer.sign({ issuer: `${issuer.issuer}/tenant` }))).resolves.toMatchObject({
      payload: { iss: `${issuer.issuer}/tenant` },
    });
  });

  test('metadata naming another issuer is refused (mix-up)', async () => {
    issuer.routes.set('/.well-known/openid-configuration', (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: 'https://evil.test', jwks_uri: issuer.jwksUri }));
    });
    await expect(started({ issuer: undefined, jwksUri: undefined, issuerBaseURL: issuer.issuer })).rejects.toThrow(
      /names issuer "https:\/\/evil.test"/,
    );
  });

  test('an unreachable discovery endpoint rejects start-up with the reason', async () => {
    await expect(started({ issuer: undefined, jwksUri: undefined, issuerBaseURL: `${issuer.issuer}/nothing-here` })).rejects.toThrow(
      /discovery.*HTTP 404/,
    );
  });

  describe('(fake clock)', () => {
    useFakeClock();

    test('an issuer not discovered at start-up is retried on demand (503 meanwhile); the other issuers keep working', async () => {
      const tenant = `${issuer.issuer}/tenant`;
      let up = false;
      let hits = 0;
      issuer.routes.set('/tenant/.well-known/openid-configuration', (_req, res) => {
        hits++;
        if (!up) return void res.writeHead(503).end('down');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: tenant, jwks_uri: issuer.jwksUri }));
      });
      const { logger, records } = recordingLogger();
      const options = resolveOptions({
        policy: TEST_POLICY,
        entrypoint: 'authz/allow',
        audience: AUDIENCE,
        cooldownDuration: 200,
        logger,
        issuers: [{ issuer: issuer.issuer, jwksUri: issuer.jwksUri }, { issuerBaseURL: tenant }],
      });
      const verifier = new TokenVerifier(options, options.logger);
      await expect(verifier.start()).rejects.toThrow(/discovery.*HTTP 503/);
      expect(records.filter((r) => r.level === 'error' && /discovery failed at start-up/.test(r.message ?? ''))).toHaveLength(1);
      const hitsAfterStart = hits;

      await expect(verifier.verify(await issuer.sign())).resolves.toMatchObject({ payload: { iss: issuer.issuer } }); // the discovered issuer is unaffected
      expect(await reasonOf(verifier.verify(await issuer.sign({ issuer: 'https://stranger.test' })))).toBe('issuer'); // not the tenant's: 401, no discovery
      expect(await reasonOf(verifier.verify(await issuer.sign({ issuer: tenant })))).toBe('503'); // could be the tenant's: fail closed
      expect(hits - hitsAfterStart).toBe(0); // within the cooldown of the start-up attempt: no new attempt

      up = true;
      advance(199);
      expect(await reasonOf(verifier.verify(await issuer.sign({ issuer: tenant })))).toBe('503'); // still within the cooldown
      expect(hits - hitsAfterStart).toBe(0);
      advance(1); // the cooldown has passed
      await expect(verifier.verify(await issuer.sign({ issuer: tenant }))).resolves.toMatchObject({ payload: { iss: tenant } });
      expect(hits - hitsAfterStart).toBe(1);
      expect(verifier.issuers[1].issuer).toBe(tenant);
      expect(records.some((r) => r.level === 'warn' && /discovery recovered/.test(r.message ?? ''))).toBe(true);
    });
  });
});
