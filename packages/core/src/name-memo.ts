/**
 * What a function gives for names a client chooses (header names, say), computed once per name: requests repeat the
 * same few dozen names. Bounded: started afresh when `max` names are remembered, so that clients sending ever new
 * names cannot grow it. `compute` must not return undefined.
 */
export function memoisedByName<T>(compute: (name: string) => T, max = 1024): (name: string) => T {
  const remembered = new Map<string, T>();
  return (name) => {
    let value = remembered.get(name);
    if (value === undefined) {
      value = compute(name);
      if (remembered.size >= max) remembered.clear();
      remembered.set(name, value);
    }
    return value;
  };
}
