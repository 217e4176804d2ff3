// Decodes the plan (JSON text spliced into the module by the compiler's emitter) into compact
// word code once, at module start, so that evaluation never compares op names.
//
// The embedded text is an envelope around the plan of src/plan/ir.ts:
//   {"plan": Program, "entrypoints": {"pkg/rule": id}, "entrypointFuncs": [funcIndex by id],
//    "builtins": {"name": hostId}, "setResults": {"name": 1 (always) | 2 (when first arg is a set)},
//    "textArgs": {"name": index of the array argument whose composite elements go as Rego text}}
// Everything decoded here lives below the heap pointer the SDK reads after instantiation, so
// evaluations (which reset the heap) never overwrite it.
import {
  Value, StrV, ArrV, CollV, BoolV, K_BOOL, K_ARR, K_OBJ, K_STR, K_NUM, asArr, asColl, asStr, numOf, objGet, strFrom, strEqualsAscii, finish,
} from "./values";
import { parseJson } from "./json";
import { fail } from "./host";
import { nativeId, setHostFallback } from "./natives";

// Op codes. A statement is its op word followed by operand words; local slots are stored as
// byte offsets into the frame (slot * 4), value operands (constants, messages, paths) as pointers.
export const OP_END: i32 = 0;
export const OP_CONST: i32 = 1;        // dst, value
export const OP_MOVE: i32 = 2;         // dst, src
export const OP_INPUT: i32 = 3;        // dst
export const OP_DATA: i32 = 4;         // dst
export const OP_DOT: i32 = 5;          // src, key, dst
export const OP_SCAN: i32 = 6;         // src, key|-1, val|-1, bodyWords, body..., END
export const OP_BLOCK: i32 = 7;        // bodyWords, body..., END
export const OP_BREAK: i32 = 8;        // n
export const OP_EQUAL: i32 = 9;        // a, b
export const OP_ISDEF: i32 = 10;       // src
export const OP_ISUNDEF: i32 = 11;     // src
export const OP_RESET: i32 = 12;       // dst
export const OP_ISTYPE: i32 = 13;      // src, kind
export const OP_ARRAYLEN: i32 = 14;    // src, n
export const OP_CALLN: i32 = 15;       // nativeId, dst, nargs, args...
export const OP_CALLH: i32 = 16;       // hostId, mode, dst, nargs, args...
// The mode word of OP_CALLH: the set-result mode in the low bits, the text argument (index + 1) above.
export const CALLH_SET_MASK: i32 = 3;
export const CALLH_TEXT_SHIFT: i32 = 2;
export const OP_CALLFN: i32 = 17;      // funcIndex, dst, nargs, args...
export const OP_MAKEARRAY: i32 = 18;   // dst
export const OP_MAKEOBJECT: i32 = 19;  // dst
export const OP_MAKESET: i32 = 20;     // dst
export const OP_ARRAYAPPEND: i32 = 21; // arr, value
export const OP_SETADD: i32 = 22;      // set, value
export const OP_OBJINSERT: i32 = 23;   // obj, key, value
export const OP_OBJINSERTONCE: i32 = 24; // obj, key, value, message
export const OP_ASSIGNONCE: i32 = 25;  // dst, src, message
export const OP_WITH: i32 = 26;        // target (0 input, 1 data), path, value, bodyWords, body..., END
export const OP_PRINT: i32 = 27;       // n, args...
export const OP_ERROR: i32 = 28;       // message
export const OP_WITHMOCK: i32 = 29;    // mock slot, value, bodyWords, body..., END
export const OP_MOCKVALUE: i32 = 30;   // mock slot, dst

// Function records, FUNC_WORDS i32 each.
export const FUNC_WORDS: i32 = 5;
export const F_LOCALS: i32 = 0;   // frame size in bytes
export const F_RESULT: i32 = 1;   // byte offset of the result slot
export const F_MEMO: i32 = 2;
export const F_CODE: i32 = 3;     // address of the body
export const F_PATH: i32 = 4;     // ArrV of StrV, or 0

export let funcs: usize = 0;
export let funcCount: i32 = 0;
/** Frame bytes needed by the deepest possible call chain (Rego has no recursion: the sum bounds it). */
export let stackBytes: usize = 0;
/** Number of `with` statements: bounds how many overrides can be in effect at once. */
export let withCount: i32 = 0;
/** Number of mock slots (`withmock`/`mockvalue`): the replacement values of functions known only at run time. */
export let mockSlots: i32 = 0;
export let entryFuncs: ArrV = new ArrV(0);
export let entrypointsDoc: Value | null = null;
export let builtinsDoc: Value | null = null;

