/**
 * A ref whose key is an array or object with variables (`s[{"msg": m, "field": "x"}]`) iterates the
 * collection and unifies each key (a set's element) with the pattern, binding its variables.
 */
import { evaluate } from './helpers';

const src = `package patterns
violations contains {"msg": "x", "field": "containers"}
violations contains {"msg": "y", "field": "volumes"}
violations contains {"msg": "z", "field": "containers", "extra": 1}
container_msgs contains msg if violations[{"msg": msg, "field": "containers"}]

by_pair := {["a", 1]: "one", ["b", 2]: "two"}
firsts contains x if by_pair[[x, 2]]

nested := {{"k": ["p", "q"]}}
inner contains y if nested[{"k": ["p", y]}]

from_input contains name if input.users[{"name": name, "admin": true}]
`;

test("an object pattern binds its variables over a set's elements", async () => {
  expect(await evaluate(src, 'patterns/container_msgs')).toEqual(['x']);
});

test('an array pattern over object keys', async () => {
  expect(await evaluate(src, 'patterns/firsts')).toEqual(['b']);
});

test('nested patterns', async () => {
  expect(await evaluate(src, 'patterns/inner')).toEqual(['q']);
});

test('patterns over input', async () => {
  const input = { users: { u: 1 } };
  expect(await evaluate(src, 'patterns/from_input', { input })).toEqual([]);
});
