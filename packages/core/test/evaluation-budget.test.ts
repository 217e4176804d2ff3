/**
 * Evaluation is bounded: a policy that loops past `evaluationTimeout` is stopped (500, logged) without keeping other
 * requests waiting for its whole run, and an evaluation that grows the module's memory past `maxPolicyMemory` gets
 * the instance replaced by a fresh one with the same data. Real keys, the real compiler and SDK; no clock asserts:
 * the loop below runs for minutes unless it is stopped, so an unbounded evaluation fails the test by timing out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createAuthorizer, type OpaJwtAuthorizer } from '../src/authorizer';
import type { CoreRequest } from '../src/contract';
import type { AuthorizerOptions } from '../src/options';
import { AUDIENCE, recordingLogger, startIssuer, type TestIssuer } from '../../../test/support/issuer';

const SOURCE = `package authz

import rego.v1

default decision := {"allowed": false}

decision := {"allowed": true} if {
	input.request.http.path == "/cheap"
	input.jwt.payload.sub in data.authz.users
}

# About 900 million loop iterations: minutes of work without a budget.
decision := {"allowed": true} if {
	input.request.http.path == "/spin"
	count([1 | some i in numbers.range(1, 30000); some j in numbers.range(1, 30000); i == j]) > 0
}

# Some megabytes of values, built in a few milliseconds.
decision := {"allowed": count(rows) == 100000} if {
	input.request.http.path == "/grow"
	rows := [[i, i, i, i] | some i in numbers.range(1, 100000)]
}
`;

const MiB = 1024 * 1024;
/** For the memory tests: a busy machine must not turn them into budget tests. */
const UNHURRIED = 60_000;

let issuer: TestIssuer;
let dir: string;
let policyFile: string;
beforeAll(async () => {
  issuer = await startIssuer();
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-budget-'));
  policyFile = path.join(dir, 'authz.rego');
  writeFileSync(policyFile, SOURCE);
});
afterAll(async () => {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: Partial<AuthorizerOptions> & Pick<AuthorizerOptions, 'policy'>) {
  const { logger, records } = recordingLogger();
  const authorizer = createAuthorizer({
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    audience: AUDIENCE,
    logger,
    ...options,
  }) as OpaJwtAuthorizer;
  await authorizer.ready();
  const token = await issuer.sign({ claims: { sub: 'alice' } });
  const request = (path: string): CoreRequest => ({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
  const status = async (path: string) => {
    const outcome = await authorizer.authorize(request(path));
    return outcome.type === 'allow' ? 200 : outcome.status;
  };
  return { authorizer, records, status };
}

const policy = () => ({ policy: policyFile, entrypoint: 'authz/decision', data: { authz: { users: ['alice'] } } });

test('a loop past evaluationTimeout is stopped: 500, logged as budget exceeded; a concurrent request is answered', async () => {
  const { authorizer, records, status } = await start({ ...policy(), evaluationTimeout: 100 });
  try {
    // Both in flight at once: the cheap one waits for the loop's evaluation, which must end at the budget.
    const [spin, cheap] = await Promise.all([status('/spin'), status('/cheap')]);
    expect({ spin, cheap }).toEqual({ spin: 500, cheap: 200 });
    const failures = records.filter((r) => r.level === 'error' && r.message === 'opa-jwt: policy evaluation failed; request denied (500)');
    expect(failures).toHaveLength(1);
    expect(failures[0].fields).toMatchObject({ errorName: 'EvaluationBudgetExceeded', entrypoint: 'authz/decision' });
    expect(failures[0].fields.error).toMatch(/evaluation budget exceeded: .*evaluationTimeout \(100 ms\)/);
    // The stopped evaluation left nothing behind: the same instance decides the next requests.
    expect(await status('/cheap')).toBe(200);
    expect(await status('/spin')).toBe(500);
  } finally {
    await authorizer.close();
  }
}, 30_000);

test('an evaluation that grows the memory past maxPolicyMemory gets a fresh instance with the same data', async () => {
  const { authorizer, records, status } = await start({ ...policy(), maxPolicyMemory: 4 * MiB, evaluationTimeout: UNHURRIED });
  try {
    const engine = authorizer.policies.current!;
    const fresh = engine.memoryBytes;
    expect(fresh).toBeLessThan(4 * MiB);
    expect(await status('/grow')).toBe(200);
    const replaced = records.filter((r) => r.level === 'warn' && /replaced by a fresh one/.test(r.message ?? ''));
    expect(replaced).toHaveLength(1);
    // The memory the evaluation grew to, and after the swap what a fresh instance holds.
    expect(replaced[0].fields.memoryBytes).toBeGreaterThan(fresh + 4 * MiB);
    expect(replaced[0].fields.freshMemoryBytes).toBe(fresh);
    expect(engine.memoryBytes).toBe(fresh);
    expect(engine.renewals).toBe(1);
    // Same data: the decision that reads data.authz.users is unchanged.
    expect(await status('/cheap')).toBe(200);
    expect(engine.renewals).toBe(1);
  } finally {
    await authorizer.close();
  }
});

test('under the default maxPolicyMemory the same evaluation keeps its instance (the memory measured is real)', async () => {
  const { authorizer, records, status } = await start({ ...policy(), evaluationTimeout: UNHURRIED });
  try {
    const engine = authorizer.policies.current!;
    const fresh = engine.memoryBytes;
    expect(await status('/grow')).toBe(200);
    expect(engine.memoryBytes).toBeGreaterThan(fresh + 4 * MiB);
    expect(engine.renewals).toBe(0);
    expect(records.filter((r) => r.level === 'warn')).toEqual([]);
  } finally {
    await authorizer.close();
  }
});
