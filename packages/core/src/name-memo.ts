/**
 * What a function gives for texts a client chooses (header names, request targets), computed once per text: requests
 * repeat the same few dozen. Bounded: started afresh when `max` texts are remembered, and a text longer than
 * `maxLength` is computed each time, never remembered, so that clients sending ever new or ever longer ones cannot
 * grow it. `compute` must not return undefined (it may throw: nothing is remembered then).
 */
export function memoisedByName<T>(
  compute: (name: string) => T,
  { max = 1024, maxLength = 256 }: { max?: number; maxLength?: number } = {},
): (name: string) => T {
  const remembered = new Map<string, T>();
  return (name) => {
    if (name.length > maxLength) return compute(name);
    let value = remembered.get(name);
    if (value === undefined) {
      value = compute(name);
      if (remembered.size >= max) remembered.clear();
      remembered.set(name, value);
    }
    return value;
  };
}
