/**
 * Decision log entries as lines of JSON, for the `onDecisionLine` option. For a decision whose document `buildInput`
 * made alone (no protocol members, no input hook, no failure), the line is written straight from what the document is
 * built from (the request, its target, the verified token), redacted on the way, with texts kept per header name,
 * query, token and answer: neither the document nor the entry's objects are made for it, nor walked again to be
 * serialised. It is exactly `JSON.stringify` of the entry `onDecision` is handed for the same decision
 * (decision-line.test.ts writes both for a range of requests); other entries are serialised as they are. The fleet's
 * decision log upload takes the same text, with its own labels and bundles (fleet.ts).
 */
import type { CoreRequest } from './contract';
import { authorityOf, canonicalHeaderName, canonicalHeaders, headerValue, queryParameters } from './input';
import type { RequestTarget } from './request-target';
import type { VerifiedToken } from './token-cache';
import {
  deeplyFrozen,
  RAW_TARGET_POINTER,
  redactedParameter,
  redactedSecretHeader,
  redactRawQuery,
  redactResult,
  searchedSecrets,
  secretHeader,
  type SecretHeader,
} from './decision-log';
import { upperCaseMethod } from './http-method';
import { memoisedByName } from './name-memo';
import { tokenText } from './token-texts';

/** An entry's `metrics`, in the order the entry holds them. */
export type DecisionMetrics = {
  timer_token_verify_ns: number;
  timer_rego_input_parse_ns: number;
  timer_rego_query_eval_ns: number;
  timer_server_handler_ns: number;
};

/** What an entry holds besides its input and result. */
export interface LineFacts {
  decisionId: string;
  timestamp: string;
  /** The entrypoint evaluated: the entry's `path`. */
  entrypoint: string;
  metrics: DecisionMetrics;
  /** The client's address, as `normaliseIp` gives it (the document's `source.ip` too). */
  requestedBy: string | undefined;
}

/**
 * A line in two parts, either side of the entry's `labels`: the fleet's upload puts its own labels between them
 * (and its bundles at the end), as OPA's decision logs carry them.
 */
export interface LineParts {
  /** Up to `"labels":`. */
  beforeLabels: string;
  /** From the `metrics` member on, without the closing brace. */
  afterLabels: string;
}

/** The entry's own labels, as `JSON.stringify` writes them. */
const OPA_JWT_LABELS = '{"app":"opa-jwt"}';

/** The line of a decision, from its parts. */
export function joinedLine(parts: LineParts): string {
  return `${parts.beforeLabels}${OPA_JWT_LABELS}${parts.afterLabels}}`;
}

/**
 * The line of the entry for the document `buildInput(request, verified, target)` would make, and the policy's
 * `result` (undefined when the rule was undefined), in its two parts.
 */
export function decisionLineParts(
  request: CoreRequest,
  verified: VerifiedToken | undefined,
  target: RequestTarget,
  result: unknown,
  facts: LineFacts,
): LineParts {
  const masked: string[] = [];
  const secrets: string[] = [];
  // Redacted in the order `redactInPlace` redacts, so that `masked` lists the same pointers in the same order.
  const headers = headersText(request.headers, masked, secrets);
  const query = queryTexts(target.query ?? '');
  for (const pointer of query.masked) masked.push(pointer);
  for (const secret of query.secrets) secrets.push(secret);
  const rawTarget = redactRawQuery(request.url);
  if (rawTarget !== request.url) masked.push(RAW_TARGET_POINTER);
  const host = headers.host ?? quoted(authorityOf(request));
  const method = quotedWord(upperCaseMethod(request.method));
  const path = quoted(target.path);
  const route = request.route === undefined ? '' : `,"route":${quoted(request.route)}`;
  // The document's `source.ip` is the entry's `requested_by`: both `normaliseIp(request.ip)` when there is one.
  const address = facts.requestedBy === undefined ? undefined : quoted(facts.requestedBy);
  const source = address === undefined ? '{}' : `{"ip":${address}}`;
  const jwt = verified === undefined ? '' : `,"jwt":${tokenText(verified)}`;
  const document =
    `{"source":${source},"request":{"http":{"host":${host},"method":${method},"path":${path},"raw_target":${quoted(rawTarget)}` +
    `,"headers":${headers.text},"query":${query.text}${route}}},"method":${method},"path":${path}${jwt}}`;
  // The decision id and the timestamp are ours (hex digits, dashes, digits): nothing in them to escape.
  const beforeLabels = `{"decision_id":"${facts.decisionId}","timestamp":"${facts.timestamp}","path":${quotedWord(facts.entrypoint)},"input":${document},"labels":`;
  const { metrics } = facts;
  let afterLabels =
    `,"metrics":{"timer_token_verify_ns":${numberText(metrics.timer_token_verify_ns)}` +
    `,"timer_rego_input_parse_ns":${numberText(metrics.timer_rego_input_parse_ns)}` +
    `,"timer_rego_query_eval_ns":${numberText(metrics.timer_rego_query_eval_ns)}` +
    `,"timer_server_handler_ns":${numberText(metrics.timer_server_handler_ns)}}`;
  if (result !== undefined) afterLabels += `,"result":${resultText(redactResult(result, searchedSecrets(secrets), masked))}`;
  if (address !== undefined) afterLabels += `,"requested_by":${address}`;
  if (masked.length > 0) afterLabels += `,"masked":${listText(masked)}`;
  return { beforeLabels, afterLabels };
}

