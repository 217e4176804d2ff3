/**
 * OPA keeps `time.now_ns`, `rand.intn` and `uuid.rfc4122` stable within one query evaluation.
 * The SDK evaluates synchronously and calls host builtins from inside that synchronous run, so a
 * cache cleared on the next microtask lives exactly as long as the evaluation that filled it
 * (or several evaluations run back to back in the same synchronous block, which is harmless).
 */
const cache = new Map<string, unknown>();
let clearScheduled = false;

export function perEvaluation<T>(key: string, compute: () => T): T {
  if (cache.has(key)) return cache.get(key) as T;
  const value = compute();
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
