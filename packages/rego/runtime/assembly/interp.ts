// Executes the decoded plan (see plan.ts for the word code, src/plan/ir.ts for the semantics).
//
// A statement list returns a status: 0 = ran to its end, -1 = a statement failed (undefined),
// k >= 1 = `break k-1` on its way out. Blocks, scans and withs absorb a failure and `break 0`
// and pass larger breaks outwards, one level less each.
//
// State that outlives one evaluation (stack, memo tables, override stack) is allocated at start,
// below the heap base; everything an evaluation allocates is dropped by the SDK's heap reset.
import {
  Value, StrV, ArrV, CollV, NumV, mkInt, arrayIndex, K_NUM, K_STR, K_ARR, K_OBJ, K_SET, NULL,
  asArr, asColl, asStr, numOf, equal, collFind, objGet, objPut, setAdd, ensureSorted,
  newObj, newSet, objCopy, arrToSet, strEqual,
} from "./values";
import {
  OP_END, OP_CONST, OP_MOVE, OP_INPUT, OP_DATA, OP_DOT, OP_SCAN, OP_BLOCK, OP_BREAK, OP_EQUAL,
  OP_ISDEF, OP_ISUNDEF, OP_RESET, OP_ISTYPE, OP_ARRAYLEN, OP_CALLN, OP_CALLH, OP_CALLFN,
  OP_MAKEARRAY, OP_MAKEOBJECT, OP_MAKESET, OP_ARRAYAPPEND, OP_SETADD, OP_OBJINSERT,
  OP_OBJINSERTONCE, OP_ASSIGNONCE, OP_WITH, OP_PRINT, OP_ERROR, OP_WITHMOCK, OP_MOCKVALUE,
  CALLH_SET_MASK, CALLH_TEXT_SHIFT, FUNC_WORDS, F_LOCALS, F_RESULT, F_MEMO, F_CODE, F_PATH, funcs, funcCount, stackBytes, withCount,
  mockSlots,
} from "./plan";
import { callNative, hostFallbackId, hostFallbackMode } from "./natives";
import { HOST_FALLBACK } from "./sprintf";
import { fail, failBytes, budgetTick, resetBudgetTicks, opa_builtin0, opa_builtin1, opa_builtin2, opa_builtin3, opa_builtin4, opa_println } from "./host";
import { outStart, outAscii, outByte, outFinishZ, outFinishStr } from "./json";
import { outPrintArg, outRego } from "./text";

let stackBase: usize = 0;
let stackEnd: usize = 0;
let sp: usize = 0;
let memoGen: usize = 0;
let memoVal: usize = 0;
let gen: i32 = 0;
let curInput: usize = 0;
let curData: usize = 0;
let withDepth: i32 = 0;
// `with data...` overrides in effect, outermost first: path (ArrV of StrV) and value.
let ovPaths: usize = 0;
let ovVals: usize = 0;
let ovCount: i32 = 0;
// Values of the mock slots (`with f as v`, v known only at run time); 0 outside their `withmock`.
let mockVals: usize = 0;

const SMALL_INTS: i32 = 1024;
let smallInts: usize = 0;

/** Allocates the state that lives as long as the module (call once, after the plan is loaded). */
export function initInterpreter(): void {
  stackBase = __alloc(stackBytes);
  stackEnd = stackBase + stackBytes;
  sp = stackBase;
  let n: usize = (funcCount > 0 ? <usize>funcCount : 1) << 2;
  memoGen = __alloc(n);
  memory.fill(memoGen, 0, n);
  memoVal = __alloc(n);
  let w = <usize>(withCount + 1) << 2;
  ovPaths = __alloc(w);
  ovVals = __alloc(w);
  let m = <usize>(mockSlots + 1) << 2;
  mockVals = __alloc(m);
  memory.fill(mockVals, 0, m);
  smallInts = __alloc(<usize>SMALL_INTS << 2);
  for (let i = 0; i < SMALL_INTS; i++) store<usize>(smallInts + (<usize>i << 2), changetype<usize>(mkInt(<i64>i)));
}

