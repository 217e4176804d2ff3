/**
 * compile() output on the stock SDK: every plan statement kind, through both ABI paths.
 */
import { evalBoth, evalErrors, load } from './sdk-helpers';

describe('rules', () => {
  const src = `package t
default allow := false
allow if input.user == "admin"

level := "high" if input.n > 10
else := "mid" if input.n > 5
else := "low"

names contains u.name if some u in input.users
ages[u.name] := u.age if some u in input.users

a.b.c := 1
a.b.d := 2
`;

  test('complete rules, default, else chains', async () => {
    const p = await load(src, ['t/allow', 't/level']);
    expect(evalBoth(p, 't/allow', { user: 'admin' })).toBe(true);
    expect(evalBoth(p, 't/allow', { user: 'eve' })).toBe(false);
    expect(evalBoth(p, 't/allow', {})).toBe(false);
    expect(evalBoth(p, 't/level', { n: 11 })).toBe('high');
    expect(evalBoth(p, 't/level', { n: 6 })).toBe('mid');
    expect(evalBoth(p, 't/level', { n: 1 })).toBe('low');
  });

  test('partial sets and objects, ref heads, whole packages', async () => {
    const p = await load(src, ['t/names', 't/ages', 't/a', 't']);
    const users = [
      { name: 'b', age: 2 },
      { name: 'a', age: 1 },
      { name: 'b', age: 2 },
    ];
    expect(evalBoth(p, 't/names', { users })).toEqual(['a', 'b']);
    expect(evalBoth(p, 't/ages', { users })).toEqual({ a: 1, b: 2 });
    expect(evalBoth(p, 't/a', {})).toEqual({ b: { c: 1, d: 2 } });
    expect(evalBoth(p, 't', { user: 'admin', n: 0, users: [] })).toEqual({
      a: { b: { c: 1, d: 2 } },
      ages: {},
      allow: true,
      level: 'low',
      names: [],
    });
  });

  test('functions: several definitions, else, constant arguments', async () => {
    const p = await load(
      `package t
f(x) := "neg" if x < 0
f(x) := "pos" if x > 0
f(0) := "zero"
g(x) := y if {
  y := x * 2
} else := 0
h([a, b]) := a + b
r := [f(-1), f(3), f(0), g(4), h([1, 2])]
`,
      ['t/r'],
    );
    expect(evalBoth(p, 't/r', {})).toEqual(['neg', 'pos', 'zero', 8, 3]);
  });

  test('an undefined entry point gives an empty result set', async () => {
    const p = await load('package t\nx := input.missing\n', ['t/x']);
    expect(evalBoth(p, 't/x', {})).toBeUndefined();
    expect(evalBoth(p, 't/x')).toBeUndefined();
  });
});