/** What a raw header name is to a line, worked out once per name. */
interface HeaderName {
  canonical: string;
  /** `"Canonical-Name":`. */
  member: string;
  /** A name written in lower case, as Node's parser hands every name over: no two of them share a canonical name. */
  lowerCase: boolean;
  /** How its value is redacted; null when it holds no credential. */
  secret: SecretHeader | null;
}

const headerNames = memoisedByName((name): HeaderName => {
  const canonical = canonicalHeaderName(name);
  return { canonical, member: memberName(canonical), lowerCase: name === name.toLowerCase(), secret: secretHeader(canonical) };
});

/**
 * The headers' text, in `canonicalHeaders` order and form, redacted, and the host's value (quoted). Straight from the
 * request's headers when their names are in lower case (no two then join under one canonical name), else from
 * `canonicalHeaders` (`joined`).
 */
function headersText(
  headers: CoreRequest['headers'],
  masked: string[],
  secrets: string[],
  joined = false,
): { text: string; host: string | undefined } {
  let text = '';
  let host: string | undefined;
  for (const name of Object.keys(headers)) {
    const whole = headerValue(name, headers[name]);
    if (whole === undefined) continue;
    const { canonical, member, lowerCase, secret } = headerNames(name);
    if (!lowerCase && !joined) {
      // Names that may join: start again from the joined headers (nothing else was redacted yet).
      masked.length = 0;
      secrets.length = 0;
      return headersText(canonicalHeaders(headers), masked, secrets, true);
    }
    const valueText = quoted(secret === null ? whole : redactedSecretHeader(secret, whole, masked, secrets));
    if (canonical === 'Host') host = valueText;
    text += `${text === '' ? '{' : ','}${member}${valueText}`;
  }
  return { text: text === '' ? '{}' : `${text}}`, host };
}

/** A query's text for the log, with the pointers and secrets of what was redacted. */
interface QueryTexts {
  text: string;
  masked: readonly string[];
  secrets: readonly string[];
}

/** Per query string (targets repeat): the parameters `queryParameters` reads, redacted. */
const queryTexts = memoisedByName((query): QueryTexts => {
  const masked: string[] = [];
  const secrets: string[] = [];
  const parameters = queryParameters(query);
  let text = '';
  for (const name of Object.keys(parameters)) {
    const values = parameters[name];
    text += `${text === '' ? '{' : ','}${memberName(name)}${listText(redactedParameter(name, values, masked, secrets) ?? values)}`;
  }
  return { text: text === '' ? '{}' : `${text}}`, masked, secrets };
});

/** The texts of results that cannot change (frozen all the way down, as the policy engine hands them out). */
const resultTexts = new WeakMap<object, string>();

function resultText(result: unknown): string {
  if (typeof result !== 'object' || result === null) return JSON.stringify(result);
  let text = resultTexts.get(result);
  if (text === undefined) {
    text = JSON.stringify(result);
    if (deeplyFrozen(result)) resultTexts.set(result, text);
  }
  return text;
}

/** Characters `JSON.stringify` writes escaped: controls, quote, backslash, and (when unpaired) surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what is looked for
const ESCAPED = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** `JSON.stringify(text)`, without the call for the texts that need no escape (nearly all). */
function quoted(text: string): string {
  return ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** `"name":`, once per name seen (names a client chose are bounded as in name-memo.ts). */
const memberName = memoisedByName((name) => `${JSON.stringify(name)}:`);

/** `quoted` of the few texts every entry repeats (entrypoints, methods), once per text. */
const quotedWord = memoisedByName(quoted, { maxLength: 64 });

/** `JSON.stringify` of a list of texts. */
function listText(texts: readonly string[]): string {
  let text = '';
  for (const item of texts) text += `${text === '' ? '[' : ','}${quoted(item)}`;
  return text === '' ? '[]' : `${text}]`;
}

/** `JSON.stringify` of a number (a call into the runtime costs more than the text of four). */
function numberText(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}
