import type { Location } from './ast';

/**
 * A parse failure inside the parser. It is deliberately not an `Error`: the parser backtracks
 * in a few ambiguous spots (`{x | y}`, `p if {...}`), and capturing a stack trace for every
 * abandoned attempt would be wasted work. `parseModule` turns the one that escapes into a
 * `RegoCompileError`.
 */
export class ParseFailure {
  constructor(
    readonly text: string,
    readonly location: Location,
  ) {}
}