// Word code under construction.
let code: usize = 0;
let codeLen: i32 = 0;
let codeCap: i32 = 0;

function word(w: i32): void {
  if (codeLen == codeCap) {
    codeCap = codeCap == 0 ? 1024 : codeCap << 1;
    code = code == 0 ? __alloc(<usize>codeCap << 2) : __realloc(code, <usize>codeCap << 2);
  }
  store<i32>(code + (<usize>codeLen << 2), w);
  codeLen++;
}

@inline function patch(at: i32, w: i32): void { store<i32>(code + (<usize>at << 2), w); }

function bad(what: string): void {
  fail("invalid plan: " + what);
}

let K_PLAN: StrV = strFrom("plan");
let K_CONSTS: StrV = strFrom("consts");
let K_FUNCS: StrV = strFrom("funcs");
let K_ENTRYPOINTS: StrV = strFrom("entrypoints");
let K_ENTRY_FUNCS: StrV = strFrom("entrypointFuncs");
let K_BUILTINS: StrV = strFrom("builtins");
let K_SET_RESULTS: StrV = strFrom("setResults");
let K_TEXT_ARGS: StrV = strFrom("textArgs");
let K_HOST_IDS: StrV = strFrom("hostIds");
let K_PARAMS: StrV = strFrom("params");
let K_LOCALS: StrV = strFrom("locals");
let K_RESULT: StrV = strFrom("result");
let K_MEMO: StrV = strFrom("memo");
let K_PATH: StrV = strFrom("path");
let K_BODY: StrV = strFrom("body");

function field(o: Value, key: StrV): Value {
  if (o.kind != K_OBJ) bad("object expected");
  let v = objGet(asColl(o), key);
  if (v === null) bad("missing field");
  return changetype<Value>(v);
}

function intOf(v: Value): i32 {
  if (v.kind != K_NUM) bad("number expected");
  return <i32>numOf(v);
}

let consts: ArrV = new ArrV(0);
let hostIds: CollV = changetype<CollV>(0);
let setResults: CollV = changetype<CollV>(0);
let textArgs: CollV = changetype<CollV>(0);
let nlocalsOfCurrent: i32 = 0;

function slot(v: Value): i32 {
  let i = intOf(v);
  if (i < 0) return -1;
  if (i >= nlocalsOfCurrent) bad("local out of range");
  return i << 2;
}

function typeKind(s: StrV): i32 {
  if (strEqualsAscii(s, "null")) return 0;
  if (strEqualsAscii(s, "boolean")) return 1;
  if (strEqualsAscii(s, "number")) return 2;
  if (strEqualsAscii(s, "string")) return 3;
  if (strEqualsAscii(s, "array")) return 4;
  if (strEqualsAscii(s, "object")) return 5;
  if (strEqualsAscii(s, "set")) return 6;
  bad("unknown type");
  return -1;
}

/** Emits a body: its words count (patched), the statements, END. */
function body(stmts: Value): void {
  let at = codeLen;
  word(0);
  list(stmts);
  patch(at, codeLen - at - 1);
}

function list(stmts: Value): void {
  if (stmts.kind != K_ARR) bad("statement list expected");
  let a = asArr(stmts);
  for (let i = 0; i < a.len; i++) statement(a.get(i));
  word(OP_END);
}

function args(v: Value): void {
  if (v.kind != K_ARR) bad("argument list expected");
  let a = asArr(v);
  word(a.len);
  for (let i = 0; i < a.len; i++) word(slot(a.get(i)));
}

