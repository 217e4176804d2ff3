/**
 * "Did you mean …": the closest of a list of names to a mistyped one, by edit distance, for start-up errors that name
 * an entrypoint the policy does not define.
 */

/** Levenshtein distance (insertions, deletions, substitutions), in O(a·b) time and O(b) memory. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate closest to `wanted`, when it is close enough to be a likely typo (at most a third of the longer
 * name's length, and at least one edit away); ties go to the first candidate.
 */
function closestName(wanted: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(wanted.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(1, Math.floor(Math.max(wanted.length, best.length) / 3)) ? best : undefined;
}

/** ` (did you mean "x"? rules: a, b, c)`: the suffix of an unknown-entrypoint error; at most `limit` names listed. */
export function entrypointHint(wanted: string, names: string[], limit = 20): string {
  if (names.length === 0) return '';
  const sorted = [...names].sort();
  const closest = closestName(wanted, sorted);
  const listed = sorted.length > limit ? `${sorted.slice(0, limit).join(', ')}, … (${sorted.length} in all)` : sorted.join(', ');
  return ` (${closest === undefined ? '' : `did you mean "${closest}"? `}the policy defines: ${listed})`;
}