describe('bodies', () => {
  test('comprehensions', async () => {
    const p = await load(
      `package t
arr := [y | some x in input.xs; x > 1; y := x * 2]
st := {y | some x in input.xs; y := x % 2}
obj := {k: v | v := input.xs[i]; k := sprintf("k%d", [i])}
`,
      ['t/arr', 't/st', 't/obj'],
    );
    expect(evalBoth(p, 't/arr', { xs: [1, 2, 3] })).toEqual([4, 6]);
    expect(evalBoth(p, 't/st', { xs: [1, 2, 3] })).toEqual([0, 1]);
    expect(evalBoth(p, 't/obj', { xs: [5, 6] })).toEqual({ k0: 5, k1: 6 });
  });

  test('some, every, not, membership, iteration with variables and _', async () => {
    const p = await load(
      `package t
all_pos if every x in input.xs { x > 0 }
has_neg if {
  some x in input.xs
  x < 0
}
no_neg if not has_neg
pairs contains [k, v] if some k, v in input.obj
keys contains k if input.obj[k]
any_two if input.xs[_] == 2
idx contains i if { some i; input.xs[i] == 2 }
member if 3 in input.xs
member_kv if 1, 3 in input.xs
`,
      ['t/all_pos', 't/has_neg', 't/no_neg', 't/pairs', 't/keys', 't/any_two', 't/idx', 't/member', 't/member_kv'],
    );
    const input = { xs: [1, 2, 3, 2], obj: { b: true, a: false } };
    expect(evalBoth(p, 't/all_pos', input)).toBe(true);
    expect(evalBoth(p, 't/all_pos', { xs: [1, -1] })).toBeUndefined();
    expect(evalBoth(p, 't/all_pos', { xs: [] })).toBe(true);
    expect(evalBoth(p, 't/has_neg', input)).toBeUndefined();
    expect(evalBoth(p, 't/no_neg', input)).toBe(true);
    expect(evalBoth(p, 't/no_neg', { xs: [-1] })).toBeUndefined();
    expect(evalBoth(p, 't/pairs', input)).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(evalBoth(p, 't/keys', input)).toEqual(['b']);
    expect(evalBoth(p, 't/any_two', input)).toBe(true);
    expect(evalBoth(p, 't/idx', input)).toEqual([1, 3]);
    expect(evalBoth(p, 't/member', input)).toBe(true);
    expect(evalBoth(p, 't/member_kv', input)).toBeUndefined();
    expect(evalBoth(p, 't/member_kv', { xs: [0, 3] })).toBe(true);
  });

  test('destructuring unification of arrays and objects', async () => {
    const p = await load(
      `package t
r := [a, b, c] if {
  [a, {"k": b}] = input.pair
  {"x": c} := input.obj
}
`,
      ['t/r'],
    );
    expect(evalBoth(p, 't/r', { pair: [1, { k: 2 }], obj: { x: 3 } })).toEqual([1, 2, 3]);
    expect(evalBoth(p, 't/r', { pair: [1, { k: 2 }, 9], obj: { x: 3 } })).toBeUndefined();
    expect(evalBoth(p, 't/r', { pair: [1, { k: 2 }], obj: { x: 3, y: 4 } })).toBeUndefined();
  });

  test('with on input and data paths, and memoised rules around it', async () => {
    const p = await load(
      [
        `package t
a := input.x
b := v if v := a with input.x as 2
c := a
d := data.cfg.level
e := v if v := d with data.cfg.level as "override"
base := 1
m := v if v := base with data.t.base as 99
whole := v if v := input with input as {"replaced": true}
deep := v if v := input.p.q with input.p.q as "deep"
other := data.u.v
o := v if v := other with data.u.v as 5
pkg := v if v := data.u with data.u.v as 6
`,
        `package u
v := 1
w := 2
`,
      ],
      ['t/a', 't/b', 't/c', 't/d', 't/e', 't/m', 't/whole', 't/deep', 't/o', 't/pkg'],
    );
    p.setData({ cfg: { level: 'base' } });
    const input = { x: 1 };
    expect(evalBoth(p, 't/b', input)).toBe(2);
    expect(evalBoth(p, 't/c', input)).toBe(1);
    expect(evalBoth(p, 't/a', input)).toBe(1);
    expect(evalBoth(p, 't/d', input)).toBe('base');
    expect(evalBoth(p, 't/e', input)).toBe('override');
    expect(evalBoth(p, 't/m', input)).toBe(99);
    expect(evalBoth(p, 't/whole', input)).toEqual({ replaced: true });
    expect(evalBoth(p, 't/deep', input)).toBe('deep');
    expect(evalBoth(p, 't/o', input)).toBe(5);
    expect(evalBoth(p, 't/pkg', input)).toEqual({ v: 6, w: 2 });
  });

  test('withmock and mockvalue: functions replaced by values known at run time, memoised rules around them', async () => {
    const p = await load(
      `package t
f(x) := x
g := f(1)
a := g
vals := [v | some x in input.xs; v := g with f as x]
around := [g, b, g] if b := g with f as input.k
every_below if {
  k := input.k
  every y in input.xs {
    y < g with f as k
  }
}
`,
      ['t/a', 't/vals', 't/around', 't/every_below'],
    );
    const input = { xs: [1, 2, 3], k: 10 };
    expect(evalBoth(p, 't/a', input)).toBe(1);
    expect(evalBoth(p, 't/vals', input)).toEqual([1, 2, 3]);
    expect(evalBoth(p, 't/around', input)).toEqual([1, 10, 1]);
    expect(evalBoth(p, 't/every_below', input)).toBe(true);
    expect(evalBoth(p, 't/every_below', { xs: [1, 20], k: 10 })).toBeUndefined();
    expect(evalBoth(p, 't/around', { xs: [] })).toBeUndefined();
  });

  test('print writes through opa_println', async () => {
    const p = await load(
      `package t
x if {
  print("hello", 1, input.s, {"a": [1]}, {2, 1}, set(), input.missing)
}
`,
      ['t/x'],
    );
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    try {
      expect(evalBoth(p, 't/x', { s: 'str' })).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['hello 1 str {"a": [1]} {1, 2} set() <undefined>', 'hello 1 str {"a": [1]} {1, 2} set() <undefined>']);
  });
});

