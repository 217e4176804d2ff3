// walk(x): every [path, value] pair below x, x itself first with path [], then each child's pairs
// in OPA's order (array indexes ascending, object keys and set members sorted; a set member is
// its own path segment). Rego uses walk as a relation, `walk(x, [path, value])`: the planner
// calls it once and scans the array this returns, unifying each pair with the output term.
import { Value, ArrV, K_ARR, K_OBJ, K_SET, asArr, asColl, ensureSorted, mkNum } from "./values";

function pair(path: ArrV, depth: i32, v: Value): ArrV {
  let p = new ArrV(depth);
  for (let i = 0; i < depth; i++) p.push(path.get(i));
  let out = new ArrV(2);
  out.push(p);
  out.push(v);
  return out;
}

/** Appends the pairs of v, reached by path[0..depth), to out. `path` is a scratch stack. */
function visit(out: ArrV, path: ArrV, depth: i32, v: Value): void {
  out.push(pair(path, depth, v));
  let kind = v.kind;
  if (kind != K_ARR && kind != K_OBJ && kind != K_SET) return;
  if (path.len == depth) path.push(v); else path.set(depth, v); // reserve the slot
  if (kind == K_ARR) {
    let a = asArr(v);
    for (let i = 0; i < a.len; i++) {
      path.set(depth, mkNum(<f64>i));
      visit(out, path, depth + 1, a.get(i));
    }
  } else {
    let c = asColl(v);
    ensureSorted(c);
    let isObj = kind == K_OBJ;
    for (let i = 0; i < c.len; i++) {
      path.set(depth, c.key(i));
      visit(out, path, depth + 1, isObj ? c.val(i) : c.key(i));
    }
  }
}

export function walk(x: Value): ArrV {
  let out = new ArrV(16);
  visit(out, new ArrV(8), 0, x);
  return out;
}
