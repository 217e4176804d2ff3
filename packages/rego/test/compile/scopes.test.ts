/**
 * Variable scopes as OPA's local-variable rewriting draws them: a comprehension and an `every` body
 * are scopes of their own (what they declare neither leaks into nor clashes with the enclosing
 * body, and shadows an outer variable of the same name), and a `with` target names the global
 * document even where a v0 local shadows it.
 */
import { compileErrorOf, evaluate } from './helpers';

describe('comprehensions are scopes of their own', () => {
  test('a variable declared in a comprehension may be declared again after it', async () => {
    const src = `package scopes
xs := [3, 1, 2]
largest := x if {
  m := max({x | some x in xs})
  some x in xs
  x == m
}`;
    expect(await evaluate(src, 'scopes/largest')).toBe(3);
  });

  test('v0: := inside a comprehension shadows the variable the comprehension is assigned to', async () => {
    const src = `package scopes
doubled(xs) = x { x := [y | x := xs[_]; y := x * 2] }
r = doubled([1, 2])`;
    expect(await evaluate(src, 'scopes/r', { v0Compatible: true })).toEqual([2, 4]);
  });

  test('some and := inside a comprehension shadow an outer variable', async () => {
    const src = `package scopes
some_in := y if { x := 1; y := [x | some x in [5, 6]] }
assigned := y if { x := 1; y := {x | x := 7} }
object_keys := y if { k := "outer"; y := {k: v | some k, v in {"a": 1}} }
outer_still := x if { x := 1; _ := [x | some x in [5]] }`;
    expect(await evaluate(src, 'scopes/some_in')).toEqual([5, 6]);
    expect(await evaluate(src, 'scopes/assigned')).toEqual([7]);
    expect(await evaluate(src, 'scopes/object_keys')).toEqual({ a: 1 });
    expect(await evaluate(src, 'scopes/outer_still')).toBe(1);
  });

  test('a comprehension still reads the variables of the enclosing body', async () => {
    const src = `package scopes
above := y if { limit := 1; y := [z | some z in [1, 2, 3]; z > limit] }`;
    expect(await evaluate(src, 'scopes/above')).toEqual([2, 3]);
  });

  test("a variable the body declares only after the comprehension is not the comprehension's", async () => {
    const src = `package scopes
xs := [1, 2, 3]
assigned_after := [ys, x] if { ys := [x | x = xs[_]]; x := 1 }
some_after := [ys, x] if { ys := [x | x = xs[_]]; some x in [2] }
own_target := x if { x := [x | x = xs[_]] }
assigned_before := [ys, x] if { x := 1; ys := [x | x = xs[_]] }
unified := [ys, x] if { ys := [x | xs[_] = x]; x = 1 }`;
    expect(await evaluate(src, 'scopes/assigned_after')).toEqual([[1, 2, 3], 1]);
    expect(await evaluate(src, 'scopes/some_after')).toEqual([[1, 2, 3], 2]);
    expect(await evaluate(src, 'scopes/own_target')).toEqual([1, 2, 3]);
    expect(await evaluate(src, 'scopes/assigned_before')).toEqual([[1], 1]);
    expect(await evaluate(src, 'scopes/unified')).toEqual([[1], 1]);
  });

  test('inside every, a variable declared only later by the body is unbound', () => {
    expect(compileErrorOf('package scopes\np if {\n  every y in [1] { y == x }\n  x := 1\n}\n', 'scopes/p')).toMatch(/var x is unsafe/);
  });

  test('every declares its variables in its own scope', async () => {
    const src = `package scopes
before if { every x in [1] { x == 1 }; x := 2; x == 2 }
shadowed if { x := 2; every x in [1] { x == 1 } }`;
    expect(await evaluate(src, 'scopes/before')).toBe(true);
    expect(await evaluate(src, 'scopes/shadowed')).toBe(true);
  });

  test('redeclaring in the same body is still an error', () => {
    expect(compileErrorOf('package scopes\np if {\n  x := [1 | true]\n  x := 2\n}\n', 'scopes/p')).toMatch(/var x assigned above/);
    expect(compileErrorOf('package scopes\np := y if {\n  y := [x | x := 1; x := 2]\n}\n', 'scopes/p')).toMatch(/var x assigned above/);
  });
});

describe('with targets', () => {
  test('v0: with input as input replaces the input document by the local named input', async () => {
    const src = `package scopes
p = x {
  input := {"a": 1}
  x := q with input as input
}
r = x {
  input := {"a": 3}
  x := [input.a, q] with input.a as input.a
}
q = input.a`;
    expect(await evaluate(src, 'scopes/p', { input: { a: 2 }, v0Compatible: true })).toBe(1);
    expect(await evaluate(src, 'scopes/r', { input: { a: 2 }, v0Compatible: true })).toEqual([3, 3]);
  });
});
