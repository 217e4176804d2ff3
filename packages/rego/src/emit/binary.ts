/**
 * The little of the WebAssembly binary format the emitter needs: split a module into sections,
 * read and write LEB128 numbers and names, and put sections back together.
 */

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
} as const;

/** Where a known section goes relative to the others (dataCount sits between element and code). */
const ORDER: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

export interface Section {
  id: number;
  body: Uint8Array;
}

export class WasmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmFormatError';
  }
}

export class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  byte(): number {
    if (this.pos >= this.bytes.length) throw new WasmFormatError('unexpected end of module');
    return this.bytes[this.pos++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new WasmFormatError('LEB128 number too long');
    }
  }

  s64(): bigint {
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return result;
  }

  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new WasmFormatError('unexpected end of module');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
}

export class Writer {
  private buf = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): this {
    this.reserve(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(b: Uint8Array | number[]): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new WasmFormatError(`not a u32: ${n}`);
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n !== 0) b |= 0x80;
      this.byte(b);
    } while (n !== 0);
    return this;
  }

  s32(n: number): this {
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) throw new WasmFormatError(`not an i32: ${n}`);
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** A size-prefixed chunk (section bodies, function bodies). */
  sized(body: Uint8Array): this {
    return this.u32(body.length).bytes(body);
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function readSections(bytes: Uint8Array): Section[] {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new WasmFormatError('not a WebAssembly module (version 1)');
  }
  const r = new Reader(bytes);
  r.pos = MAGIC.length;
  const out: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const body = r.take(r.u32());
    out.push({ id, body });
  }
  return out;
}

/** Sections in the order the format requires (custom sections keep their place after the previous known one). */
export function writeModule(sections: Section[]): Uint8Array<ArrayBuffer> {
  const known = sections.filter((s) => s.id !== SECTION.custom);
  for (let i = 1; i < known.length; i++) {
    if (ORDER[known[i - 1].id] >= ORDER[known[i].id]) throw new WasmFormatError(`section ${known[i].id} out of order`);
  }
  const w = new Writer().bytes(MAGIC);
  for (const s of sections) w.byte(s.id).sized(s.body);
  return w.finish();
}

/** Inserts or replaces a known section at its proper place. */
export function putSection(sections: Section[], section: Section): Section[] {
  const out = sections.filter((s) => s.id !== section.id);
  const rank = ORDER[section.id];
  let at = out.length;
  for (let i = 0; i < out.length; i++) {
    if (out[i].id !== SECTION.custom && ORDER[out[i].id] > rank) {
      at = i;
      break;
    }
  }
  out.splice(at, 0, section);
  return out;
}

/** Entries of a section that is a vector of size-prefixed items (the code section). */
export function readSizedVector(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body);
  const n = r.u32();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.take(r.u32()));
  return out;
}

export function writeSizedVector(items: Uint8Array[]): Uint8Array {
  const w = new Writer().u32(items.length);
  for (const it of items) w.sized(it);
  return w.finish();
}