@inline function intValue(i: i32): usize {
  return i < SMALL_INTS ? load<usize>(smallInts + (<usize>i << 2)) : changetype<usize>(mkInt(<i64>i));
}

@inline function W(pc: usize, i: i32): i32 { return load<i32>(pc + (<usize>i << 2)); }
@inline function get(fp: usize, off: i32): usize { return load<usize>(fp + <usize>off); }
@inline function put(fp: usize, off: i32, v: usize): void { store<usize>(fp + <usize>off, v); }
@inline function V(p: usize): Value { return changetype<Value>(p); }

/**
 * Evaluates entry function `f` with the given documents (0 = absent input); returns its value or 0.
 * Resets all per-evaluation state first: an aborted evaluation leaves it behind.
 */
export function evaluate(f: i32, data: usize, input: usize): usize {
  // A memo entry is valid while its generation is the current one. Before the counter could come
  // round to an old value (after 2^31 evaluations), forget every entry.
  if (gen == i32.MAX_VALUE) {
    memory.fill(memoGen, 0, (funcCount > 0 ? <usize>funcCount : 1) << 2);
    gen = 0;
  }
  gen++;
  resetBudgetTicks();
  sp = stackBase;
  withDepth = 0;
  ovCount = 0;
  curInput = input;
  curData = data != 0 ? data : changetype<usize>(newObj());
  return invoke(f, 0, 0, 0);
}

function funcRec(f: i32): usize { return funcs + (<usize>(f * FUNC_WORDS) << 2); }

function callFunc(f: i32, callerFp: usize, argsPc: usize, nargs: i32): usize {
  let rec = funcRec(f);
  let memo = load<i32>(rec + (F_MEMO << 2)) != 0 && withDepth == 0;
  let slot = <usize>f << 2;
  if (memo && load<i32>(memoGen + slot) == gen) return load<usize>(memoVal + slot);
  let path = <usize>load<i32>(rec + (F_PATH << 2));
  let r = ovCount > 0 && path != 0 ? overridden(f, changetype<ArrV>(path)) : invoke(f, callerFp, argsPc, nargs);
  if (memo) {
    store<i32>(memoGen + slot, gen);
    store<usize>(memoVal + slot, r);
  }
  return r;
}

function invoke(f: i32, callerFp: usize, argsPc: usize, nargs: i32): usize {
  budgetTick();
  let rec = funcRec(f);
  let size = <usize>load<i32>(rec + (F_LOCALS << 2));
  let fp = sp;
  if (fp + size > stackEnd) fail("internal error: evaluation stack exhausted");
  memory.fill(fp, 0, size);
  for (let i = 0; i < nargs; i++) {
    let v = get(callerFp, W(argsPc, i));
    if (v == 0) return 0;
    store<usize>(fp + (<usize>i << 2), v);
  }
  sp = fp + size;
  run(<usize>load<i32>(rec + (F_CODE << 2)), fp);
  let r = get(fp, load<i32>(rec + (F_RESULT << 2)));
  sp = fp;
  return r;
}

// ---------------------------------------------------------------- with

function pathStartsWith(p: ArrV, prefix: ArrV): bool {
  if (prefix.len > p.len) return false;
  for (let i = 0; i < prefix.len; i++) if (!strEqual(asStr(p.get(i)), asStr(prefix.get(i)))) return false;
  return true;
}

/** The value below `doc` at path[from..], or 0. */
function lookup(doc: usize, path: ArrV, from: i32): usize {
  let cur = doc;
  for (let i = from; i < path.len && cur != 0; i++) {
    if (V(cur).kind != K_OBJ) return 0;
    let v = objGet(asColl(V(cur)), path.get(i));
    cur = v === null ? 0 : changetype<usize>(v);
  }
  return cur;
}

