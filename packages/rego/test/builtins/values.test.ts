/** Operators, numbers, aggregates, arrays, sets, objects and type builtins as the host sees them. */
import { hostBuiltins } from '../../src/builtins';
import { call, callError } from './helpers';

describe('operators', () => {
  it('compare in OPA type order', () => {
    expect(call('lt', null, false)).toBe(true);
    expect(call('lt', true, 0)).toBe(true);
    expect(call('lt', 99, 'a')).toBe(true);
    expect(call('lt', 'z', [])).toBe(true);
    expect(call('lt', [], {})).toBe(true);
    expect(call('lt', [1, 2], [1, 3])).toBe(true);
    expect(call('gte', 'b', 'a')).toBe(true);
    expect(call('equal', { a: [1] }, { a: [1] })).toBe(true);
    expect(call('neq', 1, 1.0)).toBe(false);
  });

  it('arithmetic; division and modulo errors are errors', () => {
    expect(call('plus', 1, 2)).toBe(3);
    expect(call('div', 15.3, 3)).toBe(5.1000000000000005);
    expect(call('div', 13, 4)).toBe(3.25);
    expect(call('rem', -7, 3)).toBe(-1);
    expect(call('plus', '1', 2)).toBeUndefined();
    expect(callError('div', 1, 0).message).toMatch(/divide by zero/);
    expect(callError('rem', 1, 0).message).toMatch(/modulo by zero/);
    expect(callError('rem', 1.5, 1).message).toMatch(/modulo on floating-point number/);
  });

  it('set operators on sorted arrays', () => {
    expect(call('minus', [1, 2, 3], [2])).toEqual([1, 3]);
    expect(call('minus', 5, 2)).toBe(3);
    expect(call('and', [1, 2, 3], [2, 3, 4])).toEqual([2, 3]);
    expect(call('or', [3, 1], [2, 1])).toEqual([1, 2, 3]);
    expect(call('internal.member_2', 2, [1, 2])).toBe(true);
    expect(call('internal.member_2', 'v', { k: 'v' })).toBe(true);
    expect(call('internal.member_3', 'k', 'v', { k: 'v' })).toBe(true);
    expect(call('internal.member_3', 1, 'b', ['a', 'b'])).toBe(true);
  });
});

describe('numbers', () => {
  it('abs, ceil, floor, round (half away from zero)', () => {
    expect([-9, 9, -9.1, 9.1].map((x) => call('abs', x))).toEqual([9, 9, 9.1, 9.1]);
    expect([9.1, -9.1, 9, -9].map((x) => call('floor', x))).toEqual([9, -10, 9, -9]);
    expect([9.1, -9.1].map((x) => call('ceil', x))).toEqual([10, -9]);
    expect([2.5, -2.5, 1.4].map((x) => call('round', x))).toEqual([3, -3, 1]);
    expect(call('ceil', -0.5)).toBe(0);
    expect(call('abs', '1')).toBeUndefined();
  });

  it('numbers.range and numbers.range_step', () => {
    expect(call('numbers.range', 1, 4)).toEqual([1, 2, 3, 4]);
    expect(call('numbers.range', 2, -1)).toEqual([2, 1, 0, -1]);
    expect(call('numbers.range_step', 0, 10, 3)).toEqual([0, 3, 6, 9]);
    expect(call('numbers.range_step', 10, 0, 5)).toEqual([10, 5, 0]);
    expect(callError('numbers.range', 1.01, 5).message).toMatch(/must be integer/);
    expect(callError('numbers.range_step', 0, 5, 0).message).toMatch(/positive/);
    expect(call('numbers.range', '1', 2)).toBeUndefined();
  });

  it('bits.* on integers (as big integers)', () => {
    expect(call('bits.and', 5, 3)).toBe(1);
    expect(call('bits.or', 5, 3)).toBe(7);
    expect(call('bits.xor', 5, 3)).toBe(6);
    expect(call('bits.negate', 5)).toBe(-6);
    expect(call('bits.lsh', 9, 2)).toBe(36);
    expect(call('bits.lsh', 1, 40)).toBe(1099511627776);
    expect(call('bits.rsh', -9, 1)).toBe(-5);
    expect(callError('bits.and', 1.5, 1).message).toMatch(/integer/);
  });

  it('rand.intn is stable within an evaluation and within bounds', () => {
    const x = call('rand.intn', 'x', 50000) as number;
    expect(call('rand.intn', 'x', 50000)).toBe(x);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThan(50000);
    expect(call('rand.intn', 'b', 0)).toBe(0);
    expect(call('rand.intn', 'a', 10.3)).toBeUndefined();
  });
});

