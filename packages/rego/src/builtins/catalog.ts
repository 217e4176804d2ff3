/**
 * The builtins this compiler supports, with OPA's type signatures (OPA policy reference, "Built-in Functions").
 * The compiler uses it to type-check calls and to tell "unsupported builtin" from "undefined function".
 *
 * Every builtin here has a JS implementation in ./host (exported as `hostBuiltins`). Which ones a module
 * runs inside wasm instead is the emitter's choice (src/emit/natives.ts); `needsNativeValues` marks those
 * whose host version is only exact for values without sets or non-string object keys, so they belong there.
 */
import { ANY, B, BuiltinSignature, N, NULL, RegoType, S, SetResult, arrayOf, objectOf, setOf, tuple, union } from './types';

interface Extra {
  infix?: string;
  nondeterministic?: boolean;
  setResult?: SetResult;
  needsNativeValues?: boolean;
  hostName?: string;
  v0Only?: boolean;
}

/**
 * Host names for builtins the stock SDK shadows (its own `sprintf` is sprintf-js, its `regex.split`
 * is JavaScript's String.split, which keeps capture groups, its `yaml.*` read YAML 1.2): a module imports ours
 * under this name.
 */
const SDK_SHADOWED_PREFIX = 'opa-jwt:';

const table: BuiltinSignature[] = [];
function def(name: string, args: RegoType[], result: RegoType, extra: Extra = {}): void {
  table.push({ name, args, result, ...extra });
}

// Shared argument shapes.
const ANY_ARRAY = arrayOf(ANY);
const ANY_SET = setOf(ANY);
const ANY_OBJECT = objectOf(ANY, ANY);
const COLLECTION = union(ANY_ARRAY, ANY_SET);
const NUMBERS = union(arrayOf(N), setOf(N));
const STRINGS = union(arrayOf(S), setOf(S));
const STRING_OR_STRINGS = union(S, arrayOf(S), setOf(S));
/** time.* accept ns or [ns, timezone] */
const TIME = union(N, tuple(N, S));
const NUMBER_OR_SET = union(N, ANY_SET);
const JSON_PATHS = union(arrayOf(union(S, ANY_ARRAY)), setOf(union(S, ANY_ARRAY)));

// ---- comparison and equality (operators) ----
def('equal', [ANY, ANY], B, { infix: '==', needsNativeValues: true });
def('neq', [ANY, ANY], B, { infix: '!=', needsNativeValues: true });
def('lt', [ANY, ANY], B, { infix: '<', needsNativeValues: true });
def('lte', [ANY, ANY], B, { infix: '<=', needsNativeValues: true });
def('gt', [ANY, ANY], B, { infix: '>', needsNativeValues: true });
def('gte', [ANY, ANY], B, { infix: '>=', needsNativeValues: true });

// ---- arithmetic and set operators ----
def('plus', [N, N], N, { infix: '+' });
def('minus', [NUMBER_OR_SET, NUMBER_OR_SET], NUMBER_OR_SET, { infix: '-', setResult: 'when-first-arg-is-set' });
def('mul', [N, N], N, { infix: '*' });
def('div', [N, N], N, { infix: '/' });
def('rem', [N, N], N, { infix: '%' });
def('and', [ANY_SET, ANY_SET], ANY_SET, { infix: '&', setResult: 'always' });
def('or', [ANY_SET, ANY_SET], ANY_SET, { infix: '|', setResult: 'always' });
def('internal.member_2', [ANY, ANY], B, { infix: 'in', needsNativeValues: true });
def('internal.member_3', [ANY, ANY, ANY], B, { infix: 'in', needsNativeValues: true });

// ---- numbers ----
def('abs', [N], N);
def('ceil', [N], N);
def('floor', [N], N);
def('round', [N], N);
def('numbers.range', [N, N], arrayOf(N));
def('numbers.range_step', [N, N, N], arrayOf(N));
def('rand.intn', [S, N], N, { nondeterministic: true });

