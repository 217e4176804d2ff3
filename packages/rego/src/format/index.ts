/** Formatting of Rego source in the canonical style of `opa fmt`. */
export { formatModule } from './format';
export type { FormatOptions } from './format';
