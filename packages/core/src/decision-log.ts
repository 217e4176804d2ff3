/**
 * One decision log entry per policy decision, in the shape of OPA's decision logs
 * (https://www.openpolicyagent.org/docs/latest/management-decision-logs/) so that existing pipelines read them:
 * `decision_id`, `timestamp`, `path`, `input`, `result`, `requested_by`, `metrics.timer_*_ns`, and `masked`
 * listing what was redacted. Credentials never reach a log: the `Authorization`, `Proxy-Authorization` and `Cookie`
 * headers, any header whose name says token/secret/api-key, and `access_token` query parameters are replaced.
 */
import { randomFillSync } from 'node:crypto';
import type { PolicyInput } from './input';
import { memoisedByName } from './name-memo';
import { flatText, setOwnMember } from './fast-json';

export interface DecisionLogEntry {
  decision_id: string;
  /** RFC 3339. */
  timestamp: string;
  /** The entrypoint evaluated, e.g. `authz/decision`. */
  path: string;
  /** The input, credentials redacted. */
  input: unknown;
  /** The entrypoint's value; absent when the rule was undefined or evaluation failed. */
  result?: unknown;
  /** The client's address. */
  requested_by?: string;
  /** JSON pointers of the input members that were redacted, as OPA's `masked`. */
  masked?: string[];
  /** Set when evaluation failed (the request was answered 500). */
  error?: { code: string; message: string };
  labels: { app: 'opa-jwt' };
  metrics: Record<string, number>;
}

export const REDACTED = '[REDACTED]';

/** The pointer `masked` lists when the raw request target held a secret query parameter. */
export const RAW_TARGET_POINTER = '/input/request/http/raw_target';

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|api-?key|password/i;

/** Random bytes for 256 decision ids, drawn from the CSPRNG at once. */
const idBytes = Buffer.alloc(16 * 256);
let idOffset = idBytes.length;
/**
 * One id's character codes, written in place and made a string in one call: `crypto.randomUUID()` builds each id
 * from some 20 concatenated strings, and a Buffer's `toString` is a call into C++.
 */
const idCodes = Array.from('00000000-0000-4000-8000-000000000000', (char) => char.charCodeAt(0));
/** Where each of an id's 16 bytes goes in its text. */
const ID_POSITIONS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const HEX_DIGITS = Array.from('0123456789abcdef', (char) => char.charCodeAt(0));

/** A random (version 4) UUID, RFC 9562 §5.4, as `crypto.randomUUID()` makes them. */
export function newDecisionId(): string {
  if (idOffset === idBytes.length) {
    randomFillSync(idBytes);
    idOffset = 0;
  }
  const at = idOffset;
  idOffset += 16;
  for (let i = 0; i < 16; i++) {
    let byte = idBytes[at + i];
    // The version (4) and the variant (binary 10) take the high bits of bytes 6 and 8.
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    const position = ID_POSITIONS[i];
    idCodes[position] = HEX_DIGITS[byte >> 4];
    idCodes[position + 1] = HEX_DIGITS[byte & 0x0f];
  }
  return String.fromCharCode(...idCodes);
}

/** Shorter values are not searched for in results: too likely to match innocent text. */
const MIN_SECRET_LENGTH = 8;

/**
 * A copy of the input fit for logs, the JSON pointers of what was replaced, and the secret values themselves, so
 * that `redactResult` can keep a policy that echoes one (a token copied into its answer) out of the log too.
 */
export function redactInput(input: PolicyInput, json?: string): { input: unknown; masked: string[]; secrets: string[] } {
  // A JSON round trip: the copy is exactly what the policy saw. `json`, when given, is the text the policy was
  // evaluated with (`JSON.stringify(input)`), so that the input is not serialised twice.
  return redactInPlace(JSON.parse(json ?? JSON.stringify(input)) as PolicyInput);
}

/**
 * The same for a document nothing else holds a reference to (made for this entry, of JSON values only): redacted
 * in place, without a copy, but for its headers and query parameters: the document's have no `Object.prototype`
 * (input.ts), the entry's are plain objects, which sinks serialise faster (fast-json.ts).
 */
