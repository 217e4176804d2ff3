/**
 * graph.reachable and graph.reachable_paths (OPA topdown/reachable.go). A graph is an object from node to its
 * neighbours (an array or set); only nodes that are keys of the graph count as reached. Across JSON, keys are
 * strings, so only string nodes can be looked up (the catalog marks these needsNativeValues).
 */
import { Impl, clone, isArray, isObject, toSet, type JsonObject } from './values';

/** A value's identity for the visited sets: JSON with object keys sorted. */
function keyOf(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    isObject(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, value[k]]),
        )
      : value,
  );
}

/** The neighbours of `node`, or undefined when the node is not in the graph (a non-collection has none). */
function edgesOf(graph: JsonObject, node: unknown): unknown[] | undefined {
  if (typeof node !== 'string' || !Object.prototype.hasOwnProperty.call(graph, node)) return undefined;
  const edges = graph[node];
  return isArray(edges) ? edges : [];
}

function reachable(graph: unknown, initial: unknown): unknown {
  if (!isObject(graph) || !isArray(initial)) return undefined;
  const reached = new Map<string, unknown>();
  const queue = [...initial];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    const edges = edgesOf(graph, node);
    if (!edges) continue;
    for (const neighbour of edges) if (!reached.has(keyOf(neighbour))) queue.push(neighbour);
    reached.set(keyOf(node), node);
  }
  return clone(toSet([...reached.values()]));
}

function reachablePaths(graph: unknown, initial: unknown): unknown {
  if (!isObject(graph) || !isArray(initial)) return undefined;
  const paths: unknown[][] = [];
  const build = (root: unknown, path: unknown[], reached: Set<string>): void => {
    const edges = edgesOf(graph, root);
    if (!edges) {
      paths.push(path);
      return;
    }
    const extended = [...path, root];
    if (edges.length === 0) {
      paths.push(extended);
      return;
    }
    const seen = new Set(reached).add(keyOf(root));
    for (const neighbour of edges) {
      if (seen.has(keyOf(neighbour))) paths.push(extended);
      else build(neighbour, extended, seen);
    }
  };
  for (const node of initial) {
    const edges = edgesOf(graph, node);
    if (!edges) continue;
    if (edges.length === 0) paths.push([node]);
    else for (const neighbour of edges) build(neighbour, [node], new Set([keyOf(node)]));
  }
  return clone(toSet(paths));
}

export const graphBuiltins: Record<string, Impl> = {
  'graph.reachable': reachable,
  'graph.reachable_paths': reachablePaths,
};
