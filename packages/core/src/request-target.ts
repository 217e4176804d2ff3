/**
 * The path the policy sees: the request target (RFC 9112 §3.2) reduced to the path the framework's router matches
 * on, so that a rule about `/admin` catches every request the router sends to the `/admin` handler.
 *
 *   raw target ─ absolute-form (`http://host/admin`)? keep the path only, as Express, Koa and Fastify route it
 *              ─ cut the query (and a fragment; with Fastify's `useSemicolonDelimiter`, a `;` too)
 *              ─ refuse characters a path may not hold raw (RFC 3986 §3.3) and malformed percent-escapes
 *              ─ decode percent-escapes as find-my-way (Fastify) does: all but those of reserved characters and `%`
 *              ─ merge slashes (Fastify's `ignoreDuplicateSlashes` only) ─ refuse `.` and `..` segments
 *              ─ drop one trailing slash unless the router is strict ─ lower-case unless it is case-sensitive
 *
 * Dot segments are refused, not resolved: none of the routers resolves them (`/public/../admin` reaches a
 * `/public/*` route), so a resolved path would name a route the request does not reach. Decoding more than Express
 * and Koa do (they match the encoded path) only shows the policy what the handler's parameters hold.
 */
import { HttpError } from './errors';
import { memoisedByName } from './name-memo';

/** How the framework's router matches paths; adapters fill it in from the app's own settings. */
export interface RoutingOptions {
  /** `/Admin` and `/admin` are different routes. Default false (Express, @koa/router): the path is lower-cased. */
  caseSensitive?: boolean;
  /** `/admin/` and `/admin` are different routes. Default false (Express, @koa/router): one trailing `/` is dropped. */
  strictTrailingSlash?: boolean;
  /** `//admin` is routed as `/admin` (Fastify's `ignoreDuplicateSlashes`). Default false. */
  mergeSlashes?: boolean;
  /** `;` ends the path as `?` does (Fastify's `useSemicolonDelimiter`). Default false. */
  semicolonEndsPath?: boolean;
}

export interface RequestTarget {
  /** The canonical path (see the file header). */
  path: string;
  /** The query string without its `?`; undefined when there is none. */
  query: string | undefined;
}

/** Why a request target was refused. */
export type MalformedTargetReason =
  /** Neither origin-form (`/path`) nor http(s) absolute-form. */
  | 'target_form'
  | 'target_authority'
  /** Characters that must be percent-encoded. */
  | 'target_characters'
  /** A `.` or `..` segment. */
  | 'target_dot_segment'
  /** A malformed percent-escape. */
  | 'target_encoding';

/** 400 for a request target the policy could not be shown faithfully; no Bearer challenge: credentials would not help. */
export class MalformedTargetError extends HttpError {
  readonly status = 400;
  readonly code = 'invalid_request';
  override readonly name = 'MalformedTargetError';
  /** Short machine-readable cause for logs. */
  readonly reason: MalformedTargetReason;

  constructor(reason: MalformedTargetReason, description: string) {
    super(`the request target cannot be accepted: ${description}`);
    this.reason = reason;
  }
}

const DEFAULT_ROUTING: RoutingOptions = {};

