/**
 * Function definitions whose parameters are constants or patterns: each definition applies where
 * its arguments unify with the call's; a v0 head without value or body (`empty(null)`) returns true.
 */
import { compileErrorOf, evaluate } from './helpers';

test('v0: a bodyless head with a constant argument is true for that argument', async () => {
  const src = `package heads
empty(null)
empty(x) { count(x) == 0 }
results = [empty(null), empty([]), empty("")]
not_empty { not empty([1]) }`;
  expect(await evaluate(src, 'heads/results', { v0Compatible: true })).toEqual([true, true, true]);
  expect(await evaluate(src, 'heads/not_empty', { v0Compatible: true })).toBe(true);
});

test('v1: a bodyless function head is true for its arguments, as in OPA (only generated value and body are refused)', async () => {
  const src = `package heads
is_name("var", 0)
is_name("string", pos) if pos > 0
results := [is_name("var", 0), is_name("string", 2)]
misses := [x | some x in [["var", 1], ["string", 0], ["ref", 0]]; is_name(x[0], x[1])]`;
  expect(await evaluate(src, 'heads/results')).toEqual([true, true]);
  expect(await evaluate(src, 'heads/misses')).toEqual([]);
  expect(compileErrorOf('package heads\np.a.b\n', 'heads')).toMatch(/rule must have value assignment and\/or body declaration/);
});

test('constant and pattern parameters with values', async () => {
  const src = `package heads
code("a") := 1
code("b") := 2
second([_, x]) := x
plus_one(1, y) := y + 1
known := [code("a"), code("b"), second(["p", "q"]), plus_one(1, 2)]
unknown := [x | x := code("c")]
mismatch := [x | x := plus_one(2, 2)]`;
  expect(await evaluate(src, 'heads/known')).toEqual([1, 2, 'q', 3]);
  expect(await evaluate(src, 'heads/unknown')).toEqual([]);
  expect(await evaluate(src, 'heads/mismatch')).toEqual([]);
});
