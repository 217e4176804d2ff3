/**
 * Loading the regorus conformance cases (format: ../shared/conformance/README.md) and decoding
 * their expected values into Rego values: `set!: [..]` is a set, `object!: [{key, value}]` an
 * object whose keys need not be strings, `many!: [..]` several results (or several inputs).
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';

/** A Rego set in an expected value. */
export class RegoSet {
  constructor(readonly items: unknown[]) {}
}

/** A Rego object whose keys may be any value (`object!:`). */
export class RegoObject {
  constructor(readonly entries: Array<[unknown, unknown]>) {}
}

/** Several results (or inputs) of one case (`many!:`). */
export class Many {
  constructor(readonly items: unknown[]) {}
}

export interface RawCase {
  note: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  query?: string;
  want_result?: unknown;
  no_result?: boolean;
  error?: string;
  skip?: boolean;
  want_prints?: string[];
  sort_bindings?: boolean;
  strict?: boolean;
}

export interface ConformanceCase {
  /** `<file path without .yaml>#<note>`, unique over the suite: the key of the known-failures list. */
  id: string;
  /** The group the summary line counts it in: `rule`, `builtins/strings`, `basic_001`, ... */
  category: string;
  raw: RawCase;
  /** Decoded expected value; undefined when the case expects no result or an error. */
  want: unknown;
  /** Decoded input: undefined (no input), a value, or Many. */
  input: unknown;
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return yamlFiles(full);
      return e.name.endsWith('.yaml') || e.name.endsWith('.yml') ? [full] : [];
    });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Turns the YAML encodings `set!`, `object!`, `many!` into RegoSet, RegoObject, Many (recursively). */
export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (!isPlainObject(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const only = v[keys[0]];
    if (keys[0] === 'set!' && Array.isArray(only)) return new RegoSet(only.map(decodeValue));
    if (keys[0] === 'many!' && Array.isArray(only)) return new Many(only.map(decodeValue));
    if (keys[0] === 'object!' && Array.isArray(only)) {
      return new RegoObject(
        only.map((e) => {
          if (!isPlainObject(e) || !('key' in e)) throw new Error(`object! entry without key: ${JSON.stringify(e)}`);
          return [decodeValue(e.key), decodeValue(e.value)] as [unknown, unknown];
        }),
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeValue(v[k]);
  return out;
}

/** True if a decoded value contains sets or non-string-keyed objects (it has no JSON form the SDK accepts). */
export function hasRegoOnlyValues(v: unknown): boolean {
  if (v instanceof RegoSet || v instanceof RegoObject || v instanceof Many) return true;
  if (Array.isArray(v)) return v.some(hasRegoOnlyValues);
  if (isPlainObject(v)) return Object.values(v).some(hasRegoOnlyValues);
  return false;
}

function categoryOf(rel: string): string {
  const parts = rel.replace(/\.ya?ml$/, '').split(path.sep);
  // builtins has one folder per builtin family: count those separately, they fail for different reasons.
  if (parts[0] === 'builtins' && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return parts[0];
}

export function loadCases(root: string): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const seen = new Set<string>();
  for (const file of yamlFiles(root)) {
    const rel = path.relative(root, file);
    const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { cases?: RawCase[] } | null;
    for (const raw of doc?.cases ?? []) {
      let id = `${rel
        .replace(/\.ya?ml$/, '')
        .split(path.sep)
        .join('/')}#${raw.note}`;
      for (let n = 2; seen.has(id); n++) id = `${id}#${n}`;
      seen.add(id);
      out.push({
        id,
        category: categoryOf(rel),
        raw,
        want: raw.want_result === undefined ? undefined : decodeValue(raw.want_result),
        input: raw.input === undefined ? undefined : decodeValue(raw.input),
      });
    }
  }
  return out;
}
