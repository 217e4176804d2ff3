/**
 * OPA keeps `time.now_ns`, `rand.intn` and `uuid.rfc4122` stable within one query evaluation.
 * The SDK evaluates synchronously and calls host builtins from inside that synchronous run, so a
 * cache cleared on the next microtask lives exactly as long as the evaluation that filled it.
 * Evaluations run back to back in one synchronous block (a tight loop that never yields) share it,
 * which is harmless for the clock; the size cap keeps such a loop from growing it without bound
 * when every evaluation asks for a fresh seed.
 */
const cache = new Map<string, unknown>();
let clearScheduled = false;

/** Far more distinct seeds than one evaluation plausibly uses. */
const MAX_ENTRIES = 10_000;

export function perEvaluation<T>(key: string, compute: () => T): T {
  if (cache.has(key)) return cache.get(key) as T;
  const value = compute();
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, value);
  if (!clearScheduled) {
    clearScheduled = true;
    queueMicrotask(() => {
      cache.clear();
      clearScheduled = false;
    });
  }
  return value;
}
