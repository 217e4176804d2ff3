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