function statement(v: Value): void {
  if (v.kind != K_ARR) bad("statement expected");
  let s = asArr(v);
  if (s.len == 0 || s.get(0).kind != K_STR) bad("statement expected");
  let op = asStr(s.get(0));
  // Ordered roughly by frequency; this runs once per statement at start-up only.
  if (strEqualsAscii(op, "const")) {
    let i = intOf(s.get(2));
    if (i < 0 || i >= consts.len) bad("constant out of range");
    word(OP_CONST); word(slot(s.get(1))); word(<i32>changetype<usize>(consts.get(i)));
  } else if (strEqualsAscii(op, "dot")) {
    word(OP_DOT); word(slot(s.get(1))); word(slot(s.get(2))); word(slot(s.get(3)));
  } else if (strEqualsAscii(op, "block")) {
    word(OP_BLOCK); body(s.get(1));
  } else if (strEqualsAscii(op, "reset")) {
    word(OP_RESET); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "isdef")) {
    word(OP_ISDEF); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "isundef")) {
    word(OP_ISUNDEF); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "equal")) {
    word(OP_EQUAL); word(slot(s.get(1))); word(slot(s.get(2)));
  } else if (strEqualsAscii(op, "move")) {
    word(OP_MOVE); word(slot(s.get(1))); word(slot(s.get(2)));
  } else if (strEqualsAscii(op, "assignonce")) {
    word(OP_ASSIGNONCE); word(slot(s.get(1))); word(slot(s.get(2))); word(<i32>changetype<usize>(s.get(3)));
  } else if (strEqualsAscii(op, "scan")) {
    word(OP_SCAN); word(slot(s.get(1))); word(slot(s.get(2))); word(slot(s.get(3))); body(s.get(4));
  } else if (strEqualsAscii(op, "callfn")) {
    let f = intOf(s.get(1));
    if (f < 0 || f >= funcCount) bad("function out of range");
    word(OP_CALLFN); word(f); word(slot(s.get(3))); args(s.get(2));
  } else if (strEqualsAscii(op, "call")) {
    let name = s.get(1);
    if (name.kind != K_STR) bad("builtin name expected");
    let id = nativeId(asStr(name));
    let host = objGet(hostIds, name);
    if (id >= 0) {
      // a native that is also listed as a host builtin hands the calls it cannot finish to the host
      if (host !== null) setHostFallback(id, intOf(changetype<Value>(host)), hostCallMode(name));
      word(OP_CALLN); word(id); word(slot(s.get(3))); args(s.get(2));
    } else {
      if (host === null) fail("builtin " + String.UTF8.decodeUnsafe(asStr(name).ptr, <usize>asStr(name).len) + " is neither native nor listed as a host builtin");
      word(OP_CALLH); word(intOf(changetype<Value>(host))); word(hostCallMode(name));
      word(slot(s.get(3))); args(s.get(2));
    }
  } else if (strEqualsAscii(op, "input")) {
    word(OP_INPUT); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "data")) {
    word(OP_DATA); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "break")) {
    word(OP_BREAK); word(intOf(s.get(1)));
  } else if (strEqualsAscii(op, "istype")) {
    let t = s.get(2);
    if (t.kind != K_STR) bad("type name expected");
    word(OP_ISTYPE); word(slot(s.get(1))); word(typeKind(asStr(t)));
  } else if (strEqualsAscii(op, "arraylen")) {
    word(OP_ARRAYLEN); word(slot(s.get(1))); word(intOf(s.get(2)));
  } else if (strEqualsAscii(op, "makearray")) {
    word(OP_MAKEARRAY); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "makeobject")) {
    word(OP_MAKEOBJECT); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "makeset")) {
    word(OP_MAKESET); word(slot(s.get(1)));
  } else if (strEqualsAscii(op, "arrayappend")) {
    word(OP_ARRAYAPPEND); word(slot(s.get(1))); word(slot(s.get(2)));
  } else if (strEqualsAscii(op, "setadd")) {
    word(OP_SETADD); word(slot(s.get(1))); word(slot(s.get(2)));
  } else if (strEqualsAscii(op, "objectinsert")) {
    word(OP_OBJINSERT); word(slot(s.get(1))); word(slot(s.get(2))); word(slot(s.get(3)));
  } else if (strEqualsAscii(op, "objectinsertonce")) {
    word(OP_OBJINSERTONCE); word(slot(s.get(1))); word(slot(s.get(2))); word(slot(s.get(3)));
    word(<i32>changetype<usize>(s.get(4)));
  } else if (strEqualsAscii(op, "with")) {
    let target = s.get(1);
    if (target.kind != K_STR) bad("with target expected");
    let path = s.get(2);
    if (path.kind != K_ARR) bad("with path expected");
    withCount++;
    word(OP_WITH); word(strEqualsAscii(asStr(target), "input") ? 0 : 1);
    word(<i32>changetype<usize>(path)); word(slot(s.get(3))); body(s.get(4));
  } else if (strEqualsAscii(op, "withmock")) {
    let id = intOf(s.get(1));
    if (id < 0) bad("mock slot expected");
    if (id >= mockSlots) mockSlots = id + 1;
    word(OP_WITHMOCK); word(id); word(slot(s.get(2))); body(s.get(3));
  } else if (strEqualsAscii(op, "mockvalue")) {
    let id = intOf(s.get(1));
    if (id < 0) bad("mock slot expected");
    if (id >= mockSlots) mockSlots = id + 1;
    word(OP_MOCKVALUE); word(id); word(slot(s.get(2)));
  } else if (strEqualsAscii(op, "print")) {
    word(OP_PRINT); args(s.get(1));
  } else if (strEqualsAscii(op, "error")) {
    word(OP_ERROR); word(<i32>changetype<usize>(s.get(1)));
  } else {
    bad("unknown op");
  }
}

