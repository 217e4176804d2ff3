/**
 * The `DEBUG` environment variable, read as the `debug` package reads it: names separated by commas or spaces,
 * `*` matching any run of characters, a leading `-` excluding a name (exclusions win). `DEBUG=opa-jwt`,
 * `DEBUG=opa-jwt*` and `DEBUG=express:*,opa-jwt` all turn on opa-jwt's debug records.
 */

export const DEBUG_NAMESPACE = 'opa-jwt';

function matches(pattern: string, namespace: string): boolean {
  const source = pattern.replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*?');
  return new RegExp(`^${source}$`).test(namespace);
}

/** Whether `value` (the `DEBUG` variable) turns on `namespace`. */
export function debugEnabled(value: string | undefined, namespace: string = DEBUG_NAMESPACE): boolean {
  if (!value) return false;
  const patterns = value.split(/[\s,]+/).filter((pattern) => pattern !== '');
  if (patterns.some((pattern) => pattern.startsWith('-') && matches(pattern.slice(1), namespace))) return false;
  return patterns.some((pattern) => !pattern.startsWith('-') && matches(pattern, namespace));
}
