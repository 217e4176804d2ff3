/**
 * Unifying arrays and objects element by element, in the order the bindings allow: each pair of
 * elements needs one side bound, and binds the other for the next pairs (as OPA's unifier does).
 */
import { evaluate } from './helpers';

const src = `package unify
chained := [x, y] if { [x, y] = [y, 1] }
nested := [p, q, r] if { [p, {"k": q}, r] = [q, {"k": r}, 3] }
bound_later := [x, z] if { [x, y] = [1, z]; z = 2; y == z }
mismatch if { [x, 2] = [1, x] }
`;

test.each([
  ['chained', [1, 1]],
  ['nested', [3, 3, 3]],
  ['bound_later', [1, 2]],
])('%s', async (rule, want) => {
  expect(await evaluate(src, `unify/${rule}`)).toEqual(want);
});

test('a pair that does not match leaves the body undefined', async () => {
  expect(await evaluate(src, 'unify/mismatch')).toBeUndefined();
});