/** RFC 3986 pchar and `/`, plus `%` (escapes are checked when decoded). */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
/** A path that needs none of the steps below but the case check: no escape, no empty or all-dots segment, no trailing `/`. */
const PLAIN_PATH = /^(?:\/\.*[A-Za-z0-9\-_~!$&'()*+,;=:@][A-Za-z0-9\-._~!$&'()*+,;=:@]*)+$/;
/** `scheme://authority` of an absolute-form target; only http(s), the schemes a server can be asked for. */
const ABSOLUTE_FORM = /^https?:\/\//i;
/** Host, port and userinfo without anything a URL parser could read as the end of the authority. */
const AUTHORITY = /^(?:[A-Za-z0-9\-._~:]*@)?(?:[A-Za-z0-9\-._~]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/;
const UPPER = /[A-Z]/;
const PATH_END = /[?#]/;
const PATH_END_SEMICOLON = /[?#;]/;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Longer targets are worked out each time: remembering them would hold too much text a client chose. */
const MAX_REMEMBERED_LENGTH = 256;

/**
 * Whether `requestTarget` remembers the object it gives for this raw target: such an object is made for that text
 * (and routing) alone and given to the requests that repeat it, so that another memory may key by it what depends
 * on the text (policy/answer-origins.ts).
 */
export const isSharedTarget = (raw: string): boolean => raw.length <= MAX_REMEMBERED_LENGTH;

/** Routing options as a number made of their flags: two routings read a target alike when their numbers are equal. */
export function routingFlags(routing: RoutingOptions = DEFAULT_ROUTING): number {
  return (
    (routing.caseSensitive ? 1 : 0) |
    (routing.strictTrailingSlash ? 2 : 0) |
    (routing.mergeSlashes ? 4 : 0) |
    (routing.semicolonEndsPath ? 8 : 0)
  );
}

/** One memory per combination of routing options, by `routingFlags`. */
const remembered: Array<(raw: string) => RequestTarget> = [];

/**
 * The target's path and query (frozen: requests share them). Clients repeat their targets, so each raw text is
 * worked out once per routing; one that is refused is worked out (and refused) each time.
 */
export function requestTarget(raw: string, routing: RoutingOptions = DEFAULT_ROUTING): RequestTarget {
  if (raw.length > MAX_REMEMBERED_LENGTH) return parseTarget(raw, routing);
  const flags = routingFlags(routing);
  let memory = remembered[flags];
  if (memory === undefined) {
    const options: RoutingOptions = {
      caseSensitive: (flags & 1) !== 0,
      strictTrailingSlash: (flags & 2) !== 0,
      mergeSlashes: (flags & 4) !== 0,
      semicolonEndsPath: (flags & 8) !== 0,
    };
    memory = remembered[flags] = memoisedByName((text) => Object.freeze(parseTarget(text, options)));
  }
  return memory(raw);
}

function parseTarget(raw: string, routing: RoutingOptions): RequestTarget {
  let rest = raw;
  if (rest.charCodeAt(0) !== 0x2f /* / */) {
    const scheme = ABSOLUTE_FORM.exec(rest);
    if (!scheme) throw new MalformedTargetError('target_form', 'only origin-form (/path) and http(s) absolute-form targets are accepted');
    const afterScheme = rest.slice(scheme[0].length);
    const end = afterScheme.search(/[/?#]/);
    const authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
    if (!AUTHORITY.test(authority))
      throw new MalformedTargetError('target_authority', 'the authority of an absolute-form target is malformed');
    rest = end === -1 ? '/' : afterScheme.charCodeAt(end) === 0x2f ? afterScheme.slice(end) : `/${afterScheme.slice(end)}`;
  }

  // Where the path ends: `?` (and `#`, which no framework routes on); `;` too where the router says so.
  const pathEnd = routing.semicolonEndsPath ? rest.search(PATH_END_SEMICOLON) : rest.search(PATH_END);
  let query: string | undefined;
  if (pathEnd !== -1 && rest.charCodeAt(pathEnd) !== 0x23 /* # */) {
    const hash = rest.indexOf('#', pathEnd + 1);
    query = hash === -1 ? rest.slice(pathEnd + 1) : rest.slice(pathEnd + 1, hash);
  }
  let path = pathEnd === -1 ? rest : rest.slice(0, pathEnd);

  if (path !== '/' && !PLAIN_PATH.test(path)) {
    if (!PATH_CHARS.test(path))
      throw new MalformedTargetError('target_characters', 'the path holds characters that must be percent-encoded');
    if (path.includes('%')) path = decodePath(path);
    if (routing.mergeSlashes) path = path.replace(/\/{2,}/g, '/');
    if (DOT_SEGMENT.test(path)) throw new MalformedTargetError('target_dot_segment', 'the path holds a "." or ".." segment');
    if (!routing.strictTrailingSlash && path.length > 1 && path.charCodeAt(path.length - 1) === 0x2f) path = path.slice(0, -1);
  }
  if (!routing.caseSensitive && UPPER.test(path)) path = path.toLowerCase();
  return { path, query };
}

/** Escapes of reserved characters (RFC 3986 §2.2) and of `%` stay escaped: decoding them would change the path's structure. */
const KEPT_ESCAPE = /%(2[3456BCF]|3[ABDF]|40)/gi;

/**
 * `decodeURI` decodes every escape but those of reserved characters; `%25` is escaped once more first, so that
 * `%2561` stays `%2561` rather than becoming `%61` (and `/admin` to whoever decodes it next). Kept escapes are
 * upper-cased (RFC 3986 §6.2.2.1).
 */
function decodePath(path: string): string {
  let decoded: string;
  try {
    decoded = decodeURI(path.replace(/%25/g, '%2525'));
  } catch {
    throw new MalformedTargetError('target_encoding', 'the path holds a malformed percent-escape');
  }
  return decoded.includes('%') ? decoded.replace(KEPT_ESCAPE, (escape) => escape.toUpperCase()) : decoded;
}