// ---- aggregates ----
def('count', [union(S, ANY_ARRAY, ANY_OBJECT, ANY_SET)], N);
def('sum', [NUMBERS], N);
def('product', [NUMBERS], N);
def('max', [COLLECTION], ANY, { needsNativeValues: true });
def('min', [COLLECTION], ANY, { needsNativeValues: true });
def('sort', [COLLECTION], ANY_ARRAY, { needsNativeValues: true });

// ---- arrays ----
// Elements pass through unchanged, and JSON would turn element sets into arrays.
def('array.concat', [ANY_ARRAY, ANY_ARRAY], ANY_ARRAY, { needsNativeValues: true });
def('array.slice', [ANY_ARRAY, N, N], ANY_ARRAY, { needsNativeValues: true });
def('array.reverse', [ANY_ARRAY], ANY_ARRAY, { needsNativeValues: true });

// ---- sets ----
def('intersection', [setOf(ANY_SET)], ANY_SET, { setResult: 'always' });
def('union', [setOf(ANY_SET)], ANY_SET, { setResult: 'always' });

// ---- objects ----
// All of these return (parts of) their arguments, which may hold sets or non-string keys: a host
// version would hand back arrays for sets (object.get(x, "k", set()) would answer [] instead of set()).
def('object.get', [ANY_OBJECT, ANY, ANY], ANY, { needsNativeValues: true });
def('object.keys', [ANY_OBJECT], ANY_SET, { setResult: 'always', needsNativeValues: true });
def('object.union', [ANY_OBJECT, ANY_OBJECT], ANY, { needsNativeValues: true });
def('object.union_n', [arrayOf(ANY_OBJECT)], ANY, { needsNativeValues: true });
def('object.remove', [ANY_OBJECT, union(ANY_ARRAY, ANY_OBJECT, ANY_SET)], ANY, { needsNativeValues: true });
def('object.filter', [ANY_OBJECT, union(ANY_ARRAY, ANY_OBJECT, ANY_SET)], ANY, { needsNativeValues: true });
def('object.subset', [union(ANY_OBJECT, ANY_SET, ANY_ARRAY), union(ANY_OBJECT, ANY_SET, ANY_ARRAY)], B, { needsNativeValues: true });
def('json.filter', [ANY_OBJECT, JSON_PATHS], ANY, { needsNativeValues: true });
def('json.remove', [ANY_OBJECT, JSON_PATHS], ANY, { needsNativeValues: true });
// Paths may address set members by value, which only the wasm values can do.
def('json.patch', [ANY, arrayOf(objectOf(S, ANY))], ANY, { needsNativeValues: true });
// A relation: `walk(x, [path, value])` yields one [path, value] pair per node of x (the result type
// is one pair). The wasm runtime returns all pairs as an array and the planner scans it.
def('walk', [ANY], tuple(arrayOf(ANY), ANY), { needsNativeValues: true });

// ---- strings ----
def('concat', [S, STRINGS], S);
def('contains', [S, S], B);
def('endswith', [S, S], B);
def('startswith', [S, S], B);
def('format_int', [N, N], S);
def('indexof', [S, S], N);
def('indexof_n', [S, S], arrayOf(N));
def('lower', [S], S);
def('upper', [S], S);
def('replace', [S, S, S], S);
def('split', [S, S], arrayOf(S));
def('sprintf', [S, ANY_ARRAY], S, { needsNativeValues: true, hostName: `${SDK_SHADOWED_PREFIX}sprintf` });
def('substring', [S, N, N], S);
def('trim', [S, S], S);
def('trim_left', [S, S], S);
def('trim_right', [S, S], S);
def('trim_prefix', [S, S], S);
def('trim_suffix', [S, S], S);
def('trim_space', [S], S);
def('strings.replace_n', [objectOf(S, S), S], S);
def('strings.reverse', [S], S);
def('strings.any_prefix_match', [STRING_OR_STRINGS, STRING_OR_STRINGS], B);
def('strings.any_suffix_match', [STRING_OR_STRINGS, STRING_OR_STRINGS], B);
def('strings.count', [S, S], N);

