/**
 * Features that meet in one expression: `with` replacing a function inside a negation, number literals kept as
 * written inside `with` values, table tests run under `with`, and the evaluation budget inside a replaced function.
 */
import { runRegoTests } from '../../src';
import { evaluate } from './helpers';

test('`not` of an expression whose function a `with` replaces uses the replacement', async () => {
  const source = `package p
import rego.v1
f(x) := x > 10
g(_) := false
blocked if not f(input.n) with f as g
allowed if not f(input.n)
`;
  expect(await evaluate(source, 'p/blocked', { input: { n: 20 } })).toBe(true);
  expect(await evaluate(source, 'p/allowed', { input: { n: 20 } })).toBeUndefined();
});

test('`not` over a rule that calls a replaced builtin, with variables bound outside the negation', async () => {
  const source = `package p
import rego.v1
upper_ok if upper(input.name) == "ROOT"
denied contains name if {
  some name in input.names
  not upper_ok with upper as lower with input.name as name
}
`;
  expect(await evaluate(source, 'p/denied', { input: { names: ['root', 'ROOT', 'x'] } })).toEqual(['ROOT', 'root', 'x']);
});

test('a 64-bit integer literal in a `with` value stays exact', async () => {
  const source = `package p
import rego.v1
same if input.n == 9223372036854775807 with input.n as 9223372036854775807
next_one if input.n == 9223372036854775806 with input.n as 9223372036854775807
whole if input == {"n": 9223372036854775807} with input as {"n": 9223372036854775807}
`;
  expect(await evaluate(source, 'p/same')).toBe(true);
  expect(await evaluate(source, 'p/next_one')).toBeUndefined();
  expect(await evaluate(source, 'p/whole')).toBe(true);
});

test('a table test whose cases run under `with`', async () => {
  const source = `package p_test
import rego.v1
allow if input.role == "admin"
test_roles[role] if {
  some role in ["admin"]
  allow with input.role as role
}
test_roles_fail[role] if {
  some role in ["admin", "guest"]
  allow with input.role as role
}
`;
  const results = await runRegoTests({ modules: [{ path: 't.rego', source }] });
  expect(results.map((r) => `${r.name}:${r.status}`)).toEqual(expect.arrayContaining([expect.stringMatching(/test_roles.*pass/)]));
  expect(results.find((r) => r.name.includes('test_roles_fail'))?.status).toBe('fail');
});