/** OP_CALLH's mode word for a host builtin: how its result becomes a set, which argument goes as Rego text. */
function hostCallMode(name: Value): i32 {
  let sr = objGet(setResults, name);
  let ta = objGet(textArgs, name);
  return (sr === null ? 0 : intOf(changetype<Value>(sr)) & CALLH_SET_MASK) |
    (ta === null ? 0 : (intOf(changetype<Value>(ta)) + 1) << CALLH_TEXT_SHIFT);
}

/** Decodes the envelope held in [text, text+len). Aborts (failing instantiation) on any mistake. */
export function loadPlan(text: usize, len: usize): void {
  let env = parseJson(text, len);
  if (env === null) { bad("not JSON"); return; }
  let plan = field(env, K_PLAN);
  entrypointsDoc = field(env, K_ENTRYPOINTS);
  builtinsDoc = field(env, K_BUILTINS);
  let hb = field(env, K_HOST_IDS);
  let sr = field(env, K_SET_RESULTS);
  let ta = field(env, K_TEXT_ARGS);
  if (hb.kind != K_OBJ || sr.kind != K_OBJ || ta.kind != K_OBJ) bad("builtins expected");
  hostIds = asColl(hb);
  setResults = asColl(sr);
  textArgs = asColl(ta);

  let c = field(plan, K_CONSTS);
  if (c.kind != K_ARR) bad("consts expected");
  consts = asArr(c);
  // Constants are shared by every evaluation: sort and index them now, never during one.
  for (let i = 0; i < consts.len; i++) finish(consts.get(i));

  let fs = field(plan, K_FUNCS);
  if (fs.kind != K_ARR) bad("funcs expected");
  let fa = asArr(fs);
  funcCount = fa.len;
  funcs = __alloc(<usize>(funcCount * FUNC_WORDS) << 2);
  let starts = __alloc(<usize>funcCount << 2);
  let total: i64 = 0;
  for (let i = 0; i < funcCount; i++) {
    let f = fa.get(i);
    let rec = funcs + (<usize>(i * FUNC_WORDS) << 2);
    let nl = intOf(field(f, K_LOCALS));
    let np = intOf(field(f, K_PARAMS));
    if (nl < 1 || np < 0 || np > nl) bad("frame size");
    nlocalsOfCurrent = nl;
    store<i32>(rec + (F_LOCALS << 2), nl << 2);
    store<i32>(rec + (F_RESULT << 2), slot(field(f, K_RESULT)));
    let memo = field(f, K_MEMO);
    store<i32>(rec + (F_MEMO << 2), memo.kind == K_BOOL && changetype<BoolV>(memo).b ? 1 : 0);
    let p = objGet(asColl(f), K_PATH);
    store<i32>(rec + (F_PATH << 2), p !== null && p.kind == K_ARR ? <i32>changetype<usize>(p) : 0);
    store<i32>(starts + (<usize>i << 2), codeLen);
    list(field(f, K_BODY));
    total += <i64>nl;
  }
  // Code addresses are known only now (the buffer moved while growing).
  for (let i = 0; i < funcCount; i++) {
    let rec = funcs + (<usize>(i * FUNC_WORDS) << 2);
    store<i32>(rec + (F_CODE << 2), <i32>(code + (<usize>load<i32>(starts + (<usize>i << 2)) << 2)));
  }
  stackBytes = <usize>(total << 2) + 64;

  let ef = field(env, K_ENTRY_FUNCS);
  if (ef.kind != K_ARR) bad("entrypointFuncs expected");
  entryFuncs = asArr(ef);
  for (let i = 0; i < entryFuncs.len; i++) {
    let f = intOf(entryFuncs.get(i));
    if (f < 0 || f >= funcCount) bad("entry point function out of range");
  }
}