// ---- regex and glob ----
def('regex.match', [S, S], B);
def('regex.is_valid', [S], B);
def('regex.find_n', [S, S, N], arrayOf(S));
def('regex.split', [S, S], arrayOf(S), { hostName: `${SDK_SHADOWED_PREFIX}regex.split` });
def('regex.replace', [S, S, S], S);
def('regex.find_all_string_submatch_n', [S, S, N], arrayOf(arrayOf(S)));
def('regex.template_match', [S, S, S, S], B);
def('glob.match', [S, union(NULL, arrayOf(S)), S], B);
def('glob.quote_meta', [S], S);

// ---- types ----
def('is_number', [ANY], B);
def('is_string', [ANY], B);
def('is_boolean', [ANY], B);
def('is_array', [ANY], B, { needsNativeValues: true });
def('is_set', [ANY], B, { needsNativeValues: true });
def('is_object', [ANY], B);
def('is_null', [ANY], B);
def('type_name', [ANY], S, { needsNativeValues: true });
def('to_number', [union(NULL, B, N, S)], N);

// ---- encoding ----
def('base64.encode', [S], S);
def('base64.decode', [S], S);
def('base64.is_valid', [S], B);
def('base64url.encode', [S], S);
def('base64url.encode_no_pad', [S], S);
def('base64url.decode', [S], S);
def('hex.encode', [S], S);
def('hex.decode', [S], S);
def('json.marshal', [ANY], S, { needsNativeValues: true });
def('json.marshal_with_options', [ANY, objectOf(S, ANY)], S, { needsNativeValues: true });
def('json.unmarshal', [S], ANY);
def('json.is_valid', [S], B);
def('urlquery.encode', [S], S);
def('urlquery.decode', [S], S);
def('urlquery.encode_object', [objectOf(S, union(S, arrayOf(S), setOf(S)))], S);
def('urlquery.decode_object', [S], objectOf(S, arrayOf(S)));

// ---- tokens ----
def('io.jwt.decode', [S], tuple(ANY_OBJECT, ANY_OBJECT, S));
for (const alg of ['rs256', 'rs384', 'rs512', 'ps256', 'ps384', 'ps512', 'es256', 'es384', 'es512', 'hs256', 'hs384', 'hs512', 'eddsa']) {
  def(`io.jwt.verify_${alg}`, [S, S], B);
}
// The result depends on the current time unless constraints.time is given.
def('io.jwt.decode_verify', [S, objectOf(S, ANY)], tuple(B, ANY_OBJECT, ANY_OBJECT), { nondeterministic: true });

// ---- time ----
def('time.now_ns', [], N, { nondeterministic: true });
def('time.parse_rfc3339_ns', [S], N);
def('time.parse_ns', [S, S], N);
def('time.parse_duration_ns', [S], N);
def('time.date', [TIME], tuple(N, N, N));
def('time.clock', [TIME], tuple(N, N, N));
def('time.weekday', [TIME], S);
def('time.add_date', [N, N, N, N], N);
def('time.diff', [TIME, TIME], tuple(N, N, N, N, N, N));
def('time.format', [union(N, tuple(N, S), tuple(N, S, S))], S);

// ---- net ----
def('net.cidr_contains', [S, S], B);
def('net.cidr_intersects', [S, S], B);
def('net.cidr_is_valid', [S], B);
def('net.cidr_expand', [S], setOf(S), { setResult: 'always' });
def('net.cidr_merge', [union(arrayOf(S), setOf(S))], setOf(S), { setResult: 'always' });

// ---- crypto ----
def('crypto.md5', [S], S);
def('crypto.sha1', [S], S);
def('crypto.sha256', [S], S);
def('crypto.hmac.md5', [S, S], S);
def('crypto.hmac.sha1', [S, S], S);
def('crypto.hmac.sha256', [S, S], S);
def('crypto.hmac.sha512', [S, S], S);
def('crypto.hmac.equal', [S, S], B);

