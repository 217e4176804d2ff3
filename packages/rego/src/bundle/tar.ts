/**
 * A minimal ustar writer and reader: enough for OPA bundles, no dependency.
 * The reader also understands what Go's archive/tar (used by `opa build`) may emit:
 * PAX extended headers (`x`, long paths), GNU long names (`L`), directory entries and
 * base-256 sizes; global headers (`g`) and other entry types are skipped.
 */

const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive exactly as stored (may start with `/`). */
  path: string;
  /** `file` for regular files; directories and other types are reported but carry no content. */
  type: 'file' | 'directory' | 'other';
  content: Buffer;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(`invalid tar archive: ${message}`);
    this.name = 'TarFormatError';
  }
}

// ---------------------------------------------------------------- writing

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  bytes.copy(header, offset);
}

/** Octal digits, zero padded, followed by a NUL, filling `length` bytes. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

/** Splits a long path into ustar's prefix (<=155 bytes) and name (<=100 bytes) at a slash, if possible. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  return undefined;
}

function header(path: string, size: number, typeflag: string, mtime: number): Buffer {
  const split = splitUstarPath(path);
  if (!split) throw new Error(`tar path cannot be stored in a ustar header: ${path}`);
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, split.name);
  writeOctal(h, 100, 8, typeflag === '5' ? 0o755 : 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  writeString(h, 156, 1, typeflag);
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 345, 155, split.prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** A PAX record `"<len> path=<value>\n"` where len counts the whole record, itself included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

export interface TarInput {
  path: string;
  content: Buffer | Uint8Array | string;
}

/** An uncompressed ustar archive of regular files (paths stored as given). */
export function writeTar(files: TarInput[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
    if (!splitUstarPath(file.path)) {
      // Too long for ustar: a PAX extended header carries the real path.
      const pax = Buffer.from(paxRecord('path', file.path), 'utf8');
      parts.push(header('PaxHeader', pax.length, 'x', mtime), pax, padding(pax.length));
      parts.push(header('long-path', content.length, '0', mtime));
    } else {
      parts.push(header(file.path, content.length, '0', mtime));
    }
    parts.push(content, padding(content.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end of archive: two zero blocks
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- reading

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0] & 0x80) {
    // GNU base-256: big-endian binary with the top bit of the first byte as marker.
    let value = field[0] & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad numeric field "${text}"`);
  return parseInt(text, 8);
}

function verifyChecksum(block: Buffer, at: number): void {
  const stored = readNumber(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  if (sum !== stored) throw new TarFormatError(`header checksum mismatch at offset ${at}`);
}

function parsePax(content: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let pos = 0;
  while (pos < content.length) {
    const space = content.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(content.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(length) || length <= 0) throw new TarFormatError('bad PAX record length');
    const record = content.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return records;
}

/** Every entry of an uncompressed tar archive, in order. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  let nextPath: string | undefined; // from a PAX `x` or GNU `L` entry, applies to the next entry only
  let nextSize: number | undefined;
  while (pos + BLOCK <= archive.length) {
    const block = archive.subarray(pos, pos + BLOCK);
    if (block.every((b) => b === 0)) break; // end-of-archive marker
    verifyChecksum(block, pos);
    const typeflag = readString(block, 156, 1) || '0';
    const size = nextSize ?? readNumber(block, 124, 12);
    const start = pos + BLOCK;
    if (start + size > archive.length) throw new TarFormatError(`entry at offset ${pos} is truncated`);
    const content = archive.subarray(start, start + size);
    pos = start + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'x') {
      const pax = parsePax(content);
      if (pax.path !== undefined) nextPath = pax.path;
      if (pax.size !== undefined) nextSize = Number(pax.size);
      continue;
    }
    if (typeflag === 'L') {
      nextPath = readString(content, 0, content.length);
      continue;
    }
    if (typeflag === 'g') continue;

    const magic = readString(block, 257, 6);
    // Only POSIX ustar has a prefix field; GNU tar (magic "ustar ") keeps other data there.
    const prefix = magic === 'ustar' ? readString(block, 345, 155) : '';
    const name = readString(block, 0, 100);
    const path = nextPath ?? (prefix ? `${prefix}/${name}` : name);
    nextPath = undefined;
    nextSize = undefined;
    const type = typeflag === '0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : 'other';
    entries.push({ path, type, content: type === 'file' ? Buffer.from(content) : Buffer.alloc(0) });
  }
  return entries;
}
