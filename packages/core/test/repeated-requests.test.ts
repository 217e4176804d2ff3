/**
 * A token's repeated requests (repeated-requests.ts): found only by all of method, raw target, route, routing and
 * policy; one per request they repeat; bounded per token.
 */
import type { CoreRequest } from '../src/contract';
import type { PolicyEngine } from '../src/policy/engine';
import { findRepeated, MAX_REPEATED_PER_TOKEN, rememberRepeated, type RepeatedRequest } from '../src/repeated-requests';
import { routingFlags } from '../src/request-target';

const policy = {} as PolicyEngine;
const newer = {} as PolicyEngine;

function repeated(request: CoreRequest, answeredBy = policy, allowed = true): RepeatedRequest {
  return {
    method: request.method,
    url: request.url,
    route: request.route,
    routing: routingFlags(request.routing),
    policy: answeredBy,
    entrypoint: 'app/decision',
    target: { path: request.url, query: undefined },
    extracted: { token: 't', method: 'header' },
    evaluation: { defined: true, value: { allowed } },
  };
}

const asked = (url: string, more: Partial<CoreRequest> = {}): CoreRequest => ({ method: 'GET', url, headers: {}, ...more });

test('found by all of method, raw target, route, routing and policy', () => {
  const list: RepeatedRequest[] = [];
  const original = asked('/orders/7', { route: '/orders/:id', routing: { caseSensitive: true } });
  rememberRepeated(list, repeated(original));
  expect(findRepeated(list, { ...original, headers: { other: 'header' } }, policy)).toBe(list[0]);
  // Equal routings are found whatever object says them.
  expect(findRepeated(list, { ...original, routing: { caseSensitive: true, strictTrailingSlash: false } }, policy)).toBe(list[0]);
  for (const other of [
    { ...original, method: 'DELETE' },
    { ...original, method: 'get' },
    { ...original, url: '/orders/7?' },
    { ...original, url: '/Orders/7' },
    { ...original, route: undefined },
    { ...original, route: '/orders/:n' },
    { ...original, routing: undefined },
    { ...original, routing: { caseSensitive: true, strictTrailingSlash: true } },
  ]) {
    expect(findRepeated(list, other, policy)).toBeUndefined();
  }
  expect(findRepeated(list, original, newer)).toBeUndefined();
  expect(findRepeated(list, original, undefined)).toBeUndefined();
});

test("one entry per request repeated; another policy's go; bounded, the oldest going first", () => {
  const list: RepeatedRequest[] = [];
  rememberRepeated(list, repeated(asked('/a')));
  rememberRepeated(list, repeated(asked('/a'), policy, false));
  expect(list).toHaveLength(1);
  expect(findRepeated(list, asked('/a'), policy)?.evaluation.value).toEqual({ allowed: false });
  rememberRepeated(list, repeated(asked('/b'), newer));
  expect(list.map((known) => known.url)).toEqual(['/b']);
  for (let n = 0; n < MAX_REPEATED_PER_TOKEN + 3; n++) rememberRepeated(list, repeated(asked(`/n/${n}`), newer));
  expect(list).toHaveLength(MAX_REPEATED_PER_TOKEN);
  expect(findRepeated(list, asked('/b'), newer)).toBeUndefined();
  expect(findRepeated(list, asked(`/n/${MAX_REPEATED_PER_TOKEN + 2}`), newer)).toBeDefined();
});