// ---- units, semver, uuid, bits ----
def('units.parse', [S], N);
def('units.parse_bytes', [S], N);
def('semver.compare', [S, S], N);
def('semver.is_valid', [ANY], B);
def('uuid.rfc4122', [S], S, { nondeterministic: true });
def('uuid.parse', [S], objectOf(S, ANY));
def('bits.and', [N, N], N);
def('bits.or', [N, N], N);
def('bits.xor', [N, N], N);
def('bits.negate', [N], N);
def('bits.lsh', [N, N], N);
def('bits.rsh', [N, N], N);

// ---- YAML (the SDK's own yaml.* follow YAML 1.2 and hide parse errors) ----
def('yaml.unmarshal', [S], ANY, { hostName: `${SDK_SHADOWED_PREFIX}yaml.unmarshal` });
def('yaml.is_valid', [S], B, { hostName: `${SDK_SHADOWED_PREFIX}yaml.is_valid` });

// ---- JSON Schema ----
def('json.verify_schema', [union(S, ANY_OBJECT)], tuple(B, union(NULL, S)));
def('json.match_schema', [union(S, ANY_OBJECT, ANY_ARRAY), union(S, ANY_OBJECT)], tuple(B, arrayOf(objectOf(S, ANY))));

// ---- graphs ----
// Nodes are looked up as object keys, which JSON only carries as strings.
const GRAPH = objectOf(ANY, union(ANY_ARRAY, ANY_SET));
def('graph.reachable', [GRAPH, COLLECTION], ANY_SET, { setResult: 'always', needsNativeValues: true });
def('graph.reachable_paths', [GRAPH, COLLECTION], setOf(ANY_ARRAY), { setResult: 'always', needsNativeValues: true });

// ---- debugging ----
def('trace', [S], B);

// ---- deprecated: removed in Rego v1, callable from v0 modules only ----
def('re_match', [S, S], B, { v0Only: true });
def('net.cidr_overlap', [S, S], B, { v0Only: true });
// The host cannot tell a set from an array: cast_array of a set of sets would give arrays inside.
def('cast_array', [union(ANY_ARRAY, ANY_SET)], ANY_ARRAY, { v0Only: true, needsNativeValues: true });
def('cast_set', [union(ANY_ARRAY, ANY_SET)], ANY_SET, { v0Only: true, setResult: 'always', needsNativeValues: true });
def('cast_string', [ANY], S, { v0Only: true });
def('cast_boolean', [ANY], B, { v0Only: true });
def('cast_null', [ANY], NULL, { v0Only: true });
def('cast_object', [ANY], ANY_OBJECT, { v0Only: true, needsNativeValues: true });
def('any', [COLLECTION], B, { v0Only: true });
def('all', [COLLECTION], B, { v0Only: true });
// Arrays known only at run time reach the host looking like sets (OPA: undefined, here: their difference).
def('set_diff', [ANY_SET, ANY_SET], ANY_SET, { v0Only: true, setResult: 'always', needsNativeValues: true });

/** Every supported builtin, keyed by its OPA name. */
export const BUILTINS: Readonly<Record<string, BuiltinSignature>> = Object.freeze(
  Object.fromEntries(table.map((b) => [b.name, Object.freeze(b)])),
);

/** Builtins of the program embedding the compiler, known while withCustomBuiltins() runs. */
let customBuiltins: Readonly<Record<string, BuiltinSignature>> | undefined;

/** The signature of a supported builtin (or of a custom one while withCustomBuiltins() runs), or undefined. */
export function lookupBuiltin(name: string): BuiltinSignature | undefined {
  if (customBuiltins && Object.prototype.hasOwnProperty.call(customBuiltins, name)) return customBuiltins[name];
  return Object.prototype.hasOwnProperty.call(BUILTINS, name) ? BUILTINS[name] : undefined;
}

/**
 * Runs `compile` (synchronous: parse, plan, emit) with extra builtins the program provides on the host, as OPA's Go
 * API registers custom builtins: each takes `arity` arguments of any type and returns any value. Names of supported
 * builtins keep their signatures.
 */
