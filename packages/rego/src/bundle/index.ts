export { writeBundle, readBundle, manifestFor, normalizePath, BundleError } from './bundle';
export type { Bundle, BundleManifest, RegoFile, WasmResolver, WriteBundleOptions } from './bundle';
export { writeTar, readTar, TarFormatError } from './tar';
export type { TarEntry, TarInput } from './tar';