/** A copy of `doc` with path[from..] set to v, copying only the objects along the path. */
function patched(doc: usize, path: ArrV, from: i32, v: usize): usize {
  if (from == path.len) return v;
  let obj: CollV;
  let child: usize = 0;
  if (doc != 0 && V(doc).kind == K_OBJ) {
    obj = objCopy(asColl(V(doc)));
    let c = objGet(obj, path.get(from));
    if (c !== null) child = changetype<usize>(c);
  } else obj = newObj();
  objPut(obj, path.get(from), V(patched(child, path, from + 1, v)));
  return changetype<usize>(obj);
}

/** The value of the rule or package at `path` while `with data...` overrides are in effect. */
function overridden(f: i32, path: ArrV): usize {
  // The last override at or above the document replaces it entirely; later ones below it patch it.
  let from = -1;
  for (let i = 0; i < ovCount; i++) {
    if (pathStartsWith(path, changetype<ArrV>(load<usize>(ovPaths + (<usize>i << 2))))) from = i;
  }
  let cur: usize;
  if (from >= 0) {
    let q = changetype<ArrV>(load<usize>(ovPaths + (<usize>from << 2)));
    cur = lookup(load<usize>(ovVals + (<usize>from << 2)), path, q.len);
  } else cur = invoke(f, 0, 0, 0);
  for (let i = from + 1; i < ovCount; i++) {
    let q = changetype<ArrV>(load<usize>(ovPaths + (<usize>i << 2)));
    if (q.len > path.len && pathStartsWith(q, path)) cur = patched(cur, q, path.len, load<usize>(ovVals + (<usize>i << 2)));
  }
  return cur;
}

/** `withmock`: runs the body with the mock slot holding the value; like `with`, it bypasses memoisation. */
function withMockStmt(pc: usize, fp: usize): i32 {
  let v = get(fp, W(pc, 2));
  if (v == 0) return -1;
  let at = mockVals + (<usize>W(pc, 1) << 2);
  let saved = load<usize>(at);
  store<usize>(at, v);
  withDepth++;
  let st = run(pc + 16, fp);
  withDepth--;
  store<usize>(at, saved);
  return st > 1 ? st - 1 : 0;
}

// ---------------------------------------------------------------- statements

function dot(src: Value, key: Value): usize {
  switch (src.kind) {
    case K_OBJ: {
      let v = objGet(asColl(src), key);
      return v === null ? 0 : changetype<usize>(v);
    }
    case K_ARR: {
      let a = asArr(src);
      let i = arrayIndex(key, a.len);
      return i < 0 ? 0 : changetype<usize>(a.get(i));
    }
    case K_SET: {
      let c = asColl(src);
      let i = collFind(c, key);
      return i < 0 ? 0 : changetype<usize>(c.key(i));
    }
  }
  return 0;
}

function callHost(id: i32, mode: i32, fp: usize, argsPc: usize, n: i32): usize {
  let a: usize = 0, b: usize = 0, c: usize = 0, d: usize = 0;
  if (n > 0) { a = get(fp, W(argsPc, 0)); if (a == 0) return 0; }
  if (n > 1) { b = get(fp, W(argsPc, 1)); if (b == 0) return 0; }
  if (n > 2) { c = get(fp, W(argsPc, 2)); if (c == 0) return 0; }
  if (n > 3) { d = get(fp, W(argsPc, 3)); if (d == 0) return 0; }
  let textArg = (mode >> CALLH_TEXT_SHIFT) - 1;
  if (textArg >= 0) {
    if (textArg == 0) a = withRegoText(a);
    else if (textArg == 1) b = withRegoText(b);
    else if (textArg == 2) c = withRegoText(c);
    else d = withRegoText(d);
  }
  let setMode = mode & CALLH_SET_MASK;
  let r: usize;
  switch (n) {
    case 0: r = opa_builtin0(id, 0); break;
    case 1: r = opa_builtin1(id, 0, a); break;
    case 2: r = opa_builtin2(id, 0, a, b); break;
    case 3: r = opa_builtin3(id, 0, a, b, c); break;
    case 4: r = opa_builtin4(id, 0, a, b, c, d); break;
    default: fail("internal error: builtin arity"); return 0;
  }
  // The SDK returns 0 when the implementation returned undefined: the call is undefined.
  if (r == 0) return 0;
  // Sets travel to and from the host as arrays.
  if (V(r).kind == K_ARR && (setMode == 1 || (setMode == 2 && V(a).kind == K_SET))) r = changetype<usize>(arrToSet(asArr(V(r))));
  return r;
}

