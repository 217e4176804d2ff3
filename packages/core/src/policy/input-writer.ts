/**
 * The policy input as JSON text, cut down to the parts the policy can read.
 *
 * Our compiler reports which members of the input a policy can reach (`inputReads`: a tree of member names whose
 * leaves are values the policy may see whole). A policy that reads `input.jwt.payload` and
 * `input.request.http.{method,path}` then gets `{"jwt":{"payload":…},"request":{"http":{"method":…,"path":…}}}`
 * instead of every header and query parameter: less text to write and far less for the module to parse, and the
 * same answer, since nothing it could look at is missing. Modules built elsewhere (`opa build`) come without the
 * tree and get the whole document.
 *
 * The text of each kept part is exactly what `JSON.stringify(input)` would hold for it; anything that is not a
 * plain object on the way down is written whole, which is always correct.
 */
import type { InputReads } from '@opa-jwt/rego';

/**
 * JSON texts already made for objects of a document that do not change (a verified token's header and payload,
 * shared by every request that presents the token; see token-texts.ts), found by object.
 */
export type KnownTexts = WeakMap<object, string>;

/**
 * Writes the text the policy is given for `input`; throws what `JSON.stringify` throws (a BigInt, a cycle). Objects
 * with a known text are not written again.
 */
export type InputWriter = (input: unknown, known?: KnownTexts) => string | undefined;

function wholeText(value: unknown, known: KnownTexts | undefined): string | undefined {
  if (known !== undefined && typeof value === 'object' && value !== null) {
    const made = known.get(value);
    if (made !== undefined) return made;
  }
  return JSON.stringify(value);
}

/**
 * The members `JSON.stringify` writes (own, enumerable, string-named), listed once per object: asking for each
 * member with `propertyIsEnumerable` is a call into the runtime every time.
 */
export const enumerableOwnNames = (value: object): readonly string[] => Object.keys(value);
const tagOf = (value: object): string => Object.prototype.toString.call(value);

/**
 * Whether a value where the policy reads members is cut down to those members: only plain objects are; arrays,
 * primitives, boxed values and objects with toJSON are written whole.
 */
export function isCutDown(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function' &&
    tagOf(value) === '[object Object]'
  );
}

/** A writer for `reads`; `undefined` for "the whole document", which needs no writer of its own. */
export function inputWriter(reads: InputReads | undefined): InputWriter | undefined {
  if (reads === undefined || reads === true) return undefined;
  return writerFor(reads);
}

function writerFor(reads: InputReads): InputWriter {
  if (reads === true) return wholeText;
  const members = Object.keys(reads).map((name) => ({ name, prefix: `${JSON.stringify(name)}:`, write: writerFor(reads[name]) }));
  return (value, known) => {
    if (!isCutDown(value)) return wholeText(value, known);
    let out = '{';
    const own = enumerableOwnNames(value);
    for (const member of members) {
      if (!own.includes(member.name)) continue;
      // As JSON.stringify does, members whose value has no JSON text (undefined, a function) are left out.
      const text = member.write(value[member.name], known);
      if (text === undefined) continue;
      out += out.length === 1 ? member.prefix + text : `,${member.prefix}${text}`;
    }
    return `${out}}`;
  };
}

/** Whether a policy with `reads` can read the member at `path` (or anything inside it, or a member above it whole). */
export function readsMember(reads: InputReads | undefined, path: readonly string[]): boolean {
  let node: InputReads | undefined = reads;
  for (const member of path) {
    if (node === undefined) return true; // unknown reads: everything
    if (node === true) return true;
    if (!Object.prototype.hasOwnProperty.call(node, member)) return false;
    node = node[member];
  }
  return true;
}
