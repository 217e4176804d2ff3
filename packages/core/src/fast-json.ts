/**
 * Values made to be serialised the fast way. V8's fast `JSON.stringify` (Node 26) takes plain objects (whose
 * prototype is `Object.prototype`) and flat strings only. Anything else on the way (an object without
 * `Object.prototype`; a string V8 keeps as a rope of its parts, one of 13 characters or more made by `+` or a
 * template literal; one it keeps as a slice of another, 13 characters or more cut out of it) and it writes the whole
 * value the slow way, in two to three times the time. Decision log entries are serialised by every sink, once per
 * request.
 */

/**
 * `record[name] = value` for a name a client or a policy chose, on a plain object: `__proto__` becomes a member, as
 * `JSON.parse` makes it, instead of replacing the object's prototype.
 */
export function setOwnMember<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}

/** The same text as a flat string: what `JSON.parse` gives is written out. For texts made once and kept. */
export function flatText(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
