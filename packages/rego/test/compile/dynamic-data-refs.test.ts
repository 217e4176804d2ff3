/**
 * Refs into data with a variable key followed by constant keys (`data.pkg[x].deny`, `data[x].a`)
 * reach only the rules at those keys, as in OPA's dependency graph: a rule elsewhere below the
 * package may use such a ref without being recursive.
 */
import { evaluate } from './helpers';

const lib = `package checks
deny_of(name) := data.checks.by_name[name].deny
all_denies := {name: d | d := data.checks.by_name[name].deny}
`;
const a = `package checks.by_name.a
deny := 1
test_deny_of if data.checks.deny_of("a") == 1
test_all if data.checks.all_denies == {"a": 1, "b": 2, "c": 3}
`;
const b = `package checks.by_name.b
deny := 2
allow := 3
`;
const withFunction = `package checks.by_name.f
deny(x) := x
`;
const root = `package roots
packages_with_b_deny contains n if data[n].by_name.b.deny
`;
const data = { checks: { by_name: { c: { deny: 3 }, d: { other: 1 } } } };

test('a rule below the package a function reads from is not recursive', async () => {
  expect(await evaluate([lib, a, b], 'checks/by_name/a/test_deny_of', { data })).toBe(true);
  expect(await evaluate([lib, a, b], 'checks/by_name/a/test_all', { data })).toBe(true);
});

test('the documents at the keys come from rules and base data alike; functions are not documents', async () => {
  expect(await evaluate([lib, a, b], 'checks/all_denies', { data })).toEqual({ a: 1, b: 2, c: 3 });
  expect(await evaluate([lib, a, b, withFunction], 'checks/all_denies', { data })).toEqual({ a: 1, b: 2, c: 3 });
});

test('a ref from the root of data', async () => {
  expect(await evaluate([lib, a, b, root], 'roots/packages_with_b_deny', { data: { checks: {} } })).toEqual(['checks']);
});

test('with overrides a document reached through the variable key', async () => {
  const mocked = `package checks.by_name.e
test_mocked := x if {
  x := data.checks.deny_of("b") with data.checks.by_name.b.deny as 9
}
`;
  expect(await evaluate([lib, a, b, mocked], 'checks/by_name/e/test_mocked', { data })).toBe(9);
});

test('several variable keys before the constant ones', async () => {
  const registry = `package reg
denies contains [team, svc, d] if { d := data.reg.teams[team][svc].deny }
`;
  const x = `package reg.teams.x.s1
deny := "x-s1"
test_counts if count(data.reg.denies) == 4
`;
  const y = `package reg.teams.y
s2.deny := "y-s2"
s3 := {"deny": "y-s3", "other": 1}
f(x) := x
`;
  const base = { reg: { teams: { z: { s4: { deny: 'z-s4' }, s5: 3 } } } };
  expect(await evaluate([registry, x, y], 'reg/denies', { data: base })).toEqual([
    ['x', 's1', 'x-s1'],
    ['y', 's2', 'y-s2'],
    ['y', 's3', 'y-s3'],
    ['z', 's4', 'z-s4'],
  ]);
  expect(await evaluate([registry, x, y], 'reg/teams/x/s1/test_counts', { data: base })).toBe(true);
});
