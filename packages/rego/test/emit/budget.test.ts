/**
 * The evaluation budget hook (runtime/assembly/host.ts): an armed module calls the host's budget builtin every
 * N interpreter steps and whenever its memory grows, and an exception thrown there ends the evaluation; unarmed,
 * the module never calls it. Counted calls, no clocks: the host side (deadlines) is @opa-jwt/core's.
 */
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { EVALUATION_BUDGET_ARM, EVALUATION_BUDGET_BUILTIN } from '../../src';
import { evalBoth, evalErrors, hostBuiltins, load } from './sdk-helpers';

const LOOP = 'package t\nn := count([1 | some i in numbers.range(1, 300); some j in numbers.range(1, 300)])\n';

function arm(policy: LoadedPolicy, interval: number): number {
  const exports = (policy as unknown as { wasmInstance: WebAssembly.Instance }).wasmInstance.exports;
  return (exports[EVALUATION_BUDGET_ARM] as (interval: number) => number)(interval);
}

/** The package's host builtins plus a budget builtin that counts its calls and throws from call `throwAt` on. */
function withBudget(throwAt = Infinity): {
  builtins: Record<string, (...args: unknown[]) => unknown>;
  calls: () => number;
  reset: () => void;
} {
  let calls = 0;
  const builtins = {
    ...hostBuiltins(),
    [EVALUATION_BUDGET_BUILTIN]: () => {
      calls++;
      if (calls >= throwAt) throw new Error('evaluation budget exceeded (test)');
      return undefined;
    },
  };
  return { builtins, calls: () => calls, reset: () => (calls = 0) };
}

test('unarmed, the module never asks for the budget builtin: hosts without it run the module as before', async () => {
  const policy = await load(LOOP, ['t/n'], hostBuiltins());
  expect(evalBoth(policy, 't/n')).toBe(90000);
  expect(arm(policy, 0)).toBe(0);
  expect(evalBoth(policy, 't/n')).toBe(90000);
});

test('armed, the module asks every N steps (function calls and scan iterations)', async () => {
  const budget = withBudget();
  const policy = await load(LOOP, ['t/n'], budget.builtins);
  expect(arm(policy, 1000)).toBe(1);
  expect(evalBoth(policy, 't/n')).toBe(90000);
  // Two evaluations (both ABI paths) of at least 90300 scan iterations each.
  expect(budget.calls()).toBeGreaterThanOrEqual(2 * 90);
  budget.reset();
  expect(arm(policy, 100000)).toBe(1);
  expect(evalBoth(policy, 't/n')).toBe(90000);
  expect(budget.calls()).toBeLessThan(2 * 90);
});

test('an exception from the budget builtin ends the evaluation; the next one starts afresh', async () => {
  let refuse = true;
  const builtins = {
    ...hostBuiltins(),
    [EVALUATION_BUDGET_BUILTIN]: () => {
      if (refuse) throw new Error('evaluation budget exceeded (test)');
      return undefined;
    },
  };
  const policy = await load(LOOP, ['t/n'], builtins);
  arm(policy, 500);
  expect(evalErrors(policy, 't/n')).toEqual(['evaluation budget exceeded (test)', 'evaluation budget exceeded (test)']);
  refuse = false;
  expect(evalBoth(policy, 't/n')).toBe(90000);
});

test('growing the memory asks too: one builtin building a large value is not a single step', async () => {
  const budget = withBudget();
  const policy = await load('package t\nn := count(input.items)\n', ['t/n'], budget.builtins);
  // So many steps between two checks that only memory growth can ask.
  arm(policy, 0x3fffffff);
  const items = Array.from({ length: 200_000 }, (_, i) => ({ id: i, name: `item ${i}` }));
  expect(evalBoth(policy, 't/n', { items })).toBe(200_000);
  expect(budget.calls()).toBeGreaterThan(0);
});

test('a function that a `with` puts in place of another is counted and stopped like any other', async () => {
  const source = `package t
import rego.v1
f(x) := x
slow(x) := count([1 | some i in numbers.range(1, 300); some j in numbers.range(1, x)])
n := v if v := f(300) with f as slow
`;
  const budget = withBudget();
  const policy = await load(source, ['t/n'], budget.builtins);
  expect(arm(policy, 1000)).toBe(1);
  expect(evalBoth(policy, 't/n')).toBe(90000);
  expect(budget.calls()).toBeGreaterThanOrEqual(2 * 90);
  const stopping = withBudget(3);
  const stopped = await load(source, ['t/n'], stopping.builtins);
  arm(stopped, 1000);
  expect(evalErrors(stopped, 't/n').every((e) => /evaluation budget exceeded/.test(e))).toBe(true);
  expect(evalErrors(stopped, 't/n')).toHaveLength(2);
});
