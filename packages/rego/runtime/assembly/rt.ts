// The module's only allocator (used as asc's custom `--runtime`): a bump pointer over the imported
// memory that the SDK resets with opa_heap_ptr_set. Every AssemblyScript allocation goes through
// here, so nothing survives a reset except what lies below the pointer.
import { BLOCK, OBJECT, BLOCK_OVERHEAD, OBJECT_OVERHEAD } from "~lib/rt/common";
import { checkBudget } from "./host";

// Blocks are 8-aligned (f64 fields need no more); the 4-byte size word sits just before a block.
// @ts-ignore: decorator
@lazy let heapTop: usize = (__heap_base + 7) & ~7;

// @ts-ignore: decorator
@inline function align8(n: usize): usize { return (n + 7) & ~7; }

/** Grows the memory so that [0, end) is addressable; the SDK gives no maximum. */
// @ts-ignore: decorator
@inline function ensureMemory(end: usize): void {
  if (end > (<usize>memory.size() << 16)) growMemory(end);
}

// The rare path, kept out of line so that the allocator stays small enough to be inlined where it is called.
function growMemory(end: usize): void {
  let have = <usize>memory.size() << 16;
  let needed = <i32>((end - have + 0xffff) >>> 16);
  let wanted = max(needed, min(memory.size(), 64));
  if (memory.grow(wanted) < 0 && memory.grow(needed) < 0) unreachable();
  // Work that allocates much (a large value built by one builtin) is bounded by the budget too.
  checkBudget();
}

// @ts-ignore: decorator
@global @unsafe
export function __heap_get(): usize { return heapTop; }

// @ts-ignore: decorator
@global @unsafe
export function __heap_set(p: usize): void { heapTop = p; }

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  let ptr = align8(heapTop + BLOCK_OVERHEAD);
  let payload = align8(size);
  let end = ptr + payload;
  ensureMemory(end);
  changetype<BLOCK>(ptr - BLOCK_OVERHEAD).mmInfo = payload;
  heapTop = end;
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  let block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  let have = block.mmInfo;
  let payload = align8(size);
  if (ptr + have == heapTop) { // the newest block: resize in place
    ensureMemory(ptr + payload);
    block.mmInfo = payload;
    heapTop = ptr + payload;
    return ptr;
  }
  if (payload <= have) return ptr;
  let fresh = __alloc(max(payload, have << 1));
  memory.copy(fresh, ptr, have);
  return fresh;
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  let block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  if (ptr + block.mmInfo == heapTop) heapTop = changetype<usize>(block);
}

// @ts-ignore: decorator
@global @unsafe
export function __new(size: usize, id: u32): usize {
  let ptr = __alloc(OBJECT_OVERHEAD + size);
  let object = changetype<OBJECT>(ptr - BLOCK_OVERHEAD);
  object.gcInfo = 0;
  object.gcInfo2 = 0;
  object.rtId = id;
  object.rtSize = <u32>size;
  return ptr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __renew(oldPtr: usize, size: usize): usize {
  let ptr = __realloc(oldPtr - OBJECT_OVERHEAD, OBJECT_OVERHEAD + size);
  changetype<OBJECT>(ptr - BLOCK_OVERHEAD).rtSize = <u32>size;
  return ptr + OBJECT_OVERHEAD;
}

// No garbage collector: the SDK's heap reset is the collector.
// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {}
// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize { return ptr; }
// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {}
// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void {}
// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {}
