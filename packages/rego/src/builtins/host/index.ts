/** Every host implementation, keyed by OPA builtin name (not yet by host call name; see ../index.ts). */
import { collectionBuiltins } from './collections';
import { cryptoBuiltins } from './crypto';
import { encodingBuiltins } from './encoding';
import { netBuiltins } from './net';
import { numberBuiltins } from './numbers';
import { objectBuiltins } from './objects';
import { operatorBuiltins } from './operators';
import { regexBuiltins } from './regex';
import { semverBuiltins } from './semver';
import { stringBuiltins } from './strings';
import { timeBuiltins } from './time';
import { tokenBuiltins } from './tokens';
import { typeBuiltins } from './type-checks';
import { unitBuiltins } from './units';
import { uuidBuiltins } from './uuid';
import type { Impl } from './values';

export const implementations: Readonly<Record<string, Impl>> = Object.freeze({
  ...operatorBuiltins,
  ...numberBuiltins,
  ...collectionBuiltins,
  ...objectBuiltins,
  ...typeBuiltins,
  ...stringBuiltins,
  ...regexBuiltins,
  ...encodingBuiltins,
  ...tokenBuiltins,
  ...timeBuiltins,
  ...netBuiltins,
  ...cryptoBuiltins,
  ...unitBuiltins,
  ...semverBuiltins,
  ...uuidBuiltins,
});

export { BuiltinError } from './errors';
export type { Impl } from './values';
