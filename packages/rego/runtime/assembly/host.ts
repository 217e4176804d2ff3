// Imports offered by the OPA SDK (env.*) and the abort path every error takes.

@external("env", "opa_abort")
declare function opa_abort(addr: usize): void;
@external("env", "opa_println")
export declare function opa_println(addr: usize): void;
@external("env", "opa_builtin0")
export declare function opa_builtin0(id: i32, ctx: i32): usize;
@external("env", "opa_builtin1")
export declare function opa_builtin1(id: i32, ctx: i32, a: usize): usize;
@external("env", "opa_builtin2")
export declare function opa_builtin2(id: i32, ctx: i32, a: usize, b: usize): usize;
@external("env", "opa_builtin3")
export declare function opa_builtin3(id: i32, ctx: i32, a: usize, b: usize, c: usize): usize;
@external("env", "opa_builtin4")
export declare function opa_builtin4(id: i32, ctx: i32, a: usize, b: usize, c: usize, d: usize): usize;

/** Aborts the evaluation with an ASCII message (the SDK throws it as a string). */
export function fail(msg: string): void {
  let n = msg.length;
  let buf = __alloc(<usize>n + 1);
  for (let i = 0; i < n; i++) {
    let c = msg.charCodeAt(i);
    store<u8>(buf + <usize>i, c < 128 ? <u8>c : <u8>63);
  }
  store<u8>(buf + <usize>n, 0);
  opa_abort(buf);
  unreachable();
}

/** Aborts with a message held as UTF-8 bytes (messages from the plan). */
export function failBytes(ptr: usize, len: i32): void {
  let buf = __alloc(<usize>len + 1);
  for (let i = 0; i < len; i++) {
    let c = load<u8>(ptr + <usize>i);
    store<u8>(buf + <usize>i, c < 128 ? c : <u8>63);
  }
  store<u8>(buf + <usize>len, 0);
  opa_abort(buf);
  unreachable();
}

/** Target of asc's `--use abort=`: AssemblyScript's own traps also leave through opa_abort. */
export function asAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  fail("internal error: " + (message !== null ? message : "abort"));
}

// ---------------------------------------------------------------- evaluation budget
// A host that wants to bound evaluations arms the budget (opajwt_arm_budget in index.ts): from then on
// the interpreter counts ticks (function calls, scan iterations) and, every `budgetInterval` ticks
// and every time the memory grows, calls the host's budget builtin. The builtin returns nothing
// while there is budget left and throws once the host's deadline has passed, which unwinds the
// evaluation through the SDK to the caller. Unarmed (the default, e.g. a plain SDK user), no call is
// made, so a host without the builtin runs the module unchanged.

let budgetHostId: i32 = -1;
let budgetInterval: i32 = 0;
export let budgetTicksLeft: i32 = i32.MAX_VALUE;

/** Arms (interval > 0) or disarms (0) the budget checks; `hostId` is the budget builtin's id in builtins(). */
export function armBudget(hostId: i32, interval: i32): void {
  budgetHostId = hostId;
  budgetInterval = hostId >= 0 && interval > 0 ? interval : 0;
  budgetTicksLeft = budgetInterval > 0 ? budgetInterval : i32.MAX_VALUE;
}

/** Called at the start of each evaluation: the count restarts. */
export function resetBudgetTicks(): void {
  budgetTicksLeft = budgetInterval > 0 ? budgetInterval : i32.MAX_VALUE;
}

/** Asks the host whether the evaluation may go on (it throws when not); restarts the count. */
export function checkBudget(): void {
  if (budgetInterval <= 0) {
    budgetTicksLeft = i32.MAX_VALUE;
    return;
  }
  budgetTicksLeft = budgetInterval;
  opa_builtin0(budgetHostId, 0);
}

/** One unit of interpreter work; every `budgetInterval` of them the host is asked. */
// @ts-ignore: decorator
@inline export function budgetTick(): void {
  if (--budgetTicksLeft < 0) checkBudget();
}
