// The OPA Wasm ABI (1.2, with the 1.1 context exports) over the plan interpreter. See
// ../ABI.md for what the stock SDK calls and when.
import { Value, ArrV, StrV, K_NUM, K_OBJ, asColl, newObj, objGet, objPut, strFrom, numOf } from "./values";
import { parseJson, outStart, outAscii, outValue, outFinishZ, dumpZ } from "./json";
import { outLiteral } from "./text";
import { fail, armBudget } from "./host";
import { loadPlan, entryFuncs, entrypointsDoc, builtinsDoc } from "./plan";
import { initNatives } from "./natives";
import { initInterpreter, evaluate } from "./interp";

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 2;

let planLoaded = false;

/**
 * Decodes the plan text at [text, text+len). Called once, by the start function the compiler's
 * emitter adds to each module: it copies the plan (a passive data segment) into memory from
 * opa_malloc and calls this, all before the SDK first reads the heap pointer, so the decoded plan
 * lies below every evaluation's heap. (The emitter removes this export from the module.)
 */
export function __opa_load_plan(text: usize, len: usize): void {
  if (planLoaded) fail("internal error: plan loaded twice");
  initNatives();
  loadPlan(text, len);
  initInterpreter();
  planLoaded = true;
}

let RESULT_KEY: StrV = strFrom("result");

// ---------------------------------------------------------------- memory

export function opa_malloc(size: usize): usize {
  return __alloc(size);
}

export function opa_free(ptr: usize): void {
  // Nothing to do: the SDK resets the heap pointer between evaluations.
}

export function opa_heap_ptr_get(): usize {
  return __heap_get();
}

export function opa_heap_ptr_set(ptr: usize): void {
  __heap_set(ptr);
}

// ---------------------------------------------------------------- values

/** Parses JSON text into a value; 0 when the text is not JSON. */
export function opa_json_parse(addr: usize, len: usize): usize {
  let v = parseJson(addr, len);
  return v === null ? 0 : changetype<usize>(v);
}

export function opa_json_dump(value: usize): usize {
  return dumpZ(changetype<Value>(value));
}

/** The value as OPA's opa_value_dump writes it (set literals, keys of any type), NUL-terminated. */
export function opa_value_dump(value: usize): usize {
  outStart();
  outLiteral(changetype<Value>(value));
  return outFinishZ();
}

export function builtins(): usize {
  return changetype<usize>(builtinsDoc);
}

export function entrypoints(): usize {
  return changetype<usize>(entrypointsDoc);
}

// ---------------------------------------------------------------- evaluation budget

// The builtin the emitter lists in every module's builtins() for the budget checks (src/emit).
let BUDGET_BUILTIN: StrV = strFrom("opa-jwt:evaluation_budget");

/**
 * Arms the evaluation budget (host.ts): the module then calls the host's budget builtin every
 * `interval` ticks and whenever its memory grows; 0 disarms. Returns 1 when armed, 0 when the
 * module does not list the builtin or `interval` is 0.
 */
export function opajwt_arm_budget(interval: i32): i32 {
  let id = builtinsDoc !== null && builtinsDoc!.kind == K_OBJ ? objGet(asColl(builtinsDoc!), BUDGET_BUILTIN) : null;
  if (id === null || id.kind != K_NUM || interval <= 0) {
    armBudget(-1, 0);
    return 0;
  }
  armBudget(<i32>numOf(id), interval);
  return 1;
}

// ---------------------------------------------------------------- evaluation

function entryFunc(id: i32): i32 {
  if (id < 0 || id >= entryFuncs.len) fail("unknown entrypoint id " + id.toString());
  return <i32>numOf(entryFuncs.get(id));
}

/** ABI 1.2: one call per evaluation, input as raw JSON text already written at `input`. */
export function opa_eval(reserved: i32, entrypoint: i32, data: usize, input: usize, inputLen: usize, heapPtr: usize, format: i32): usize {
  __heap_set(heapPtr);
  let inputValue: usize = 0;
  if (inputLen > 0) {
    let v = parseJson(input, inputLen);
    if (v === null) fail("opa_eval: input is not valid JSON (or nested deeper than 2000 levels)");
    inputValue = changetype<usize>(v);
  }
  let result = evaluate(entryFunc(entrypoint), data, inputValue);
  outStart();
  if (result == 0) {
    outAscii("[]");
  } else {
    outAscii("[{\"result\":");
    outValue(changetype<Value>(result));
    outAscii("}]");
  }
  return outFinishZ();
}

// ABI 1.1: a context holding input, data, entry point and result.
const CTX_INPUT: usize = 0;
const CTX_DATA: usize = 4;
const CTX_ENTRY: usize = 8;
const CTX_RESULT: usize = 12;

export function opa_eval_ctx_new(): usize {
  let ctx = __alloc(16);
  memory.fill(ctx, 0, 16);
  return ctx;
}

export function opa_eval_ctx_set_input(ctx: usize, input: usize): void {
  store<usize>(ctx + CTX_INPUT, input);
}

export function opa_eval_ctx_set_data(ctx: usize, data: usize): void {
  store<usize>(ctx + CTX_DATA, data);
}

export function opa_eval_ctx_set_entrypoint(ctx: usize, entrypoint: i32): void {
  store<i32>(ctx + CTX_ENTRY, entrypoint);
}

export function opa_eval_ctx_get_result(ctx: usize): usize {
  return load<usize>(ctx + CTX_RESULT);
}

/** Evaluates the context's entry point; the result set is `[{"result": v}]` or `[]`. */
function evalCtx(ctx: usize): i32 {
  let r = evaluate(entryFunc(load<i32>(ctx + CTX_ENTRY)), load<usize>(ctx + CTX_DATA), load<usize>(ctx + CTX_INPUT));
  let set = new ArrV(1);
  if (r != 0) {
    let row = newObj(1);
    objPut(row, RESULT_KEY, changetype<Value>(r));
    set.push(row);
  }
  store<usize>(ctx + CTX_RESULT, changetype<usize>(set));
  return 0;
}

export { evalCtx as eval };
