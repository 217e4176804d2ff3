/**
 * `trace(note)`: always true. OPA records the note in its evaluation trace (shown by `opa test -v`); a module
 * running on the SDK has no trace, so this is a no-op. The test runner passes its own `trace` to record notes.
 */
import { Impl, isString } from './values';

export const traceBuiltins: Record<string, Impl> = {
  trace: (note) => (isString(note) ? true : undefined),
};
