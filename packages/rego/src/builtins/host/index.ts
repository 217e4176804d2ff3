/** Every host implementation, keyed by OPA builtin name (not yet by host call name; see ../index.ts). */
import { collectionBuiltins } from './collections';
import { cryptoBuiltins } from './crypto';
import { deprecatedBuiltins } from './deprecated';
import { encodingBuiltins } from './encoding';
import { graphBuiltins } from './graph';
import { jsonSchemaBuiltins } from './json-schema';
import { netBuiltins } from './net';
import { numberBuiltins } from './numbers';
import { objectBuiltins } from './objects';
import { operatorBuiltins } from './operators';
import { regexBuiltins } from './regex';
import { semverBuiltins } from './semver';
import { stringBuiltins } from './strings';
import { timeBuiltins } from './time';
import { tokenBuiltins } from './tokens';
import { traceBuiltins } from './trace';
import { typeBuiltins } from './type-checks';
import { unitBuiltins } from './units';
import { uuidBuiltins } from './uuid';
import { yamlBuiltins } from './yaml';
import type { Impl } from './values';

/** Merges the per-area tables; a name defined twice is a programming error, caught at load time. */
function merge(...tables: Array<Record<string, Impl>>): Readonly<Record<string, Impl>> {
  const out: Record<string, Impl> = {};
  for (const table of tables) {
    for (const [name, impl] of Object.entries(table)) {
      if (Object.prototype.hasOwnProperty.call(out, name)) throw new Error(`host builtin ${name} is defined twice`);
      out[name] = impl;
    }
  }
  return Object.freeze(out);
}

export const implementations = merge(
  operatorBuiltins,
  numberBuiltins,
  collectionBuiltins,
  objectBuiltins,
  typeBuiltins,
  stringBuiltins,
  regexBuiltins,
  encodingBuiltins,
  tokenBuiltins,
  timeBuiltins,
  netBuiltins,
  cryptoBuiltins,
  unitBuiltins,
  semverBuiltins,
  uuidBuiltins,
  jsonSchemaBuiltins,
  graphBuiltins,
  yamlBuiltins,
  traceBuiltins,
  deprecatedBuiltins,
);

export { BuiltinError } from './errors';
export { BIGINT_RESULTS } from './time';
export type { Impl } from './values';