/** An array whose elements other than numbers and strings are replaced by their Rego text (see CALLH_TEXT_SHIFT). */
function withRegoText(arr: usize): usize {
  if (arr == 0 || V(arr).kind != K_ARR) return arr;
  let a = asArr(V(arr));
  let out = new ArrV(a.len);
  for (let i = 0; i < a.len; i++) {
    let x = a.get(i);
    if (x.kind == K_NUM || x.kind == K_STR) { out.push(x); continue; }
    outStart();
    outRego(x);
    out.push(outFinishStr());
  }
  return changetype<usize>(out);
}

function callNativeAt(id: i32, fp: usize, argsPc: usize, n: i32): usize {
  let a: usize = changetype<usize>(NULL), b: usize = changetype<usize>(NULL), c: usize = changetype<usize>(NULL);
  if (n > 0) { a = get(fp, W(argsPc, 0)); if (a == 0) return 0; }
  if (n > 1) { b = get(fp, W(argsPc, 1)); if (b == 0) return 0; }
  if (n > 2) { c = get(fp, W(argsPc, 2)); if (c == 0) return 0; }
  let r = callNative(id, V(a), V(b), V(c));
  if (r === HOST_FALLBACK) {
    // a rare case the native code leaves to the host implementation of the same builtin
    let hostId = hostFallbackId(id);
    if (hostId < 0) fail("internal error: native builtin needs its host implementation, which the module does not list");
    return callHost(hostId, hostFallbackMode(id), fp, argsPc, n);
  }
  return r === null ? 0 : changetype<usize>(r);
}

function abortWith(msg: usize): void {
  let s = changetype<StrV>(msg);
  failBytes(s.ptr, s.len);
}

function print(fp: usize, argsPc: usize, n: i32): void {
  outStart();
  for (let i = 0; i < n; i++) {
    if (i > 0) outByte(0x20);
    let v = get(fp, W(argsPc, i));
    if (v == 0) outAscii("<undefined>"); else outPrintArg(V(v));
  }
  opa_println(outFinishZ());
}

/** Runs one scan body per element; returns the scan's own status. */
function scan(src: Value, keyOff: i32, valOff: i32, body: usize, fp: usize): i32 {
  let kind = src.kind;
  if (kind == K_ARR) {
    let a = asArr(src);
    for (let i = 0; i < a.len; i++) {
      budgetTick();
      if (keyOff >= 0) put(fp, keyOff, intValue(i));
      if (valOff >= 0) put(fp, valOff, changetype<usize>(a.get(i)));
      let st = run(body, fp);
      if (st == 1) break;
      if (st > 1) return st - 1;
    }
    return 0;
  }
  if (kind == K_OBJ || kind == K_SET) {
    let c = asColl(src);
    ensureSorted(c);
    let isObj = kind == K_OBJ;
    for (let i = 0; i < c.len; i++) {
      budgetTick();
      let k = changetype<usize>(c.key(i));
      if (keyOff >= 0) put(fp, keyOff, k);
      if (valOff >= 0) put(fp, valOff, isObj ? changetype<usize>(c.val(i)) : k);
      let st = run(body, fp);
      if (st == 1) break;
      if (st > 1) return st - 1;
    }
    return 0;
  }
  return -1;
}

