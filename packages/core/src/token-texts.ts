/**
 * The JSON texts of each verified token's header and payload, made once: the token cache keeps handing out the same
 * objects, so a repeated token costs no serialisation. The writer of a projected input and the memory of answers
 * find them by object; the whole document's text joins them.
 */
import type { KnownTexts } from './policy/input-writer';
import type { VerifiedToken } from './token-cache';

const texts: KnownTexts = new WeakMap();

/** The known texts, holding those of `verified`'s header and payload. */
export function tokenPartTexts(verified: VerifiedToken | undefined): KnownTexts {
  if (verified !== undefined && !texts.has(verified.payload)) {
    texts.set(verified.payload, JSON.stringify(verified.payload));
    texts.set(verified.header, JSON.stringify(verified.header));
  }
  return texts;
}

/** The whole token part's text of each verified token, made once. */
const wholeTexts = new WeakMap<VerifiedToken, string>();

/** `JSON.stringify({ header, payload })` of a verified token, from its remembered texts. */
export function tokenText(verified: VerifiedToken): string {
  let text = wholeTexts.get(verified);
  if (text === undefined) {
    const parts = tokenPartTexts(verified);
    text = `{"header":${parts.get(verified.header)},"payload":${parts.get(verified.payload)}}`;
    wholeTexts.set(verified, text);
  }
  return text;
}
