/**
 * The prebuilt value runtime (runtime/build/runtime.wasm, built from runtime/assembly by
 * `npm run build:runtime`) and the one splice each policy needs. The plan text becomes a passive
 * data segment, and a new start function is appended that (1) runs the runtime's own start,
 * (2) takes memory with `opa_malloc`, (3) copies the segment there with `memory.init` and (4) hands
 * it to the runtime's `__opa_load_plan`. A passive segment is not placed at instantiation, so a
 * large plan never has to fit into the SDK's initial 5 pages; and appending a function shifts no
 * existing index, so nothing else in the runtime needs rewriting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Reader,
  SECTION,
  Section,
  WasmFormatError,
  Writer,
  putSection,
  readSections,
  readSizedVector,
  writeModule,
  writeSizedVector,
} from './binary';
import { EVALUATION_BUDGET_ARM } from './budget';

/** The runtime export that decodes the plan (see runtime/assembly/index.ts); not exported by policy modules. */
const LOAD_PLAN = '__opa_load_plan';
/** Exports the stock SDK uses (plus opa_value_dump, part of OPA's ABI); the runtime's internals are not exported. */
const ABI_EXPORTS = new Set([
  'memory',
  'opa_wasm_abi_version',
  'opa_wasm_abi_minor_version',
  'builtins',
  'entrypoints',
  'opa_malloc',
  'opa_free',
  'opa_heap_ptr_get',
  'opa_heap_ptr_set',
  'opa_json_parse',
  'opa_json_dump',
  'opa_value_dump',
  'opa_eval_ctx_new',
  'opa_eval_ctx_set_input',
  'opa_eval_ctx_set_data',
  'opa_eval_ctx_set_entrypoint',
  'opa_eval_ctx_get_result',
  'eval',
  'opa_eval',
  EVALUATION_BUDGET_ARM,
]);

export const RUNTIME_WASM_PATH = path.join(__dirname, '..', '..', 'runtime', 'build', 'runtime.wasm');

export class RuntimeNotBuiltError extends Error {
  constructor(file: string, cause: unknown) {
    super(
      `the Rego value runtime ${file} is missing or unreadable (${(cause as Error)?.message ?? cause}); ` +
        'run `npm run build:runtime` (npm install runs it too)',
    );
    this.name = 'RuntimeNotBuiltError';
  }
}

interface ParsedRuntime {
  sections: Section[];
  /** The export section without the runtime's internal exports. */
  exportSection: Section;
  /** Function indices the new start function calls. */
  originalStart: number | undefined;
  malloc: number;
  loadPlan: number;
  /** Index of the type `() -> ()` for the new start function, and the type section that has it. */
  startType: number;
  typeSection: Section;
  /** Type indices of the defined functions, and their bodies. */
  functionTypes: number[];
  bodies: Uint8Array[];
  /** Number of functions (imported and defined): the index the new start function gets. */
  functionCount: number;
  dataSegments: number;
  /** The data section body after its segment count. */
  dataRest: Uint8Array;
}

let cached: ParsedRuntime | undefined;

function loadRuntime(): ParsedRuntime {
  if (cached) return cached;
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(RUNTIME_WASM_PATH);
  } catch (e) {
    throw new RuntimeNotBuiltError(RUNTIME_WASM_PATH, e);
  }
  cached = parseRuntime(bytes);
  return cached;
}

function section(sections: Section[], id: number): Section | undefined {
  return sections.find((s) => s.id === id);
}

function importedFunctionCount(body: Uint8Array | undefined): number {
  if (!body) return 0;
  const r = new Reader(body);
  let funcs = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    switch (kind) {
      case 0: // function: type index
        r.u32();
        funcs++;
        break;
      case 1: // table: reftype, limits
        r.byte();
        readLimits(r);
        break;
      case 2: // memory: limits
        readLimits(r);
        break;
      case 3: // global: valtype, mutability
        r.byte();
        r.byte();
        break;
      default:
        throw new WasmFormatError(`unknown import kind ${kind}`);
    }
  }
  return funcs;
}

function readLimits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

/** Finds the type `() -> ()` in the type section, appending it when absent. */
function voidType(body: Uint8Array | undefined): { index: number; section: Section } {
  const r = new Reader(body ?? new Uint8Array([0]));
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    if (r.byte() !== 0x60) throw new WasmFormatError('unsupported type form');
    const params = r.u32();
    r.take(params);
    const results = r.u32();
    r.take(results);
    if (params === 0 && results === 0) return { index: i, section: { id: SECTION.type, body: body! } };
  }
  const w = new Writer()
    .u32(n + 1)
    .bytes(afterCount(body))
    .byte(0x60)
    .u32(0)
    .u32(0);
  return { index: n, section: { id: SECTION.type, body: w.finish() } };
}

/** A vector section's bytes after its leading count. */
function afterCount(body: Uint8Array | undefined): Uint8Array {
  if (!body) return new Uint8Array(0);
  const r = new Reader(body);
  r.u32();
  return body.subarray(r.pos);
}