describe('data', () => {
  const src = `package rbac
roles := data.users[input.user].roles
allow if {
  some role in roles
  some p in data.roles[role]
  p.action == input.action
}
`;

  test('setData documents, replaced by a later setData', async () => {
    const p = await load(src, ['rbac/allow', 'rbac/roles']);
    expect(evalBoth(p, 'rbac/allow', { user: 'u', action: 'read' })).toBeUndefined();
    p.setData({ users: { u: { roles: ['r'] } }, roles: { r: [{ action: 'read' }] } });
    expect(evalBoth(p, 'rbac/allow', { user: 'u', action: 'read' })).toBe(true);
    expect(evalBoth(p, 'rbac/allow', { user: 'u', action: 'write' })).toBeUndefined();
    expect(evalBoth(p, 'rbac/roles', { user: 'u' })).toEqual(['r']);
    p.setData({ users: { u: { roles: ['w'] } }, roles: { w: [{ action: 'write' }] } });
    expect(evalBoth(p, 'rbac/allow', { user: 'u', action: 'write' })).toBe(true);
    expect(evalBoth(p, 'rbac/allow', { user: 'u', action: 'read' })).toBeUndefined();
  });

  test('base data and virtual documents merge under one package', async () => {
    const p = await load('package x.y\nv := 1\n', ['x']);
    p.setData({ x: { y: { base: true }, z: 2 } });
    expect(evalBoth(p, 'x', {})).toEqual({ y: { base: true, v: 1 }, z: 2 });
  });
});

describe('evaluation errors', () => {
  test('conflicting complete rule values', async () => {
    const p = await load('package t\np := 1 if input.a\np := 2 if input.b\n', ['t/p']);
    expect(evalBoth(p, 't/p', { a: true })).toBe(1);
    for (const e of evalErrors(p, 't/p', { a: true, b: true })) expect(e).toMatch(/eval_conflict_error: complete rules/);
    // The module keeps working after an aborted evaluation.
    expect(evalBoth(p, 't/p', { b: true })).toBe(2);
  });

  test('conflicting partial object keys', async () => {
    const p = await load('package t\no[k] := v if some k, v in input.pairs\n', ['t/o']);
    expect(evalBoth(p, 't/o', { pairs: { a: 1 } })).toEqual({ a: 1 });
    const q = await load('package t\no[x.k] := x.v if some x in input.xs\n', ['t/o']);
    for (const e of evalErrors(q, 't/o', {
      xs: [
        { k: 'a', v: 1 },
        { k: 'a', v: 2 },
      ],
    }))
      expect(e).toMatch(/object keys must be unique/);
  });

  test('functions with two values for the same input', async () => {
    const p = await load('package t\nf(x) := 1 if x > 0\nf(x) := 2 if x > 1\nr := f(input.n)\n', ['t/r']);
    expect(evalBoth(p, 't/r', { n: 1 })).toBe(1);
    for (const e of evalErrors(p, 't/r', { n: 5 })) expect(e).toMatch(/functions must not produce multiple outputs/);
  });

  test('division and modulo by zero', async () => {
    const p = await load('package t\nq := input.a / input.b\nr := input.a % input.b\n', ['t/q', 't/r']);
    expect(evalBoth(p, 't/q', { a: 6, b: 4 })).toBe(1.5);
    expect(evalBoth(p, 't/r', { a: -7, b: 4 })).toBe(-3);
    for (const e of evalErrors(p, 't/q', { a: 1, b: 0 })) expect(e).toMatch(/divide by zero/);
    for (const e of evalErrors(p, 't/r', { a: 1, b: 0 })) expect(e).toMatch(/modulo by zero/);
  });

  test('a wrong argument type at run time leaves the expression undefined', async () => {
    const p = await load('package t\nq := input.a + 1\nn := count(input.a)\n', ['t/q', 't/n']);
    expect(evalBoth(p, 't/q', { a: 'x' })).toBeUndefined();
    expect(evalBoth(p, 't/n', { a: 5 })).toBeUndefined();
    expect(evalBoth(p, 't/n', { a: 'héllo' })).toBe(5);
  });
});
