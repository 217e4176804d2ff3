/**
 * How deep client-supplied JSON (token claims, a JSON-RPC message) may nest before it is refused: far beyond any real
 * document, well within what the policy module's JSON reader (2000 levels for the whole input) and V8's recursive
 * JSON.stringify accept, so that such input is a 4xx of its own rather than a failed evaluation (500).
 */
export const MAX_JSON_DEPTH = 256;

/** True when `value` holds objects or arrays nested more than `limit` levels deep; stops walking at the limit. */
export function nestedDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestedDeeperThan(item, limit - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key) && nestedDeeperThan((value as Record<string, unknown>)[key], limit - 1))
      return true;
  }
  return false;
}