export function parseRuntime(bytes: Uint8Array): ParsedRuntime {
  const sections = readSections(bytes).filter((s) => s.id !== SECTION.custom);
  const imported = importedFunctionCount(section(sections, SECTION.import)?.body);

  const exportBody = section(sections, SECTION.export)?.body;
  if (!exportBody) throw new WasmFormatError('runtime.wasm has no exports');
  const r = new Reader(exportBody);
  const kept = new Writer();
  let keptCount = 0;
  const funcExports = new Map<string, number>();
  for (let n = r.u32(); n > 0; n--) {
    const name = r.name();
    const kind = r.byte();
    const index = r.u32();
    if (kind === 0) funcExports.set(name, index);
    if (ABI_EXPORTS.has(name)) {
      kept.name(name).byte(kind).u32(index);
      keptCount++;
    }
  }
  const malloc = funcExports.get('opa_malloc');
  const loadPlan = funcExports.get(LOAD_PLAN);
  if (malloc === undefined || loadPlan === undefined) {
    throw new WasmFormatError(`runtime.wasm does not export opa_malloc and ${LOAD_PLAN}: rebuild it (npm run build:runtime)`);
  }
  const exportSection: Section = { id: SECTION.export, body: new Writer().u32(keptCount).bytes(kept.finish()).finish() };

  const start = section(sections, SECTION.start);
  const originalStart = start ? new Reader(start.body).u32() : undefined;

  const { index: startType, section: typeSection } = voidType(section(sections, SECTION.type)?.body);

  const fnSection = section(sections, SECTION.function);
  const functionTypes: number[] = [];
  if (fnSection) {
    const fr = new Reader(fnSection.body);
    for (let n = fr.u32(); n > 0; n--) functionTypes.push(fr.u32());
  }
  const code = section(sections, SECTION.code);
  if (!code) throw new WasmFormatError('runtime.wasm has no code');
  const bodies = readSizedVector(code.body);
  if (bodies.length !== functionTypes.length) throw new WasmFormatError('function and code sections disagree');

  const data = section(sections, SECTION.data);
  let dataSegments = 0;
  let dataRest: Uint8Array = new Uint8Array(0);
  if (data) {
    const dr = new Reader(data.body);
    dataSegments = dr.u32();
    dataRest = data.body.subarray(dr.pos);
  }
  return {
    sections,
    exportSection,
    originalStart,
    malloc,
    loadPlan,
    startType,
    typeSection,
    functionTypes,
    bodies,
    functionCount: imported + bodies.length,
    dataSegments,
    dataRest,
  };
}

/** Body of the new start function (one i32 local: the plan's address). */
function startBody(rt: ParsedRuntime, length: number, segment: number): Uint8Array {
  const w = new Writer();
  w.u32(1).u32(1).byte(0x7f); // locals: 1 x i32
  if (rt.originalStart !== undefined) w.byte(0x10).u32(rt.originalStart); // call the runtime's start
  w.byte(0x41).s32(length).byte(0x10).u32(rt.malloc); // opa_malloc(LEN)
  w.byte(0x21).u32(0); // local.set 0
  w.byte(0x20).u32(0); // local.get 0: destination
  w.byte(0x41).s32(0); // offset in the segment
  w.byte(0x41).s32(length); // length
  w.byte(0xfc).u32(8).u32(segment).byte(0x00); // memory.init SEG, memory 0
  w.byte(0xfc).u32(9).u32(segment); // data.drop SEG: the copy is all that is needed
  w.byte(0x20).u32(0).byte(0x41).s32(length).byte(0x10).u32(rt.loadPlan); // __opa_load_plan(addr, LEN)
  w.byte(0x0b); // end
  return w.finish();
}

/** The runtime module with `payload` (the plan envelope's UTF-8 text) spliced in. */
export function spliceIntoRuntime(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const rt = loadRuntime();
  const segment = rt.dataSegments;
  const startIndex = rt.functionCount;

  const functions = new Writer().u32(rt.functionTypes.length + 1);
  for (const t of rt.functionTypes) functions.u32(t);
  functions.u32(rt.startType);

  const bodies = rt.bodies.slice();
  bodies.push(startBody(rt, payload.length, segment));

  const data = new Writer().u32(rt.dataSegments + 1).bytes(rt.dataRest);
  data.byte(0x01).sized(payload); // passive segment

  let sections = rt.sections;
  sections = putSection(sections, rt.typeSection);
  sections = putSection(sections, { id: SECTION.function, body: functions.finish() });
  sections = putSection(sections, rt.exportSection);
  sections = putSection(sections, { id: SECTION.start, body: new Writer().u32(startIndex).finish() });
  sections = putSection(sections, { id: SECTION.dataCount, body: new Writer().u32(rt.dataSegments + 1).finish() });
  sections = putSection(sections, { id: SECTION.code, body: writeSizedVector(bodies) });
  sections = putSection(sections, { id: SECTION.data, body: data.finish() });
  return writeModule(sections);
}
