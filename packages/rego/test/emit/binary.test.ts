/** The emitter's WebAssembly binary helpers. */
import { Reader, SECTION, WasmFormatError, Writer, putSection, readSections, writeModule } from '../../src/emit/binary';
import { parseRuntime } from '../../src/emit/runtime-module';

test('LEB128 numbers round-trip', () => {
  const unsigned = [0, 1, 127, 128, 255, 16384, 2 ** 31, 2 ** 32 - 1];
  const w = new Writer();
  for (const n of unsigned) w.u32(n);
  const r = new Reader(w.finish());
  for (const n of unsigned) expect(r.u32()).toBe(n);

  const signed = [0, 1, -1, 63, 64, -64, -65, 2 ** 31 - 1, -(2 ** 31)];
  const ws = new Writer();
  for (const n of signed) ws.s32(n);
  const rs = new Reader(ws.finish());
  for (const n of signed) expect(Number(rs.s64())).toBe(n);

  expect(() => new Writer().u32(-1)).toThrow(WasmFormatError);
  expect(() => new Writer().s32(2 ** 31)).toThrow(WasmFormatError);
  expect(() => new Reader(new Uint8Array([0x80])).u32()).toThrow(/unexpected end/);
});

test('sections are split, placed in the required order and written back', () => {
  const empty = writeModule([]);
  expect(WebAssembly.validate(empty)).toBe(true);
  let sections = readSections(empty);
  expect(sections).toEqual([]);
  // A type section () -> () and a data count section of 0: the data count goes after the type section.
  sections = putSection(sections, { id: SECTION.dataCount, body: new Writer().u32(0).finish() });
  sections = putSection(sections, { id: SECTION.type, body: new Writer().u32(1).byte(0x60).u32(0).u32(0).finish() });
  expect(sections.map((s) => s.id)).toEqual([SECTION.type, SECTION.dataCount]);
  const bytes = writeModule(sections);
  expect(WebAssembly.validate(bytes)).toBe(true);
  expect(readSections(bytes).map((s) => s.id)).toEqual([SECTION.type, SECTION.dataCount]);
  expect(() => writeModule([...sections].reverse())).toThrow(/out of order/);
});

test('a module that is not the runtime is refused with a clear error', () => {
  expect(() => readSections(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a WebAssembly module/);
  expect(() => parseRuntime(writeModule([]))).toThrow(/no exports/);
  const exportsOnly = writeModule([{ id: SECTION.export, body: new Writer().u32(0).finish() }]);
  expect(() => parseRuntime(exportsOnly)).toThrow(/does not export opa_malloc/);
});
