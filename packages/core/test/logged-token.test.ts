/** The token's part of decision log entries (logged-token.ts): shared and frozen where it holds no array, else per entry. */
import { loggedTokenPart } from '../src/logged-token';
import type { VerifiedToken } from '../src/token-cache';

/** The value at `path` inside `value`. */
const at = (value: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((inner, key) => (inner as Record<string | number, unknown>)[key], value);

const verified = (payload: Record<string, unknown>): VerifiedToken => ({
  header: { alg: 'RS256', crit: ['b64'] },
  payload,
  issuerLabel: 'issuer',
});

test('each entry gets its own arrays (at any depth) and objects holding them, and shares the rest, frozen', () => {
  const token = verified(
    JSON.parse('{"sub":"bob","aud":["a","b"],"ctx":{"groups":[["x"],{"deep":["y"]}],"plain":{"k":1}},"__proto__":{"tags":["t"]}}'),
  );
  const [one, two] = [loggedTokenPart(token), loggedTokenPart(token)];
  expect(two).toEqual(one);
  expect(JSON.stringify(one)).toBe(JSON.stringify({ header: token.header, payload: token.payload }));
  expect(Object.keys(one.payload)).toEqual(['sub', 'aud', 'ctx', '__proto__']); // the claim, not a prototype
  expect(Object.getPrototypeOf(one.payload)).toBe(Object.prototype);
  const own: Array<Array<string | number>> = [
    [],
    ['header'],
    ['header', 'crit'],
    ['payload'],
    ['payload', 'aud'],
    ['payload', 'ctx'],
    ['payload', 'ctx', 'groups'],
    ['payload', 'ctx', 'groups', 0],
    ['payload', 'ctx', 'groups', 1],
    ['payload', 'ctx', 'groups', 1, 'deep'],
    ['payload', '__proto__'],
    ['payload', '__proto__', 'tags'],
  ];
  for (const path of own)
    expect([path, at(one, ...path) === at(two, ...path), Object.isFrozen(at(one, ...path))]).toEqual([path, false, false]);
  expect(at(one, 'payload', 'ctx', 'plain')).toBe(at(two, 'payload', 'ctx', 'plain'));
  expect(Object.isFrozen(at(one, 'payload', 'ctx', 'plain'))).toBe(true);
  // A consumer changing its entry changes no other, nor what requests are handed.
  (at(one, 'payload', 'aud') as string[]).push('c');
  expect(at(loggedTokenPart(token), 'payload', 'aud')).toEqual(['a', 'b']);
  expect(token.payload.aud).toEqual(['a', 'b']);
});

test('a token part without arrays is one frozen object for every entry', () => {
  const token: VerifiedToken = { header: { alg: 'ES256' }, payload: { sub: 'ann', n: 1 }, issuerLabel: 'issuer' };
  const one = loggedTokenPart(token);
  expect(loggedTokenPart(token)).toBe(one);
  expect(Object.isFrozen(one) && Object.isFrozen(one.payload)).toBe(true);
});