export function redactInPlace(copy: PolicyInput): { input: unknown; masked: string[]; secrets: string[] } {
  const masked: string[] = [];
  // An array, not a Set: a Set hashes each secret, and a token is hundreds of characters.
  const secrets: string[] = [];
  const http = copy.request?.http;
  if (http && typeof http === 'object') {
    if (isRecord(http.headers)) http.headers = loggedTable(http.headers, redactedHeader, masked, secrets);
    if (isRecord(http.query)) http.query = loggedTable(http.query, redactedParameter, masked, secrets);
    // The raw target holds the same parameters, still encoded.
    if (typeof http.raw_target === 'string') {
      const redacted = redactRawQuery(http.raw_target);
      if (redacted !== http.raw_target) {
        http.raw_target = redacted;
        masked.push(RAW_TARGET_POINTER);
      }
    }
  }
  return { input: copy, masked, secrets: searchedSecrets(secrets) };
}

/** An object that is not an array: what `Object.keys` lists as names (an input hook may have put anything here). */
function isRecord<T>(value: Record<string, T> | undefined): value is Record<string, T> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A client-named table (headers, query) for the log: each member `redact` has a value for replaced by it (it adds the
 * member's secrets to `secrets` and its pointer to `masked`). The entry holds plain objects (fast-json.ts): a plain
 * table is the document's own (made for the log, or a JSON copy) and is redacted where it is; another is copied.
 */
function loggedTable<T>(
  table: Record<string, T>,
  redact: (name: string, value: T, masked: string[], secrets: string[]) => T | undefined,
  masked: string[],
  secrets: string[],
): Record<string, T> {
  const copied = Object.getPrototypeOf(table) !== Object.prototype;
  const logged: Record<string, T> = copied ? {} : table;
  for (const name of Object.keys(table)) {
    const value = table[name];
    const redacted = redact(name, value, masked, secrets);
    if (redacted !== undefined) setOwnMember(logged, name, redacted);
    else if (copied) setOwnMember(logged, name, value);
  }
  return logged;
}

/**
 * A header's value for the log, when its name says it holds a credential (undefined otherwise): its secrets are
 * added to `secrets` and its pointer to `masked`.
 */
function redactedHeader(name: string, value: string, masked: string[], secrets: string[]): string | undefined {
  const secret = secretHeader(name);
  return secret === null ? undefined : redactedSecretHeader(secret, value, masked, secrets);
}

/** `redactedHeader` of a header known to hold a credential (`secretHeader` of its name). */
export function redactedSecretHeader(secret: SecretHeader, value: string, masked: string[], secrets: string[]): string {
  if (typeof value !== 'string') value = String(value); // an input hook's document may hold anything
  // Keep the scheme: "Bearer [REDACTED]" still tells a reader which kind of credential was sent.
  const scheme = authorizationScheme(value);
  const credential = scheme === undefined ? '' : value.slice(scheme.end);
  // The credential alone finds the whole value too; the whole value is searched when the credential is too
  // short to be (see MIN_SECRET_LENGTH).
  addSecret(secrets, credential.length >= MIN_SECRET_LENGTH ? credential : value);
  // Cookie values one by one: a policy may pick out the session it cares about.
  if (secret.cookie) for (const pair of value.split(/[;,]\s*/)) addSecret(secrets, pair.slice(pair.indexOf('=') + 1));
  masked.push(secret.pointer);
  return scheme !== undefined && secret.authorization ? redactedCredential(scheme.name) : REDACTED;
}

/**
 * `<scheme> <credential>` (the scheme, whitespace, then something): the scheme, and where the credential starts.
 * As `/^(\S+)\s+(?=\S)/`, without running a pattern over a value that is mostly a token of hundreds of characters.
 */
export function authorizationScheme(value: string): { name: string; end: number } | undefined {
  let space = 0;
  while (space < value.length && !isWhitespace(value.charCodeAt(space))) space++;
  if (space === 0) return undefined;
  let end = space;
  while (end < value.length && isWhitespace(value.charCodeAt(end))) end++;
  if (space === end || end === value.length) return undefined;
  return { name: value.slice(0, space), end };
}

/** What `\s` matches in a JavaScript pattern: white space and line terminators. */
function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** A query parameter's values for the log, as `redactedHeader`. */
export function redactedParameter(name: string, values: string[], masked: string[], secrets: string[]): string[] | undefined {
  if (!SECRET_PARAMETER.test(name)) return undefined;
  for (const value of values) addSecret(secrets, value);
  masked.push(queryPointer(name));
  return values.map(() => REDACTED);
}

/** Schemes and parameter names are short words: longer texts a client chose are not remembered. */
const WORD = { maxLength: 64 };

/** `Bearer [REDACTED]` for the scheme `Bearer`: made once per scheme seen. */
const redactedCredential = memoisedByName((scheme) => flatText(`${scheme} ${REDACTED}`), WORD);

/** The JSON pointer of a query parameter in an entry, made once per name seen. */
const queryPointer = memoisedByName((name) => flatText(`/input/request/http/query/${name}`), WORD);

/**
 * The secrets a result is searched for: long enough to mean something, and none that holds another (a text holding
 * `Bearer <token>` holds `<token>`: searching for the token alone finds both).
 */
export function searchedSecrets(secrets: string[]): string[] {
  const long = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  if (long.length < 2) return long;
  return long.filter((secret) => !long.some((other) => other !== secret && secret.includes(other)));
}

/** A header whose value is a secret: its JSON pointer in an entry, and how its value is redacted. */
export interface SecretHeader {
  pointer: string;
  /** Its values are split into cookies, each searched for. */
  cookie: boolean;
  /** Its scheme is kept (`Bearer [REDACTED]`). */
  authorization: boolean;
}

/** What a header name is to the redaction (null: it holds no secret), worked out once per name seen. */
export const secretHeader = memoisedByName((name): SecretHeader | null =>
  SECRET_HEADER.test(name)
    ? {
        pointer: flatText(`/input/request/http/headers/${name}`),
        cookie: /cookie$/i.test(name),
        authorization: /authorization$/i.test(name),
      }
    : null,
);

/** Adds a secret once (requests carry a few). */
function addSecret(secrets: string[], secret: string): void {
  if (!secrets.includes(secret)) secrets.push(secret);
}

const SECRET_PARAMETER = /^access_token$|token|secret|password/i;
const MAYBE_SECRET_QUERY = /%|token|secret|password/i;

/** `/x?access_token=abc&page=1` → `/x?access_token=[REDACTED]&page=1`: names as URLSearchParams reads them. */
export function redactRawQuery(target: string): string {
  const mark = target.indexOf('?');
  if (mark === -1) return target;
  // No parameter name can match without one of these words spelled out, or percent-encoded ('+' only makes spaces).
  if (!MAYBE_SECRET_QUERY.test(target.slice(mark + 1))) return target;
  const hash = target.indexOf('#', mark);
  const end = hash === -1 ? target.length : hash;
  const pairs = target.slice(mark + 1, end).split('&');
  let changed = false;
  for (let i = 0; i < pairs.length; i++) {
    const equals = pairs[i].indexOf('=');
    const rawName = equals === -1 ? pairs[i] : pairs[i].slice(0, equals);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      name = rawName;
    }
    if (equals !== -1 && SECRET_PARAMETER.test(name)) {
      pairs[i] = `${rawName}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${target.slice(0, mark + 1)}${pairs.join('&')}${target.slice(end)}` : target;
}

/**
 * The policy's result fit for logs: any string holding one of the request's secrets is replaced, with its JSON
 * pointer added to `masked`. Policies may return anything, including the raw Authorization header they read.
 */
export function redactResult(result: unknown, secrets: readonly string[], masked: string[]): unknown {
  // Most results hold none: then the result itself (frozen) goes into the entry, no copy made.
  if (secrets.length === 0 || !holdsSecret(result, secrets)) return result;
  // The pointer of a member is only spelled out when it is masked or holds members of its own.
  const scrub = (value: unknown, parent: string, key: string): unknown => {
    if (typeof value === 'string') {
      if (!includesSecret(value, secrets)) return value;
      masked.push(`${parent}/${key}`);
      return REDACTED;
    }
    if (Array.isArray(value)) {
      const pointer = `${parent}/${key}`;
      return value.map((item, index) => scrub(item, pointer, String(index)));
    }
    if (typeof value === 'object' && value !== null) {
      const pointer = `${parent}/${key}`;
      const out: Record<string, unknown> = {}; // plain, as the entry's other objects (fast-json.ts)
      for (const [name, item] of Object.entries(value))
        setOwnMember(out, name, scrub(item, pointer, name.replace(/~/g, '~0').replace(/\//g, '~1')));
      return out;
    }
    return value;
  };
  return scrub(result, '', 'result');
}

function holdsSecret(value: unknown, secrets: readonly string[]): boolean {
  if (typeof value === 'string') return includesSecret(value, secrets);
  if (typeof value !== 'object' || value === null) return false;
  const texts = textsOfFrozen(value);
  if (texts !== undefined) {
    for (let i = 0; i < texts.length; i++) if (includesSecret(texts[i], secrets)) return true;
    return false;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (holdsSecret(item, secrets)) return true;
  return false;
}

/** The strings a deep-frozen result holds, found once per result: remembered answers repeat the same one. */
const textsOfResult = new WeakMap<object, readonly string[] | null>();

/** Every string `value` holds, when nothing in it can change (it is frozen all the way down); else undefined. */
function textsOfFrozen(value: object): readonly string[] | undefined {
  let texts = textsOfResult.get(value);
  if (texts === undefined) {
    const found: string[] = [];
    texts = collectFrozenTexts(value, found) ? found : null;
    textsOfResult.set(value, texts);
  }
  return texts ?? undefined;
}

/** Whether nothing in `value` can change (frozen all the way down, as the policy engine hands results out). */
export function deeplyFrozen(value: object): boolean {
  return textsOfFrozen(value) !== undefined;
}

/** Adds the strings in `value` to `found`; false when some object in it is not frozen. */
function collectFrozenTexts(value: unknown, found: string[]): boolean {
  if (typeof value === 'string') found.push(value);
  if (typeof value !== 'object' || value === null) return true;
  if (!Object.isFrozen(value)) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (!collectFrozenTexts(item, found)) return false;
  return true;
}

function includesSecret(value: string, secrets: readonly string[]): boolean {
  for (let i = 0; i < secrets.length; i++) if (value.includes(secrets[i])) return true;
  return false;
}

/** The last timestamp written, and the millisecond it is of. */
let stampedAt = -1;
let stamp = '';
/** A timestamp's character codes, written in place and made a string in one call (as decision ids). */
const stampCodes = Array.from('0000-00-00T00:00:00.000Z', (char) => char.charCodeAt(0));
const DIGIT_ZERO = 0x30;
const MS_PER_DAY = 86_400_000;
/** Years `Date.prototype.toISOString` writes with four digits (others take a sign and six). */
const FOUR_DIGIT_YEARS = { from: new Date(0).setUTCFullYear(0, 0, 1), to: new Date(0).setUTCFullYear(10000, 0, 1) };

/**
 * The current time as RFC 3339, as `Date.prototype.toISOString` writes it, the entries' `timestamp`: once per
 * millisecond (a busy server logs several decisions in one), by arithmetic rather than through the engine's date
 * formatting, which costs more than the rest of an entry.
 */
export function timestampNow(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stamp = rfc3339(now);
    stampedAt = now;
  }
  return stamp;
}

/** `new Date(ms).toISOString()`. */
export function rfc3339(ms: number): string {
  if (!(ms >= FOUR_DIGIT_YEARS.from && ms < FOUR_DIGIT_YEARS.to)) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  const inDay = ms - days * MS_PER_DAY;
  // Days since 1970-01-01 to a civil date (proleptic Gregorian), in 400-year eras starting on March 1st.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  writeDigits(0, 4, year);
  writeDigits(5, 2, month);
  writeDigits(8, 2, day);
  writeDigits(11, 2, Math.floor(inDay / 3_600_000));
  writeDigits(14, 2, Math.floor(inDay / 60_000) % 60);
  writeDigits(17, 2, Math.floor(inDay / 1000) % 60);
  writeDigits(20, 3, inDay % 1000);
  return String.fromCharCode(...stampCodes);
}

/** Writes `value` as `width` decimal digits at `at` in `stampCodes`. */
function writeDigits(at: number, width: number, value: number): void {
  for (let i = at + width - 1; i >= at; i--) {
    stampCodes[i] = DIGIT_ZERO + (value % 10);
    value = Math.floor(value / 10);
  }
}

/** Monotonic nanoseconds, for the `timer_*_ns` metrics. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function elapsedNs(since: bigint): number {
  return Number(process.hrtime.bigint() - since);
}
