/**
 * The remembered answers of one deterministic entrypoint, found from the input document itself: no text is written
 * and no long string hashed to find one.
 *
 * The document is walked along the policy's reads tree (input-writer.ts), in the order the writer writes it, and
 * each step is one piece: a member that is absent, an object cut down to its members, or a value written whole:
 * a primitive or an object whose text is known (a verified token's payload), both as map keys (by value, by
 * identity), or the text of any other value. The pieces lead through a tree of maps to the answer. Two documents
 * that lead to the same answer give the same pieces, and the same pieces mean the same text for the policy: each
 * piece fixes what the writer writes for its part (texts never share a map with values, and maps keep `"1"`, `1` and
 * an object apart). The converse need not hold (`NaN` and `null` are both written `null`): that costs an evaluation,
 * never a wrong answer.
 *
 * Bounded by the engine, which starts every memory of a policy afresh when they hold too many answers; a document
 * whose pieces hold more than `MAX_KEY_CHARACTERS` characters is not remembered.
 */
import type { InputReads } from '@opa-jwt/rego';
import { enumerableOwnNames, isCutDown, type KnownTexts } from './input-writer';

const MAX_KEY_CHARACTERS = 4096;

enum Piece {
  /** A member the text leaves out (not an own enumerable member, or a value with no JSON text). */
  Absent,
  /** An object cut down to the members read: its members' pieces follow. */
  CutDown,
  /** A string, number, boolean or null by value, or an object whose text is known by identity. */
  Value,
  /** The JSON text of any other value. */
  Text,
}

class Node {
  answer: unknown = undefined;
  absent?: Node;
  cutDown?: Node;
  values?: Map<unknown, Node>;
  texts?: Map<string, Node>;
}

/** What a walk does with each piece; false stops the walk. */
interface Visitor {
  piece(kind: Piece, key: unknown): boolean;
}

type Walk = (value: unknown, known: KnownTexts | undefined, visitor: Visitor) => boolean;

/** A value written whole: its piece. Throws what `JSON.stringify` throws. */
function walkWhole(value: unknown, known: KnownTexts | undefined, visitor: Visitor): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return visitor.piece(Piece.Value, value);
    case 'object':
      if (value === null || (known !== undefined && known.has(value))) return visitor.piece(Piece.Value, value);
      break;
  }
  const text = JSON.stringify(value);
  return text === undefined ? visitor.piece(Piece.Absent, undefined) : visitor.piece(Piece.Text, text);
}

function walkerFor(reads: InputReads): Walk {
  if (reads === true) return walkWhole;
  const members = Object.keys(reads).map((name) => ({ name, walk: walkerFor(reads[name]) }));
  return (value, known, visitor) => {
    if (!isCutDown(value)) return walkWhole(value, known, visitor);
    if (!visitor.piece(Piece.CutDown, undefined)) return false;
    const own = enumerableOwnNames(value);
    for (const member of members) {
      const kept = own.includes(member.name) ? member.walk(value[member.name], known, visitor) : visitor.piece(Piece.Absent, undefined);
      if (!kept) return false;
    }
    return true;
  };
}

/** Follows the pieces from the root; stops where no answer was remembered on the way. */
class Finder implements Visitor {
  constructor(public node: Node) {}

  piece(kind: Piece, key: unknown): boolean {
    const next = childOf(this.node, kind, key);
    if (next === undefined) return false;
    this.node = next;
    return true;
  }
}

/** Gathers the pieces, and their characters. */
class Collector implements Visitor {
  readonly pieces: Array<[Piece, unknown]> = [];
  characters = 0;

  piece(kind: Piece, key: unknown): boolean {
    this.pieces.push([kind, key]);
    if (typeof key === 'string') this.characters += key.length;
    return this.characters <= MAX_KEY_CHARACTERS;
  }
}

function childOf(node: Node, kind: Piece, key: unknown): Node | undefined {
  switch (kind) {
    case Piece.Absent:
      return node.absent;
    case Piece.CutDown:
      return node.cutDown;
    case Piece.Value:
      return node.values?.get(key);
    case Piece.Text:
      return node.texts?.get(key as string);
  }
}

function addChild(node: Node, kind: Piece, key: unknown): Node {
  const existing = childOf(node, kind, key);
  if (existing !== undefined) return existing;
  const child = new Node();
  switch (kind) {
    case Piece.Absent:
      node.absent = child;
      break;
    case Piece.CutDown:
      node.cutDown = child;
      break;
    case Piece.Value:
      (node.values ??= new Map()).set(key, child);
      break;
    case Piece.Text:
      (node.texts ??= new Map()).set(key, child);
      break;
  }
  return child;
}

export class AnswerMemory {
  private readonly walk: Walk;
  private root = new Node();

  /** `reads`: the entrypoint's reads tree (`true`: the whole document). */
  constructor(reads: InputReads) {
    this.walk = walkerFor(reads);
  }

  /**
   * The answer remembered for `input` (with `known`, the texts its writer was given), or undefined. Throws what
   * writing the document would throw.
   */
  get(input: unknown, known: KnownTexts | undefined): unknown {
    const finder = new Finder(this.root);
    return this.walk(input, known, finder) ? finder.node.answer : undefined;
  }

  /**
   * Remembers `answer` (not undefined) for `input`; true when it is a new answer (not one replaced, nor a document
   * too large to be remembered).
   */
  set(input: unknown, known: KnownTexts | undefined, answer: unknown): boolean {
    const collector = new Collector();
    if (!this.walk(input, known, collector)) return false;
    let node = this.root;
    for (const [kind, key] of collector.pieces) node = addChild(node, kind, key);
    const added = node.answer === undefined;
    node.answer = answer;
    return added;
  }

  clear(): void {
    this.root = new Node();
  }
}
