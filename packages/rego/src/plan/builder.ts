/**
 * Small helpers to build a plan: the constant pool shared by all functions, and one function's
 * frame (local slots) with a "current block" that nested statements (scan, block, with) swap.
 */
import type { Func, Local, Stmt } from './ir';
import { planJson } from './number-literal';

export class ConstPool {
  readonly values: unknown[] = [];
  private readonly index = new Map<string, number>();

  /** Index of a JSON constant, shared between equal constants. */
  add(value: unknown): number {
    const key = planJson(value); // 1 and 1.0 are different constants: OPA keeps their spelling
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(key, i);
    }
    return i;
  }
}

export class FuncBuilder {
  private nextLocal: number;
  /** Where `emit` appends; swapped while a nested body is planned. */
  private current: Stmt[];
  readonly body: Stmt[] = [];
  readonly result: Local;

  constructor(
    readonly name: string,
    readonly params: number,
    private readonly consts: ConstPool,
  ) {
    this.nextLocal = params;
    this.result = this.newLocal();
    this.current = this.body;
  }

  newLocal(): Local {
    return this.nextLocal++;
  }

  emit(stmt: Stmt): void {
    this.current.push(stmt);
  }

  /** A fresh local holding a JSON constant. */
  constLocal(value: unknown): Local {
    const l = this.newLocal();
    this.emit(['const', l, this.consts.add(value)]);
    return l;
  }

  /** Plan `fill` into a new statement list and return it (for scan/block/with bodies). */
  nested(fill: () => void): Stmt[] {
    const saved = this.current;
    const stmts: Stmt[] = [];
    this.current = stmts;
    try {
      fill();
    } finally {
      this.current = saved;
    }
    return stmts;
  }

  /** `block { fill }`: a failure inside only ends the block. */
  block(fill: () => void): void {
    this.emit(['block', this.nested(fill)]);
  }

  finish(memo: boolean, path?: string[]): Func {
    const f: Func = {
      name: this.name,
      params: this.params,
      locals: this.nextLocal,
      result: this.result,
      memo,
      body: this.body,
    };
    if (path) f.path = path;
    return f;
  }
}
