export { writeBundle, readBundle, manifestFor, normalizePath, mergeData, BundleError } from './bundle';
export type { Bundle, BundleManifest, RegoFile, WasmResolver, WriteBundleOptions } from './bundle';
export { writeTar, readTar, TarFormatError } from './tar';
export type { TarEntry, TarInput } from './tar';
export {
  signBundle,
  signFiles,
  signingKey,
  fileDigest,
  canonicalJson,
  isStructured,
  SIGNATURES_FILE,
  SignatureFormatError,
} from './signatures';
export type { SigningOptions } from './signatures';