describe('aggregates and arrays', () => {
  it('count, sum, product, max, min, sort', () => {
    expect(call('count', 'μx')).toBe(2);
    expect(call('count', { a: 1 })).toBe(1);
    expect(call('count', null)).toBeUndefined();
    expect(call('sum', [-1, 3, 2])).toBe(4);
    expect(call('sum', [])).toBe(0);
    expect(call('product', [-1, 3, 2])).toBe(-6);
    expect(call('product', [])).toBe(1);
    expect(call('sum', [1, 'a'])).toBeUndefined();
    expect(call('max', [1, 'a', null])).toBe('a');
    expect(call('min', [1, 'a', null])).toBe(null);
    expect(call('max', [])).toBeUndefined();
    expect(call('sort', [3, 'b', 1, [], null])).toEqual([null, 1, 3, 'b', []]);
  });

  it('array.concat, array.slice (clamped), array.reverse', () => {
    expect(call('array.concat', [1, 2], [3])).toEqual([1, 2, 3]);
    const slices = [
      [0, 1],
      [0, 2],
      [2, 3],
      [0, 5],
      [5, 5],
      [-5, 5],
      [-5, 0],
      [-5, 1],
    ].map(([a, b]) => call('array.slice', [1, 2, 3], a, b));
    expect(slices).toEqual([[1], [1, 2], [3], [1, 2, 3], [], [1, 2, 3], [], [1]]);
    expect(call('array.slice', [5], 1.1, 2)).toBeUndefined();
    expect(call('array.reverse', [1, 2, 3])).toEqual([3, 2, 1]);
  });

  it('intersection and union of sets of sets', () => {
    expect(
      call('intersection', [
        [1, 2, 3],
        [2, 3, 4],
        [3, 2],
      ]),
    ).toEqual([2, 3]);
    expect(
      call('union', [
        [1, 2],
        [2, 3],
      ]),
    ).toEqual([1, 2, 3]);
    expect(call('union', [])).toEqual([]);
  });
});

