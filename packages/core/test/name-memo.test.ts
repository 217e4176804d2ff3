/**
 * Values computed once per name a client chooses, in a memory that starts afresh when full.
 */
import { memoisedByName } from '../src/name-memo';

test('a name is computed once while remembered; a full memory starts afresh', () => {
  const computed: string[] = [];
  const upper = memoisedByName(
    (name) => {
      computed.push(name);
      return name.toUpperCase();
    },
    { max: 3 },
  );
  expect([upper('a'), upper('b'), upper('a'), upper('c'), upper('b')]).toEqual(['A', 'B', 'A', 'C', 'B']);
  expect(computed).toEqual(['a', 'b', 'c']);
  upper('d'); // a fourth name: the memory is full, and starts again with it
  upper('a');
  expect(computed).toEqual(['a', 'b', 'c', 'd', 'a']);
  // Names that are Object.prototype's members are names like any other.
  expect(upper('__proto__')).toBe('__PROTO__');
  expect(upper('constructor')).toBe('CONSTRUCTOR');
});

test('null is a value remembered like any other', () => {
  let calls = 0;
  const nothing = memoisedByName(() => {
    calls++;
    return null;
  });
  expect(nothing('x')).toBeNull();
  expect(nothing('x')).toBeNull();
  expect(calls).toBe(1);
});

test('a name longer than maxLength is computed each time, never remembered', () => {
  const computed: string[] = [];
  const upper = memoisedByName(
    (name) => {
      computed.push(name);
      return name.toUpperCase();
    },
    { maxLength: 3 },
  );
  expect([upper('abc'), upper('abc'), upper('abcd'), upper('abcd')]).toEqual(['ABC', 'ABC', 'ABCD', 'ABCD']);
  expect(computed).toEqual(['abc', 'abcd', 'abcd']);
});
