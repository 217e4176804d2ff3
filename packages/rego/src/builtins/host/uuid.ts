/** uuid.rfc4122 (random v4, stable per seed within one evaluation) and uuid.parse (google/uuid's accepted forms). */
import { randomUUID } from 'node:crypto';
import { perEvaluation } from './evaluation-cache';
import { Impl, JsonObject, isString } from './values';

/** 100-ns intervals between the Gregorian reform (1582-10-15) and the Unix epoch. */
const GREGORIAN_TO_UNIX_100NS = 0x01b21dd213814000n;

/** The 16 bytes of a UUID in any form google/uuid.Parse accepts: canonical, {braced}, urn:uuid:, or 32 bare hex digits. */
function uuidBytes(s: string): Buffer | undefined {
  let hex: string;
  if (s.length === 32) hex = s;
  else {
    let body: string;
    if (s.length === 36) body = s;
    else if (s.length === 38 && s.startsWith('{') && s.endsWith('}')) body = s.slice(1, -1);
    else if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') body = s.slice(9);
    else return undefined;
    if (body[8] !== '-' || body[13] !== '-' || body[18] !== '-' || body[23] !== '-') return undefined;
    hex = body.replace(/-/g, '');
  }
  return /^[0-9A-Fa-f]{32}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}

function variantName(b: Buffer): string {
  const v = b[8];
  if ((v & 0xc0) === 0x80) return 'RFC4122';
  if ((v & 0xe0) === 0xc0) return 'Microsoft';
  if ((v & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

/** Local/global and unicast/multicast bits of the first node-id byte, as OPA names them. */
function macVariables(first: number): string {
  if ((first & 0b11) === 0b11) return 'local:multicast';
  if (first & 0b01) return 'global:multicast';
  if (first & 0b10) return 'local:unicast';
  return 'global:unicast';
}

const DOMAINS = ['Person', 'Group', 'Org'];

const gregorianToUnixNs = (t: bigint): number => Number((t - GREGORIAN_TO_UNIX_100NS) * 100n);

function parseUuid(s: string): JsonObject | undefined {
  const b = uuidBytes(s);
  if (!b) return undefined;
  const version = b[6] >> 4;
  const out: JsonObject = { version, variant: variantName(b) };
  if (version === 1 || version === 2) {
    const t = BigInt(b.readUInt32BE(0)) | (BigInt(b.readUInt16BE(4)) << 32n) | (BigInt(b.readUInt16BE(6) & 0x0fff) << 48n);
    out.time = gregorianToUnixNs(t);
    out.clocksequence = b.readUInt16BE(8) & 0x3fff;
    out.nodeid = [...b.subarray(10)].map((x) => x.toString(16).padStart(2, '0')).join('-');
    out.macvariables = macVariables(b[10]);
    if (version === 2) {
      out.id = b.readUInt32BE(0);
      out.domain = DOMAINS[b[9]] ?? `Domain${b[9]}`;
    }
  } else if (version === 6) {
    const t = (BigInt(b.readUInt32BE(0)) << 28n) | (BigInt(b.readUInt16BE(4)) << 12n) | BigInt(b.readUInt16BE(6) & 0x0fff);
    out.time = gregorianToUnixNs(t);
  } else if (version === 7) {
    const ms = (BigInt(b.readUInt32BE(0)) << 16n) | BigInt(b.readUInt16BE(4));
    out.time = Number(ms * 1_000_000n);
  }
  return out;
}

export const uuidBuiltins: Record<string, Impl> = {
  // OPA caches the generated UUID per seed for the rest of the query.
  'uuid.rfc4122': (seed) => (isString(seed) ? perEvaluation(`uuid.rfc4122\u0000${seed}`, () => randomUUID()) : undefined),
  'uuid.parse': (s) => (isString(s) ? parseUuid(s) : undefined),
};
