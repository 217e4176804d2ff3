/**
 * Results computed from policy-supplied text (regex patterns, globs, time layouts, key material),
 * kept across evaluations. Emptied once `limit` entries are held, so that a policy feeding ever new
 * text cannot grow it without bound; the few texts a policy really repeats come back at once.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** The value cached under `key`, computing (and caching) it first if absent. */
  get(key: string, compute: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined || this.entries.has(key)) return hit as V;
    const value = compute();
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}
