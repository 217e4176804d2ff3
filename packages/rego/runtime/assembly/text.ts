// Values as Rego text (OPA's term String form: sets as {a, b} or set(), objects as {"k": v}), for
// print() (strings raw at top level) and for sprintf's arguments; and OPA's compact opa_value_dump form.
import { Value, K_NULL, K_BOOL, K_NUM, K_STR, K_ARR, K_OBJ, K_SET, BoolV, numOf, asStr, asArr, asColl, ensureSorted } from "./values";
import { outAscii, outByte, outBytes, outNumber, outString } from "./json";

export function outRego(v: Value): void {
  switch (v.kind) {
    case K_NULL: outAscii("null"); return;
    case K_BOOL: outAscii(changetype<BoolV>(v).b ? "true" : "false"); return;
    case K_NUM: outNumber(numOf(v)); return;
    case K_STR: outString(asStr(v)); return;
    case K_ARR: {
      let a = asArr(v);
      outByte(0x5b);
      for (let i = 0; i < a.len; i++) {
        if (i > 0) outAscii(", ");
        outRego(a.get(i));
      }
      outByte(0x5d);
      return;
    }
    case K_OBJ: {
      let c = asColl(v);
      ensureSorted(c);
      outByte(0x7b);
      for (let i = 0; i < c.len; i++) {
        if (i > 0) outAscii(", ");
        outRego(c.key(i));
        outAscii(": ");
        outRego(c.val(i));
      }
      outByte(0x7d);
      return;
    }
    default: {
      let c = asColl(v);
      if (c.len == 0) { outAscii("set()"); return; }
      ensureSorted(c);
      outByte(0x7b);
      for (let i = 0; i < c.len; i++) {
        if (i > 0) outAscii(", ");
        outRego(c.key(i));
      }
      outByte(0x7d);
    }
  }
}

/**
 * OPA's opa_value_dump text: JSON without spaces, except that sets are written as set literals
 * ({1,2} or set()) and object keys of any type as themselves.
 */
export function outLiteral(v: Value): void {
  switch (v.kind) {
    case K_ARR: {
      let a = asArr(v);
      outByte(0x5b);
      for (let i = 0; i < a.len; i++) {
        if (i > 0) outByte(0x2c);
        outLiteral(a.get(i));
      }
      outByte(0x5d);
      return;
    }
    case K_OBJ: {
      let c = asColl(v);
      ensureSorted(c);
      outByte(0x7b);
      for (let i = 0; i < c.len; i++) {
        if (i > 0) outByte(0x2c);
        outLiteral(c.key(i));
        outByte(0x3a);
        outLiteral(c.val(i));
      }
      outByte(0x7d);
      return;
    }
    case K_SET: {
      let c = asColl(v);
      if (c.len == 0) { outAscii("set()"); return; }
      ensureSorted(c);
      outByte(0x7b);
      for (let i = 0; i < c.len; i++) {
        if (i > 0) outByte(0x2c);
        outLiteral(c.key(i));
      }
      outByte(0x7d);
      return;
    }
    default: outRego(v);
  }
}

/** One print() argument: a string as its raw text, anything else as Rego text. */
export function outPrintArg(v: Value): void {
  if (v.kind == K_STR) {
    let s = asStr(v);
    outBytes(s.ptr, s.len);
  } else outRego(v);
}
