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

test('v1 requires a value or a body on a function head, as OPA does', () => {
  expect(compileErrorOf('package heads\nempty(null)\n', 'heads')).toMatch(/function must have value assignment and\/or body declaration/);
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
