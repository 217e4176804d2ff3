/** The index of remembered answers by the origin of a document (policy/answer-origins.ts): exact keys, bounded. */
import { AnswersByOrigin } from '../src/policy/answer-origins';

test('an answer is found by the same token, target, method and route only', () => {
  const origins = new AnswersByOrigin();
  const token = {};
  const target = {};
  origins.set(token, target, 'GET', '/orders/:id', 'answer');
  origins.set(undefined, target, 'GET', undefined, 'anonymous');
  expect(origins.get(token, target, 'GET', '/orders/:id')).toBe('answer');
  expect(origins.get(undefined, target, 'GET', undefined)).toBe('anonymous');
  expect(origins.get({}, target, 'GET', '/orders/:id')).toBeUndefined(); // an equal token object is another token
  expect(origins.get(token, {}, 'GET', '/orders/:id')).toBeUndefined();
  expect(origins.get(token, target, 'POST', '/orders/:id')).toBeUndefined();
  expect(origins.get(token, target, 'GET', undefined)).toBeUndefined();
  origins.clear();
  expect(origins.get(token, target, 'GET', '/orders/:id')).toBeUndefined();
});

test('bounded: past 10,000 origins it starts again', () => {
  const origins = new AnswersByOrigin();
  const token = {};
  const targets = Array.from({ length: 10_001 }, () => ({}));
  for (let i = 0; i < 10_000; i++) origins.set(token, targets[i], 'GET', undefined, i);
  expect(origins.get(token, targets[0], 'GET', undefined)).toBe(0);
  origins.set(token, targets[0], 'GET', undefined, 'replaced'); // replacing is not growing
  expect(origins.get(token, targets[9_999], 'GET', undefined)).toBe(9_999);
  origins.set(token, targets[10_000], 'GET', undefined, 'last');
  expect(origins.get(token, targets[0], 'GET', undefined)).toBeUndefined();
  expect(origins.get(token, targets[10_000], 'GET', undefined)).toBe('last');
});

test('one token and target keep an answer per method and route, each replaced in place', () => {
  const origins = new AnswersByOrigin();
  const token = {};
  const target = {};
  origins.set(token, target, 'GET', '/orders/:id', 'read');
  origins.set(token, target, 'POST', '/orders/:id', 'write');
  origins.set(token, target, 'GET', '/orders/*', 'read, other route');
  origins.set(token, target, 'GET', '/orders/:id', 'read again');
  expect(origins.get(token, target, 'GET', '/orders/:id')).toBe('read again');
  expect(origins.get(token, target, 'POST', '/orders/:id')).toBe('write');
  expect(origins.get(token, target, 'GET', '/orders/*')).toBe('read, other route');
  expect(origins.get(token, target, 'get', '/orders/:id')).toBeUndefined(); // the method as the request gave it
});