export function withCustomBuiltins<T>(arities: Readonly<Record<string, number>>, compile: () => T): T {
  const table: Record<string, BuiltinSignature> = {};
  for (const [name, arity] of Object.entries(arities)) {
    if (Object.prototype.hasOwnProperty.call(BUILTINS, name)) continue;
    table[name] = Object.freeze({ name, args: Array.from({ length: arity }, () => ANY), result: ANY });
  }
  const saved = customBuiltins;
  customBuiltins = table;
  try {
    return compile();
  } finally {
    customBuiltins = saved;
  }
}

/**
 * Builtins OPA has that we deliberately leave out: network access, runtime introspection,
 * or features outside what authorization policies here need. A call to one of these is
 * "unsupported builtin", not "undefined function".
 */
export const UNSUPPORTED_BUILTINS: ReadonlySet<string> = new Set([
  'http.send',
  'net.lookup_ip_addr',
  'opa.runtime',
  'rego.parse_module',
  'internal.test_case',
  'graphql.is_valid',
  'graphql.parse',
  'graphql.parse_and_verify',
  'graphql.parse_query',
  'graphql.parse_schema',
  'graphql.schema_is_valid',
  'providers.aws.sign_req',
  'io.jwt.encode_sign',
  'io.jwt.encode_sign_raw',
  'crypto.x509.parse_certificates',
  'crypto.x509.parse_and_verify_certificates',
  'crypto.x509.parse_and_verify_certificates_with_options',
  'crypto.x509.parse_certificate_request',
  'crypto.x509.parse_keypair',
  'crypto.x509.parse_rsa_private_key',
  'crypto.parse_private_keys',
  'regex.globs_match',
  'yaml.marshal',
  'strings.render_template',
  'net.cidr_contains_matches',
]);

/**
 * How many arguments each unsupported builtin takes in OPA: a policy may still name one as the
 * target of `with` (tests replace `http.send` by a mock), which must have the same arity.
 */
const UNSUPPORTED_ARITY: Readonly<Record<string, number>> = {
  'http.send': 1,
  'net.lookup_ip_addr': 1,
  'opa.runtime': 0,
  'rego.parse_module': 2,
  'internal.test_case': 1,
  'graphql.is_valid': 2,
  'graphql.parse': 2,
  'graphql.parse_and_verify': 2,
  'graphql.parse_query': 1,
  'graphql.parse_schema': 1,
  'graphql.schema_is_valid': 1,
  'providers.aws.sign_req': 3,
  'io.jwt.encode_sign': 3,
  'io.jwt.encode_sign_raw': 3,
  'crypto.x509.parse_certificates': 1,
  'crypto.x509.parse_and_verify_certificates': 1,
  'crypto.x509.parse_and_verify_certificates_with_options': 2,
  'crypto.x509.parse_certificate_request': 1,
  'crypto.x509.parse_keypair': 2,
  'crypto.x509.parse_rsa_private_key': 1,
  'crypto.parse_private_keys': 1,
  'regex.globs_match': 2,
  'yaml.marshal': 1,
  'strings.render_template': 2,
  'net.cidr_contains_matches': 2,
};

/** The arity of an unsupported builtin (see UNSUPPORTED_BUILTINS), or undefined. */
export function unsupportedBuiltinArity(name: string): number | undefined {
  return isUnsupportedBuiltin(name) ? UNSUPPORTED_ARITY[name] : undefined;
}

/** Whether OPA knows this builtin but this compiler does not support it. */
export function isUnsupportedBuiltin(name: string): boolean {
  return UNSUPPORTED_BUILTINS.has(name) && !(name in BUILTINS);
}

/**
 * The name a module uses to import a builtin it calls on the host (`sprintf` becomes
 * `opa-jwt:sprintf`, since the SDK's own sprintf would otherwise be called); `hostBuiltins` is keyed by it.
 */
export function hostCallName(name: string): string {
  return lookupBuiltin(name)?.hostName ?? name;
}

/** The operator a builtin is written as (`plus` -> `+`), or undefined for ordinary calls. */
export function infixOperator(name: string): string | undefined {
  return lookupBuiltin(name)?.infix;
}