describe('objects and JSON documents', () => {
  const obj = { a: 5, b: { c: 8 }, c: 7 };

  it('object.get with keys, paths and defaults', () => {
    expect(call('object.get', obj, 'a', 'default')).toBe(5);
    expect(call('object.get', obj, ['b', 'c'], 'default')).toBe(8);
    expect(call('object.get', obj, ['a', 'b'], 'default')).toBe('default');
    expect(call('object.get', obj, 'zz', 'default')).toBe('default');
    expect(call('object.get', { a: [1, { x: 2 }] }, ['a', 1, 'x'], 0)).toBe(2);
    expect(call('object.get', obj, [], 0)).toEqual(obj);
  });

  it('object.keys, union, union_n, remove, filter, subset', () => {
    expect(call('object.keys', { b: 1, a: 2 })).toEqual(['a', 'b']);
    expect(call('object.union', { a: 1, b: { c: 1, d: 2 } }, { b: { d: 3 }, e: 4 })).toEqual({ a: 1, b: { c: 1, d: 3 }, e: 4 });
    expect(call('object.union_n', [{ a: 1 }, { a: 2, b: 1 }, { c: 3 }])).toEqual({ a: 2, b: 1, c: 3 });
    expect(call('object.remove', obj, ['a', 'b'])).toEqual({ c: 7 });
    expect(call('object.remove', obj, { a: 1 })).toEqual({ b: { c: 8 }, c: 7 });
    expect(call('object.filter', obj, ['a', 'c'])).toEqual({ a: 5, c: 7 });
    expect(call('object.subset', { a: { b: 1, c: 2 } }, { a: { b: 1 } })).toBe(true);
    expect(call('object.subset', [1, 2, 3, 4], [2, 3])).toBe(true);
    expect(call('object.subset', [1, 2, 3], [3, 2])).toBe(false);
  });

  it('json.filter and json.remove with pointer strings and array paths', () => {
    const doc = { a: 5, b: { c: { d: 6 }, d: 7 }, c: 8 };
    expect(call('json.filter', doc, ['a', 'b/c'])).toEqual({ a: 5, b: { c: { d: 6 } } });
    expect(call('json.filter', doc, ['c', ['b', 'd']])).toEqual({ b: { d: 7 }, c: 8 });
    const s = { a: [[1, [7, 8, 9], 2], { a: 1, b: 2, c: 3 }] };
    // Array elements are addressed by string indexes; a number segment matches none (as in OPA).
    expect(call('json.filter', s, [['a', 1]])).toEqual({ a: [] });
    expect(call('json.filter', s, [['a', '1']])).toEqual({ a: [{ a: 1, b: 2, c: 3 }] });
    expect(call('json.filter', s, ['a/0/1/2', ['a', '0', '2'], 'a/0/1/1'])).toEqual({ a: [[[8, 9], 2]] });
    expect(call('json.remove', doc, ['a', 'b/c'])).toEqual({ b: { d: 7 }, c: 8 });
    expect(call('json.remove', { 'x/y': 1, z: 2 }, ['x~1y'])).toEqual({ z: 2 });
    expect(call('json.remove', { a: [1, 2, 3] }, ['/a/1'])).toEqual({ a: [1, 3] });
    // An empty path selects nothing (OPA skips it).
    expect(call('json.filter', doc, [''])).toEqual({});
    expect(call('json.remove', doc, [''])).toEqual(doc);
  });

  it('json.patch applies RFC 6902 operations and is undefined when one fails', () => {
    expect(call('json.patch', { a: { foo: 1 } }, [{ op: 'add', path: '/a/bar', value: 2 }])).toEqual({ a: { foo: 1, bar: 2 } });
    expect(call('json.patch', { a: { foo: 1 }, b: {} }, [{ op: 'copy', from: '/a/foo', path: '/b/foo' }])).toEqual({
      a: { foo: 1 },
      b: { foo: 1 },
    });
    expect(call('json.patch', { arr: [1, 2, 3] }, [{ op: 'add', path: '/arr/-', value: 4 }])).toEqual({ arr: [1, 2, 3, 4] });
    expect(call('json.patch', { arr: [1, 2, 3] }, [{ op: 'remove', path: '/arr/1' }])).toEqual({ arr: [1, 3] });
    expect(call('json.patch', { 'foo/bar': { 'baz~': 1 } }, [{ op: 'add', path: '/foo~1bar/baz~0test', value: 2 }])).toEqual({
      'foo/bar': { 'baz~': 1, 'baz~test': 2 },
    });
    expect(
      call('json.patch', { a: 1 }, [
        { op: 'move', from: '/a', path: '/b' },
        { op: 'test', path: '/b', value: 1 },
      ]),
    ).toEqual({ b: 1 });
    expect(call('json.patch', { a: 1 }, [{ op: 'remove', path: '' }])).toBeUndefined();
    expect(
      call('json.patch', { a: 1 }, [
        { op: 'remove', path: '' },
        { op: 'add', path: '', value: { b: 2 } },
      ]),
    ).toEqual({ b: 2 });
    expect(call('json.patch', [1, 2], [{ op: 'remove', path: [-1] }])).toBeUndefined();
    expect(call('json.patch', [1, 2], [{ op: 'remove', path: '/01' }])).toBeUndefined();
    expect(call('json.patch', [1, 2], [{ op: 'remove', path: '/-' }])).toBeUndefined();
    expect(call('json.patch', {}, [{ path: '/a', value: 1 }])).toBeUndefined();
    expect(call('json.patch', {}, [{ op: 'move', path: '/a' }])).toBeUndefined();
    expect(call('json.patch', { a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toBeUndefined();
  });

  it('json.patch never changes its input', () => {
    const original = { a: [1, 2, 3] };
    const impl = hostBuiltins['json.patch'];
    impl(original, [
      { op: 'remove', path: '/a/0' },
      { op: 'remove', path: '/missing' },
    ]);
    impl(original, [{ op: 'remove', path: '/a/0' }]);
    expect(original).toEqual({ a: [1, 2, 3] });
  });
});

describe('types', () => {
  it('is_* and type_name on JSON values', () => {
    const items = [[], true, null, 0, {}, 'abc'];
    expect(items.map((x) => call('type_name', x))).toEqual(['array', 'boolean', 'null', 'number', 'object', 'string']);
    expect(items.filter((x) => call('is_array', x))).toEqual([[]]);
    expect(items.filter((x) => call('is_boolean', x))).toEqual([true]);
    expect(items.filter((x) => call('is_null', x))).toEqual([null]);
    expect(items.filter((x) => call('is_number', x))).toEqual([0]);
    expect(items.filter((x) => call('is_object', x))).toEqual([{}]);
    expect(items.filter((x) => call('is_string', x))).toEqual(['abc']);
  });

  it('to_number', () => {
    expect(call('to_number', '10')).toBe(10);
    expect(call('to_number', '-3.5e2')).toBe(-350);
    expect(call('to_number', true)).toBe(1);
    expect(call('to_number', null)).toBe(0);
    expect(call('to_number', 7)).toBe(7);
    expect(call('to_number', [])).toBeUndefined();
    expect(callError('to_number', 'abc').message).toMatch(/invalid syntax/);
    expect(callError('to_number', 'Inf').message).toMatch(/invalid syntax/);
  });
});
