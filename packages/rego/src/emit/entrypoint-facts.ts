/**
 * What the compiler knows of each entry point, carried inside the module as a custom section, so that a host
 * loading a prebuilt module (`opa-jwt build` output, a bundle's policy.wasm) knows it as well as one that compiled
 * the sources: the parts of the input the entry point can read (plan/input-reads.ts) and whether it is
 * deterministic (plan/determinism.ts). The SDK ignores custom sections; modules built by `opa build` have none, and
 * a host then assumes nothing (the whole input, every evaluation).
 *
 * Section `opa-jwt.entrypoint-facts`: UTF-8 JSON `{"version":1,"entrypoints":{"pkg/rule":{"inputReads":...,
 * "deterministic":true}}}`.
 */
import type { Program } from '../plan/ir';
import { inputReads, type InputReads } from '../plan/input-reads';
import { isDeterministic } from '../plan/determinism';
import { Reader, SECTION, Writer, readSections } from './binary';

export const ENTRYPOINT_FACTS_SECTION = 'opa-jwt.entrypoint-facts';
const VERSION = 1;

export interface EntrypointFacts {
  inputReads: InputReads;
  deterministic: boolean;
}

/** The facts of every entry point of `plan`. */
export function entrypointFacts(plan: Program): Record<string, EntrypointFacts> {
  return Object.fromEntries(
    Object.keys(plan.entrypoints).map((name) => [name, { inputReads: inputReads(plan, name), deterministic: isDeterministic(plan, name) }]),
  );
}

/** `wasm` with the facts appended as a custom section (valid anywhere in a module, so at the end). */
export function withEntrypointFacts(wasm: Uint8Array<ArrayBuffer>, facts: Record<string, EntrypointFacts>): Uint8Array<ArrayBuffer> {
  const body = new Writer()
    .name(ENTRYPOINT_FACTS_SECTION)
    .bytes(new TextEncoder().encode(JSON.stringify({ version: VERSION, entrypoints: facts })))
    .finish();
  return new Writer().bytes(wasm).byte(SECTION.custom).sized(body).finish();
}

/**
 * The facts a compiled module carries, or undefined when it carries none or none this version understands (then a
 * host must assume the whole input and no determinism).
 */
export function readEntrypointFacts(wasm: Uint8Array): Record<string, EntrypointFacts> | undefined {
  let payloads: Uint8Array[];
  try {
    payloads = readSections(wasm)
      .filter((section) => section.id === SECTION.custom)
      .map((section) => {
        const reader = new Reader(section.body);
        return reader.name() === ENTRYPOINT_FACTS_SECTION ? section.body.subarray(reader.pos) : undefined;
      })
      .filter((payload): payload is Uint8Array => payload !== undefined);
  } catch {
    return undefined; // not a module we can read: the SDK will say what is wrong with it
  }
  if (payloads.length !== 1) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloads[0]));
  } catch {
    return undefined;
  }
  const { version, entrypoints } = (parsed ?? {}) as { version?: unknown; entrypoints?: unknown };
  if (version !== VERSION || !isRecord(entrypoints)) return undefined;
  const facts: Record<string, EntrypointFacts> = {};
  for (const [name, value] of Object.entries(entrypoints)) {
    if (!isRecord(value) || typeof value.deterministic !== 'boolean' || !isInputReads(value.inputReads)) return undefined;
    Object.defineProperty(facts, name, {
      value: { inputReads: value.inputReads, deterministic: value.deterministic },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return facts;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInputReads(value: unknown): value is InputReads {
  return value === true || (isRecord(value) && Object.values(value).every(isInputReads));
}
