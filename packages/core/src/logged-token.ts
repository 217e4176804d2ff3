/**
 * The token's part of decision log entries (`input.jwt`), made once per verified token from its JSON text. What
 * entries share is frozen (redaction never changes it; a log consumer cannot). Its arrays are not shared: V8's fast
 * `JSON.stringify` (Node 22, 24) gives up on a frozen array and then writes the whole entry the slow way, about
 * twice the time, for every sink that serialises entries. So each entry gets its own copies of the arrays and of
 * the objects on the way to them (not frozen: an entry's own), copied from a template nobody else sees.
 */
import type { PolicyInput } from './input';
import type { VerifiedToken } from './token-cache';
import { setOwnMember } from './fast-json';
import { tokenText } from './token-texts';

type TokenPart = NonNullable<PolicyInput['jwt']>;

/** Makes one entry's copy of a value that holds an array. */
type Copier = () => unknown;

/** What an entry is given: the part itself (it holds no array), or a copier of its template. */
type LoggedToken = { shared: TokenPart } | { copy: Copier };

const logged = new WeakMap<VerifiedToken, LoggedToken>();

/** The token's part of one log entry. */
export function loggedTokenPart(verified: VerifiedToken): TokenPart {
  let token = logged.get(verified);
  if (token === undefined) {
    const template = JSON.parse(tokenText(verified)) as TokenPart;
    const copy = copierOf(template);
    token = copy === undefined ? { shared: template } : { copy };
    logged.set(verified, token);
  }
  return 'shared' in token ? token.shared : (token.copy() as TokenPart);
}

/**
 * For a fresh JSON value: undefined when it holds no array, and it is then frozen, to be shared; else a copier of
 * it, which shares (frozen) what holds no array.
 */
function copierOf(value: unknown): Copier | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    const copiers = items.map(copierOf);
    if (copiers.every((copier) => copier === undefined)) return () => items.slice();
    return () => items.map((item, index) => (copiers[index] === undefined ? item : copiers[index]()));
  }
  const object = value as Record<string, unknown>;
  const members: Array<[string, Copier]> = [];
  for (const key of Object.keys(object)) {
    const copier = copierOf(object[key]);
    if (copier !== undefined) members.push([key, copier]);
  }
  if (members.length === 0) return void Object.freeze(object);
  return () => {
    const copy: Record<string, unknown> = { ...object };
    for (const [key, copier] of members) {
      setOwnMember(copy, key, copier()); // a claim may be named `__proto__`
    }
    return copy;
  };
}
