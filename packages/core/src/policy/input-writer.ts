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
 * The JSON text of an object that does not change (a verified token's header and payload, shared by every request
 * that presents the token), and the mark that stands for it in memory keys: a string holding U+0000, which never
 * appears raw in JSON text, unique to this text (see token-texts.ts).
 */
export interface KnownText {
  readonly text: string;
  readonly mark: string;
}

/**
 * Writes the text the policy is given for `input`; throws what `JSON.stringify` throws (a BigInt, a cycle).
 * `known`: texts already made for objects of the document, used instead of writing them again. `asKey`: write the
 * document's memory key instead, the same text with each known object's mark in place of its text: short to hash
 * (the marks stand for the long parts), and equal keys mean equal texts.
 */
export type InputWriter = (input: unknown, known?: WeakMap<object, KnownText>, asKey?: boolean) => string | undefined;

function wholeText(value: unknown, known: WeakMap<object, KnownText> | undefined, asKey: boolean | undefined): string | undefined {
  if (known !== undefined && typeof value === 'object' && value !== null) {
    const made = known.get(value);
    if (made !== undefined) return asKey === true ? made.mark : made.text;
  }
  return JSON.stringify(value);
}

const isEnumerableOwn = (value: object, name: string): boolean => Object.prototype.propertyIsEnumerable.call(value, name);
const tagOf = (value: object): string => Object.prototype.toString.call(value);

/** A writer for `reads`; `undefined` for "the whole document", which needs no writer of its own. */
export function inputWriter(reads: InputReads | undefined): InputWriter | undefined {
  if (reads === undefined || reads === true) return undefined;
  return writerFor(reads);
}

function writerFor(reads: InputReads): InputWriter {
  if (reads === true) return wholeText;
  const members = Object.keys(reads).map((name) => ({ name, prefix: `${JSON.stringify(name)}:`, write: writerFor(reads[name]) }));
  return (value, known, asKey) => {
    // Only plain objects are cut down; arrays, primitives, boxed values and objects with toJSON are written whole.
    if (
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value) ||
      typeof (value as { toJSON?: unknown }).toJSON === 'function' ||
      tagOf(value) !== '[object Object]'
    )
      return wholeText(value, known, asKey);
    let out = '{';
    for (const member of members) {
      if (!isEnumerableOwn(value, member.name)) continue;
      // As JSON.stringify does, members whose value has no JSON text (undefined, a function) are left out.
      const text = member.write((value as Record<string, unknown>)[member.name], known, asKey);
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
