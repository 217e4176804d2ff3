/**
 * The token's part of decision log entries (`input.jwt`): made once per verified token from its JSON text and
 * frozen, so that entries share it (redaction never changes it; a log consumer cannot). Its arrays are the
 * exception: V8's fast `JSON.stringify` (Node 22, 24) gives up on a frozen array and then writes the whole entry the
 * slow way, about twice the time, for every sink that serialises entries. So each entry gets copies of the arrays
 * (not frozen: an entry's own) and of the objects on the way to them (frozen); everything else is shared.
 */
import { deepFreeze } from './deep-freeze';
import type { PolicyInput } from './input';
import type { VerifiedToken } from './token-cache';
import { tokenText } from './token-texts';

type TokenPart = NonNullable<PolicyInput['jwt']>;

/** Makes one entry's copy of a value that holds an array. */
type Copier = () => unknown;

interface LoggedToken {
  shared: TokenPart;
  /** Undefined when the part holds no array: then it is handed out as it is. */
  copy: Copier | undefined;
}

const logged = new WeakMap<VerifiedToken, LoggedToken>();

/** The token's part of one log entry. */
export function loggedTokenPart(verified: VerifiedToken): TokenPart {
  let token = logged.get(verified);
  if (token === undefined) {
    const shared = deepFreeze(JSON.parse(tokenText(verified)) as TokenPart);
    token = { shared, copy: copierOf(shared) };
    logged.set(verified, token);
  }
  return token.copy === undefined ? token.shared : (token.copy() as TokenPart);
}

/** The token's part of a log entry for a document whose `jwt` is not a verified token's own (a hook's, say). */
export function loggedPartOf(jwt: PolicyInput['jwt']): TokenPart {
  return deepFreeze(JSON.parse(JSON.stringify(jwt)) as TokenPart);
}

/** A copier for a frozen JSON value, undefined when it holds no array. */
function copierOf(value: unknown): Copier | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(copierOf);
    if (items.every((item) => item === undefined)) return () => value.slice();
    return () => value.map((item: unknown, index) => (items[index] === undefined ? item : items[index]()));
  }
  const object = value as Record<string, unknown>;
  const members: Array<[string, Copier]> = [];
  for (const key of Object.keys(object)) {
    const copier = copierOf(object[key]);
    if (copier !== undefined) members.push([key, copier]);
  }
  if (members.length === 0) return undefined;
  return () => {
    const copy: Record<string, unknown> = { ...object };
    for (const [key, copier] of members) {
      // A claim may be named `__proto__`, which an assignment would not set.
      if (key === '__proto__') Object.defineProperty(copy, key, { value: copier(), enumerable: true, writable: true, configurable: true });
      else copy[key] = copier();
    }
    return Object.freeze(copy);
  };
}
