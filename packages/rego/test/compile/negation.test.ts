/**
 * `not` over expressions whose operands are undefined, end to end on the stock SDK. OPA evaluates a
 * call's ref and call arguments, refs inside composite arguments and dynamic ref keys before the
 * expression, outside the negation: an undefined operand leaves the body undefined. Unification
 * (`=`, `==`) keeps its ref operands inside the negation.
 */
import { compileErrorOf, evaluate as evaluateAll } from './helpers';

const evaluate = (source: string, entrypoint: string, input: unknown): Promise<unknown> => evaluateAll(source, entrypoint, { input });

const policy = `package neg
is_set(_) := true
same(x) := x
missing_rule := 1 if false
present_rule := 1
a_set contains "in"
an_obj[k] := v if some k, v in {"t": true, "f": false, "zero": 0}

call_of_missing if not is_set(input.absent)
builtin_of_missing if not startswith(input.absent, "a")
object_arg_of_missing if not is_set({"k": input.absent})
comparison_of_missing if not input.absent > 1
inequality_of_missing if not input.absent != "a"
membership_in_missing if not "a" in input.absent
nested_call_of_missing if not count(input.absent) > 1
call_in_array_arg if not is_set([same(input.absent)])
missing_rule_arg if not is_set(missing_rule)
dynamic_key_missing if not input.obj[input.absent]
array_term_of_missing_rule if not [missing_rule]

equality_with_missing if not input.absent == "a"
unification_with_missing if not input.absent = "a"
negated_missing_ref if not input.absent
negated_missing_rule if not missing_rule
negated_missing_key if not input.obj.absent
negated_path_through_scalar if not input.n.b
dynamic_key_present if not input.obj[input.key] == 1
present_rule_arg_false if not same(present_rule) == 2
missing_set_member if not a_set["out"]
missing_object_key if not an_obj.nope
false_value if not an_obj.f
present_set_member if not a_set["in"]
zero_value if not an_obj.zero

with_applies_to_the_moved_operand if not same(input.absent) with input.absent as false
in_comprehension := [1 | not is_set(input.absent)]
in_every if every x in [1] { not is_set(input.absent) }
`;

const input = { obj: { z: 2 }, key: 'z', n: 1 };

describe('not over an undefined operand is undefined, as in OPA', () => {
  test.each([
    'call_of_missing',
    'builtin_of_missing',
    'object_arg_of_missing',
    'comparison_of_missing',
    'inequality_of_missing',
    'membership_in_missing',
    'nested_call_of_missing',
    'call_in_array_arg',
    'missing_rule_arg',
    'dynamic_key_missing',
    'array_term_of_missing_rule',
    'in_every',
    'present_set_member',
    'zero_value',
  ])('%s', async (rule) => {
    expect(await evaluate(policy, `neg/${rule}`, input)).toBeUndefined();
  });

  test('inside a comprehension the body has no solution', async () => {
    expect(await evaluate(policy, 'neg/in_comprehension', input)).toEqual([]);
  });
});

describe('not still succeeds where OPA evaluates the operand inside the negation', () => {
  test.each([
    'equality_with_missing',
    'unification_with_missing',
    'negated_missing_ref',
    'negated_missing_rule',
    'negated_missing_key',
    'negated_path_through_scalar',
    'dynamic_key_present',
    'present_rule_arg_false',
    'missing_set_member',
    'missing_object_key',
    'false_value',
    'with_applies_to_the_moved_operand',
  ])('%s', async (rule) => {
    expect(await evaluate(policy, `neg/${rule}`, input)).toBe(true);
  });
});

test("the operand moved out of the negation sees the expression's with", async () => {
  const src = `package neg
same(x) := x
p if not same(input.flag) with input.flag as true
`;
  expect(await evaluate(src, 'neg/p', {})).toBeUndefined();
  expect(await evaluate(src, 'neg/p', { flag: false })).toBeUndefined();
});

describe('variables of a negated expression must be bound by the rest of the body, as OPA requires', () => {
  test.each([
    ['not input.xs[_]', /var _ is unsafe/],
    ['some i\n  not input.xs[i]', /var i is unsafe/],
    ['not input.xs[_] == 2', /var _ is unsafe/],
    ['not input.xs[i]', /var i is unsafe/],
    ['not x := 1', /rego_compile_error: cannot assign vars inside negated expression/],
  ])('%s', (body, message) => {
    expect(compileErrorOf(`package neg\np if {\n  ${body}\n}\n`, 'neg/p')).toMatch(message);
  });

  test('bound elsewhere, or local to a comprehension inside the negation', async () => {
    const src = `package neg
bound_later if {
  not input.xs[i] == 1
  input.ys[i]
}
comprehension_local if not [x | x := input.xs[_]; x > 5][0]
`;
    expect(await evaluate(src, 'neg/bound_later', { xs: [1, 2], ys: [true, true] })).toBe(true);
    expect(await evaluate(src, 'neg/bound_later', { xs: [1, 2], ys: [true] })).toBeUndefined();
    expect(await evaluate(src, 'neg/comprehension_local', { xs: [1, 2] })).toBe(true);
  });
});

test('a ref through a local variable moves out too: a missing field does not count as a mismatch', async () => {
  const src = `package neg
unapproved contains c.name if {
  some c in input.containers
  not startswith(c.image, "registry.example/")
}
`;
  const containers = [{ name: 'a', image: 'registry.example/a' }, { name: 'b', image: 'docker.io/b' }, { name: 'c' }];
  expect(await evaluate(src, 'neg/unapproved', { containers })).toEqual(['b']);
});
