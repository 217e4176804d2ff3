/**
 * The JSON texts of each verified token's header and payload, made once: the token cache keeps handing out the same
 * objects, so a repeated token costs no serialisation. The writer of a projected input finds them by object (and
 * puts their marks in memory keys); the whole document's text joins them.
 */
import type { KnownText } from './policy/input-writer';
import type { VerifiedToken } from './token-cache';

const texts = new WeakMap<object, KnownText>();

/** Marks made so far: each text gets the next number, so no two texts share a mark in this process. */
let marks = 0;

function known(value: object): KnownText {
  marks++;
  return { text: JSON.stringify(value), mark: `\u0000${marks}\u0000` };
}

/** The known texts, holding those of `verified`'s header and payload. */
export function tokenPartTexts(verified: VerifiedToken | undefined): WeakMap<object, KnownText> {
  if (verified !== undefined && !texts.has(verified.payload)) {
    texts.set(verified.payload, known(verified.payload));
    texts.set(verified.header, known(verified.header));
  }
  return texts;
}

/** `JSON.stringify({ header, payload })` of a verified token, from its remembered texts. */
export function tokenText(verified: VerifiedToken): string {
  const parts = tokenPartTexts(verified);
  return `{"header":${parts.get(verified.header)!.text},"payload":${parts.get(verified.payload)!.text}}`;
}
