/**
 * hostBuiltins with the stock SDK: a policy compiled by this package calls the host implementations
 * through loadPolicy(wasm, undefined, hostBuiltins), values crossing as the SDK marshals them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync, sign } from 'node:crypto';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { BuiltinError, hostBuiltins } from '../../src/builtins';
import { fakeDateOnly } from '../../../../test/support/clock';
import { compile } from '../../src';

const RUNTIME = path.join(__dirname, '..', '..', 'runtime', 'build', 'runtime.wasm');
const runtimeBuilt = existsSync(RUNTIME);
if (!runtimeBuilt) {
  console.warn(`skipping SDK tests of host builtins: ${RUNTIME} is not built (npm run build:runtime -w packages/rego)`);
}

const POLICY = `package authz
import rego.v1

claims := payload if {
  [valid, _, payload] := io.jwt.decode_verify(input.token, {"cert": data.cert, "aud": "api"})
  valid
}

allow if {
  "admin" in claims.roles
  net.cidr_contains("10.0.0.0/8", input.ip)
  time.parse_rfc3339_ns(input.not_after) > time.now_ns()
}

one_clock if {
  a := time.now_ns()
  b := time.now_ns()
  a == b
}

shout := upper(concat(" ", ["hello", trim_space(input.name)]))
merged := net.cidr_merge(input.nets)
merged_is_set := is_set(merged)
port := to_number(input.port)
`;

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

(runtimeBuilt ? describe : describe.skip)('host builtins through the stock SDK', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const signed = (claims: object): string => {
    const input = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const baseInput = {
    token: signed({ sub: 'alice', aud: 'api', roles: ['admin'], exp: now + 300 }),
    ip: '10.20.30.40',
    not_after: new Date(Date.now() + 3_600_000).toISOString(),
    name: '  world \n',
    nets: ['192.0.128.0/24', '192.0.129.0/24'],
    port: '8080',
  };

  async function policy() {
    const { wasm } = compile({ modules: [{ path: 'authz.rego', source: POLICY }], entrypoints: ['authz'] });
    const p = await loadPolicy(wasm, undefined, hostBuiltins);
    p.setData({ cert });
    return p;
  }

  const evaluate = (p: Awaited<ReturnType<typeof policy>>, input: object): Record<string, unknown> => {
    const rs = p.evaluate(input, 'authz') as Array<{ result: Record<string, unknown> }>;
    return rs[0].result;
  };

  it('decides with verified claims, clocks, networks and strings', async () => {
    const p = await policy();
    const r = evaluate(p, baseInput);
    expect(r.allow).toBe(true);
    expect(r.claims).toMatchObject({ sub: 'alice', roles: ['admin'] });
    expect(r.one_clock).toBe(true);
    expect(r.shout).toBe('HELLO WORLD');
    expect(r.merged).toEqual(['192.0.128.0/23']);
    expect(r.merged_is_set).toBe(true);
    expect(r.port).toBe(8080);
  });

  it('denies when the token is signed by someone else or expired', async () => {
    const p = await policy();
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const input = `${b64url({ alg: 'RS256' })}.${b64url({ aud: 'api', roles: ['admin'] })}`;
    const forged = `${input}.${sign('sha256', Buffer.from(input), stranger).toString('base64url')}`;
    expect(evaluate(p, { ...baseInput, token: forged }).allow).toBeUndefined();
    const expired = signed({ aud: 'api', roles: ['admin'], exp: now - 1 });
    expect(evaluate(p, { ...baseInput, token: expired }).allow).toBeUndefined();
  });

  it('gives time.now_ns a new value in the next evaluation', async () => {
    const src = `package clock\nnow := time.now_ns()\n`;
    const { wasm } = compile({ modules: [{ path: 'clock.rego', source: src }], entrypoints: ['clock/now'] });
    const clock = await loadPolicy(wasm, undefined, hostBuiltins);
    const read = (): number => (clock.evaluate({}, 'clock/now') as Array<{ result: number }>)[0].result;
    // Only Date is faked: the per-evaluation cache is cleared on a (real) microtask.
    fakeDateOnly();
    // Nanoseconds past 2^53 reach JavaScript as the nearest double of the exact value: compare with that.
    const nanosAt = (ms: number): number => Number(BigInt(ms) * 1_000_000n);
    const start = 1_700_000_000_000;
    try {
      jest.setSystemTime(start);
      const first = read();
      expect(first).toBe(nanosAt(start));
      jest.setSystemTime(start + 5);
      expect(read()).toBe(first); // same synchronous run: the clock is read once
      await Promise.resolve();
      expect(read()).toBe(nanosAt(start + 5));
    } finally {
      jest.useRealTimers();
    }
  });

  it('turns a builtin error into an evaluation error, never a decision', async () => {
    const p = await policy();
    expect(() => p.evaluate({ ...baseInput, port: 'eighty' }, 'authz')).toThrow(BuiltinError);
    expect(() => p.evaluate({ ...baseInput, token: 'not-a-jwt' }, 'authz')).toThrow(
      /io\.jwt\.decode_verify: encoded JWT had no period separators/,
    );
  });
});