function withStmt(pc: usize, fp: usize): i32 {
  let v = get(fp, W(pc, 3));
  if (v == 0) return -1;
  let path = changetype<ArrV>(<usize>W(pc, 2));
  let body = pc + 20;
  let st: i32;
  withDepth++;
  if (W(pc, 1) == 0) {
    let saved = curInput;
    curInput = patched(curInput, path, 0, v);
    st = run(body, fp);
    curInput = saved;
  } else {
    let saved = curData;
    curData = patched(curData, path, 0, v);
    store<usize>(ovPaths + (<usize>ovCount << 2), changetype<usize>(path));
    store<usize>(ovVals + (<usize>ovCount << 2), v);
    ovCount++;
    st = run(body, fp);
    ovCount--;
    curData = saved;
  }
  withDepth--;
  return st > 1 ? st - 1 : 0;
}

export function run(pc: usize, fp: usize): i32 {
  while (true) {
    switch (load<i32>(pc)) {
      case OP_END: return 0;
      case OP_CONST: {
        put(fp, W(pc, 1), <usize>W(pc, 2));
        pc += 12;
        continue;
      }
      case OP_MOVE: {
        let v = get(fp, W(pc, 2));
        if (v == 0) return -1;
        put(fp, W(pc, 1), v);
        pc += 12;
        continue;
      }
      case OP_INPUT: {
        if (curInput == 0) return -1;
        put(fp, W(pc, 1), curInput);
        pc += 8;
        continue;
      }
      case OP_DATA: {
        put(fp, W(pc, 1), curData);
        pc += 8;
        continue;
      }
      case OP_DOT: {
        let src = get(fp, W(pc, 1));
        let key = get(fp, W(pc, 2));
        if (src == 0 || key == 0) return -1;
        let v = dot(V(src), V(key));
        if (v == 0) return -1;
        put(fp, W(pc, 3), v);
        pc += 16;
        continue;
      }
      case OP_SCAN: {
        let src = get(fp, W(pc, 1));
        if (src == 0) return -1;
        let st = scan(V(src), W(pc, 2), W(pc, 3), pc + 20, fp);
        if (st != 0) return st;
        pc += 20 + (<usize>W(pc, 4) << 2);
        continue;
      }
      case OP_BLOCK: {
        let st = run(pc + 8, fp);
        if (st > 1) return st - 1;
        pc += 8 + (<usize>W(pc, 1) << 2);
        continue;
      }
      case OP_BREAK: return W(pc, 1) + 1;
      case OP_EQUAL: {
        let a = get(fp, W(pc, 1));
        let b = get(fp, W(pc, 2));
        if (a == 0 || b == 0 || !equal(V(a), V(b))) return -1;
        pc += 12;
        continue;
      }
      case OP_ISDEF: {
        if (get(fp, W(pc, 1)) == 0) return -1;
        pc += 8;
        continue;
      }
      case OP_ISUNDEF: {
        if (get(fp, W(pc, 1)) != 0) return -1;
        pc += 8;
        continue;
      }
      case OP_RESET: {
        put(fp, W(pc, 1), 0);
        pc += 8;
        continue;
      }
      case OP_ISTYPE: {
        let v = get(fp, W(pc, 1));
        if (v == 0 || V(v).kind != W(pc, 2)) return -1;
        pc += 12;
        continue;
      }
      case OP_ARRAYLEN: {
        let v = get(fp, W(pc, 1));
        if (v == 0 || V(v).kind != K_ARR || asArr(V(v)).len != W(pc, 2)) return -1;
        pc += 12;
        continue;
      }
      case OP_CALLN: {
        let n = W(pc, 3);
        let r = callNativeAt(W(pc, 1), fp, pc + 16, n);
        if (r == 0) return -1;
        put(fp, W(pc, 2), r);
        pc += 16 + (<usize>n << 2);
        continue;
      }
      case OP_CALLH: {
        let n = W(pc, 4);
        let r = callHost(W(pc, 1), W(pc, 2), fp, pc + 20, n);
        if (r == 0) return -1;
        put(fp, W(pc, 3), r);
        pc += 20 + (<usize>n << 2);
        continue;
      }
      case OP_CALLFN: {
        let n = W(pc, 3);
        let r = callFunc(W(pc, 1), fp, pc + 16, n);
        if (r == 0) return -1;
        put(fp, W(pc, 2), r);
        pc += 16 + (<usize>n << 2);
        continue;
      }
      case OP_MAKEARRAY: {
        put(fp, W(pc, 1), changetype<usize>(new ArrV(4)));
        pc += 8;
        continue;
      }
      case OP_MAKEOBJECT: {
        put(fp, W(pc, 1), changetype<usize>(newObj()));
        pc += 8;
        continue;
      }
      case OP_MAKESET: {
        put(fp, W(pc, 1), changetype<usize>(newSet()));
        pc += 8;
        continue;
      }
      case OP_ARRAYAPPEND: {
        let a = get(fp, W(pc, 1));
        let v = get(fp, W(pc, 2));
        if (a == 0 || v == 0) return -1;
        asArr(V(a)).push(V(v));
        pc += 12;
        continue;
      }
      case OP_SETADD: {
        let s = get(fp, W(pc, 1));
        let v = get(fp, W(pc, 2));
        if (s == 0 || v == 0) return -1;
        setAdd(asColl(V(s)), V(v));
        pc += 12;
        continue;
      }
      case OP_OBJINSERT: {
        let o = get(fp, W(pc, 1));
        let k = get(fp, W(pc, 2));
        let v = get(fp, W(pc, 3));
        if (o == 0 || k == 0 || v == 0) return -1;
        objPut(asColl(V(o)), V(k), V(v));
        pc += 16;
        continue;
      }
      case OP_OBJINSERTONCE: {
        let o = get(fp, W(pc, 1));
        let k = get(fp, W(pc, 2));
        let v = get(fp, W(pc, 3));
        if (o == 0 || k == 0 || v == 0) return -1;
        let obj = asColl(V(o));
        let have = objGet(obj, V(k));
        if (have === null) objPut(obj, V(k), V(v));
        else if (!equal(have, V(v))) abortWith(<usize>W(pc, 4));
        pc += 20;
        continue;
      }
      case OP_ASSIGNONCE: {
        let src = get(fp, W(pc, 2));
        if (src == 0) return -1;
        let dst = get(fp, W(pc, 1));
        if (dst == 0) put(fp, W(pc, 1), src);
        else if (!equal(V(dst), V(src))) abortWith(<usize>W(pc, 3));
        pc += 16;
        continue;
      }
      case OP_WITH: {
        let st = withStmt(pc, fp);
        if (st != 0) return st;
        pc += 20 + (<usize>W(pc, 4) << 2);
        continue;
      }
      case OP_WITHMOCK: {
        let st = withMockStmt(pc, fp);
        if (st != 0) return st;
        pc += 16 + (<usize>W(pc, 3) << 2);
        continue;
      }
      case OP_MOCKVALUE: {
        let v = load<usize>(mockVals + (<usize>W(pc, 1) << 2));
        if (v == 0) return -1;
        put(fp, W(pc, 2), v);
        pc += 12;
        continue;
      }
      case OP_PRINT: {
        let n = W(pc, 1);
        print(fp, pc + 8, n);
        pc += 8 + (<usize>n << 2);
        continue;
      }
      case OP_ERROR: {
        abortWith(<usize>W(pc, 1));
        return -1;
      }
      default:
        fail("internal error: bad op");
        return -1;
    }
  }
  return -1;
}
