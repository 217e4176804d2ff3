/**
 * The string builtins the module runs natively (runtime/assembly/strings.ts) must give exactly what
 * their host implementations (src/builtins/host/strings.ts) give through the SDK: the same results,
 * the same undefined, the same errors. Each policy is compiled twice from one plan: as the compiler
 * emits it (native calls) and with those calls renamed to host builtins, so the second module sends
 * every call through the SDK's host path (JSON dump, the JS implementation, JSON back). Both run on the
 * stock SDK over generated inputs (ASCII, multi-byte and astral runes, empty strings, cutsets with
 * repeated and multi-byte runes, out-of-range, negative and fractional offsets, non-string arguments),
 * strictly (errors end the evaluation) and non-strictly (errors make the call undefined, as `opa test`).
 * A counting wrapper shows which calls the native module still hands to the host.
 */
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { hostBuiltins, planModules, runRegoTests } from '../../src';
import { hostCallName } from '../../src/builtins/catalog';
import { NATIVE_BUILTINS, NATIVES_WITH_HOST_FALLBACK, emitWasm, planEnvelope } from '../../src/emit';
import { STRING_NATIVES } from '../../src/emit/natives';
import { spliceIntoRuntime } from '../../src/emit/runtime-module';
import { containsNumberLiteral, planJson } from '../../src/plan/number-literal';
import type { Program, Stmt } from '../../src/plan/ir';
import { modules } from './sdk-helpers';

type Impl = (...args: unknown[]) => unknown;

const HOST_PREFIX = 'test-host:';

/** The plan with every call of a string native renamed, so the runtime finds it only among the host builtins. */
function routedToHost(plan: Program): Program {
  const rename = (stmts: Stmt[]): Stmt[] =>
    stmts.map((s): Stmt => {
      switch (s[0]) {
        case 'call':
          return STRING_NATIVES.includes(s[1]) ? ['call', HOST_PREFIX + s[1], s[2], s[3]] : s;
        case 'scan':
        case 'with':
          return [...s.slice(0, 4), rename(s[4])] as Stmt;
        case 'block':
          return ['block', rename(s[1])];
        case 'withmock':
          return ['withmock', s[1], s[2], rename(s[3])];
      }
      return s;
    });
  return { ...plan, funcs: plan.funcs.map((f) => ({ ...f, body: rename(f.body) })) };
}

/** The module for `plan` with the string natives' calls going to the host under HOST_PREFIX names. */
function hostRoutedWasm(plan: Program): Uint8Array<ArrayBuffer> {
  const envelope = planEnvelope(plan);
  envelope.plan = routedToHost(plan);
  let next = Math.max(...Object.values(envelope.builtins)) + 1;
  for (const name of STRING_NATIVES) {
    envelope.builtins[HOST_PREFIX + name] = next;
    envelope.hostIds[HOST_PREFIX + name] = next;
    next++;
  }
  const text = containsNumberLiteral(plan.consts) ? planJson(envelope) : JSON.stringify(envelope);
  return spliceIntoRuntime(new TextEncoder().encode(text));
}

/** Errors as `opa test` treats them: the call is undefined. */
const nonStrict =
  (impl: Impl): Impl =>
  (...args) => {
    try {
      return impl(...args);
    } catch {
      return undefined;
    }
  };

interface Pair {
  native: LoadedPolicy;
  host: LoadedPolicy;
  /** Calls the native module made to the host implementation of each string native. */
  hostCalls: Map<string, number>;
}

async function loadPair(source: string, entrypoints: string[], strict: boolean): Promise<Pair> {
  const { plan } = planModules({ modules: modules(source), entrypoints });
  const base = hostBuiltins as Record<string, Impl>;
  const wrap = strict ? (f: Impl) => f : nonStrict;
  const hostCalls = new Map<string, number>();
  const nativeBuiltins: Record<string, Impl> = Object.fromEntries(Object.entries(base).map(([n, f]) => [n, wrap(f)]));
  for (const name of STRING_NATIVES) {
    const impl = nativeBuiltins[hostCallName(name)];
    nativeBuiltins[hostCallName(name)] = (...args) => {
      hostCalls.set(name, (hostCalls.get(name) ?? 0) + 1);
      return impl(...args);
    };
  }
  const hostRouted: Record<string, Impl> = { ...nativeBuiltins };
  for (const name of STRING_NATIVES) hostRouted[HOST_PREFIX + name] = wrap(base[hostCallName(name)]);
  return {
    native: await loadPolicy(emitWasm(plan), undefined, nativeBuiltins),
    host: await loadPolicy(hostRoutedWasm(plan), undefined, hostRouted),
    hostCalls,
  };
}

/** One evaluation's outcome: its result set, or the text of the error it ended with. */
function outcome(policy: LoadedPolicy, entrypoint: string, input: unknown): unknown {
  try {
    return { result: policy.evaluate(input, entrypoint) };
  } catch (e) {
    return { error: String((e as Error)?.message ?? e) };
  }
}

/**
 * Evaluates `call` (an expression over c[0], c[1], c[2]) for every case in both modules and lists
 * every case whose outcome differs. All cases go in one evaluation; when that ends in an error in
 * either module, every case is evaluated on its own.
 */
async function differences(call: string, cases: unknown[][], strict: boolean): Promise<{ diffs: string[]; pair: Pair }> {
  const source = `package t
all := {i: x | some i, c in input.cases; x := ${call}}
one := x if { c := input.c; x := ${call} }
`;
  const pair = await loadPair(source, ['t/all', 't/one'], strict);
  const diffs: string[] = [];
  const native = outcome(pair.native, 't/all', { cases });
  const host = outcome(pair.host, 't/all', { cases });
  const failed = (o: unknown): boolean => Object.prototype.hasOwnProperty.call(o, 'error');
  if (!failed(native) && !failed(host)) {
    const n = (native as { result: Array<{ result: Record<string, unknown> }> }).result[0].result;
    const h = (host as { result: Array<{ result: Record<string, unknown> }> }).result[0].result;
    cases.forEach((c, i) => {
      const a = JSON.stringify(n[String(i)]);
      const b = JSON.stringify(h[String(i)]);
      if (a !== b) diffs.push(`${call} with c = ${JSON.stringify(c)}: native ${a}, host ${b}`);
    });
  } else {
    pair.hostCalls.clear();
    for (const c of cases) {
      const a = JSON.stringify(outcome(pair.native, 't/one', { c }));
      const b = JSON.stringify(outcome(pair.host, 't/one', { c }));
      if (a !== b) diffs.push(`${call} with c = ${JSON.stringify(c)}: native ${a}, host ${b}`);
    }
  }
  return { diffs, pair };
}

// ---------------------------------------------------------------- generated inputs

const STRINGS = [
  '',
  'a',
  'abc',
  'aaa',
  'abab',
  ' hello world ',
  'Hello WORLD 09 @[`{~',
  '/orders/7/',
  '//',
  '?',
  'héllo',
  'e\u0301',
  'ÀÉÎõü',
  'straße',
  'İstanbul',
  'ΣΑΣ ςσ',
  'ǅǈ',
  'ﬃ',
  '日本語テキスト',
  '😀',
  'a😀b😀',
  '😀😀x😀😀',
  '𝔘𝔫𝔦',
  '\u00a0x\u00a0',
  '\u2000\u200a\u3000 x \u205f\u202f',
  '\u2028y\u2029',
  '\u1680z\u0085',
  '\ufeffx\ufeff',
  '\u200bx\u200b',
  '\t\n\v\f\r x \r\n',
  '\u001c x \u001f',
  'x\u0000y',
  '\ud800 lone',
  'ab😀ab😀ab',
];
const CUTSETS = ['', '/', '/ ', 'ab', 'aab', 'ba', 'é', 'éé', 'é😀', '😀😀', ' \u00a0', '\u00a0', 'xyz', 'ΣΑ', 'hé', '\u3000 \t', 'a😀'];
const SEARCH = ['', 'a', 'ab', 'aa', 'l', 'll', 'é', 'e\u0301', '😀', 'b😀', 'ab😀', '/', 'xyz', 'ΣΑΣ', ' ', '\u00a0', 'straße'];
const REPLACEMENTS = ['', '-', 'é😀', 'ab'];
const NON_STRINGS: unknown[] = [null, true, 1, 1.5, [], ['a'], { a: 'b' }];
const OFFSETS = [-2, -1, -0, 0, 1, 2, 3, 5, 7, 100, 1.5, -1.5, 2 ** 53 + 2, 1e20, -1e20];
const LENGTHS = [-1, -0, 0, 1, 2, 3, 10, 1.5, -2.5, 2 ** 31, 1e20, -1e20];
const PATTERNS: unknown[] = [
  {},
  { a: '1' },
  { a: '1', ab: '2' },
  { ab: '2', a: '1', b: '' },
  { '': '-' },
  { '': '-', a: 'A' },
  { é: 'e', '😀': ':)' },
  { l: 'L', ll: '<ll>' },
  { '/': '.', '?': '' },
  { a: 1 },
  { a: 'x', b: null },
  { 'e\u0301': 'é' },
];

const AFFIX_LISTS: unknown[] = [
  ...STRINGS.slice(0, 12),
  '😀',
  'a😀b😀',
  [],
  ['/orders', '/admin/'],
  ['', 'x'],
  ['héllo', 'hé', 'llo'],
  ['😀', 'b😀'],
  ['a', 1],
  [null],
  ...NON_STRINGS,
];

const product = (...lists: unknown[][]): unknown[][] =>
  lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((x) => [...prefix, x])), [[]]);

const ARGS1 = [...STRINGS, ...NON_STRINGS].map((s) => [s]);
const withNonStrings = (cases: unknown[][], arity: number): unknown[][] => [
  ...cases,
  ...NON_STRINGS.flatMap((bad) =>
    Array.from({ length: arity }, (_, i) => Array.from({ length: arity }, (__, j) => (i === j ? bad : 'ab'))),
  ),
];

const runes = (s: string): number => Array.from(s).length;
const nonAscii = (s: unknown): boolean => typeof s === 'string' && /[^\x00-\x7f]/.test(s); // eslint-disable-line no-control-regex

/** The builtins under test: the call, its cases, and which cases the native code leaves to the host. */
const SUITES: Array<{ name: string; call: string; cases: unknown[][]; toHost: (c: unknown[]) => boolean }> = [
  { name: 'trim', call: 'trim(c[0], c[1])', cases: withNonStrings(product(STRINGS, CUTSETS), 2), toHost: () => false },
  { name: 'trim_left', call: 'trim_left(c[0], c[1])', cases: withNonStrings(product(STRINGS, CUTSETS), 2), toHost: () => false },
  { name: 'trim_right', call: 'trim_right(c[0], c[1])', cases: withNonStrings(product(STRINGS, CUTSETS), 2), toHost: () => false },
  { name: 'trim_space', call: 'trim_space(c[0])', cases: ARGS1, toHost: () => false },
  { name: 'lower', call: 'lower(c[0])', cases: ARGS1, toHost: (c) => nonAscii(c[0]) },
  { name: 'upper', call: 'upper(c[0])', cases: ARGS1, toHost: (c) => nonAscii(c[0]) },
  {
    name: 'indexof',
    call: 'indexof(c[0], c[1])',
    cases: withNonStrings(product(STRINGS, SEARCH), 2),
    toHost: (c) => typeof c[0] === 'string' && c[1] === '',
  },
  {
    name: 'indexof_n',
    call: 'indexof_n(c[0], c[1])',
    cases: withNonStrings(product(STRINGS, SEARCH), 2),
    toHost: (c) => typeof c[0] === 'string' && c[1] === '',
  },
  { name: 'strings.count', call: 'strings.count(c[0], c[1])', cases: withNonStrings(product(STRINGS, SEARCH), 2), toHost: () => false },
  {
    name: 'substring',
    call: 'substring(c[0], c[1], c[2])',
    cases: [...product(STRINGS, OFFSETS, LENGTHS), ...product([...NON_STRINGS, 'abc'], [1, ...NON_STRINGS], [1, ...NON_STRINGS])],
    toHost: ([s, off, len]) => {
      if (typeof s !== 'string' || typeof off !== 'number' || typeof len !== 'number') return false;
      if (!Number.isInteger(off)) return true;
      return off < runes(s) && (off < 0 || !Number.isInteger(len));
    },
  },
  {
    name: 'replace',
    call: 'replace(c[0], c[1], c[2])',
    cases: withNonStrings(product(STRINGS, SEARCH, REPLACEMENTS), 3),
    toHost: () => false,
  },
  {
    name: 'strings.replace_n',
    call: 'strings.replace_n(c[0], c[1])',
    cases: [...product(PATTERNS, STRINGS), ...product([...NON_STRINGS, { a: 'b' }], [...NON_STRINGS, 'ab'])],
    toHost: () => false,
  },
  {
    name: 'strings.any_prefix_match',
    call: 'strings.any_prefix_match(c[0], c[1])',
    cases: product(AFFIX_LISTS, AFFIX_LISTS),
    toHost: () => false,
  },
  {
    name: 'strings.any_suffix_match',
    call: 'strings.any_suffix_match(c[0], c[1])',
    cases: product(AFFIX_LISTS, AFFIX_LISTS),
    toHost: () => false,
  },
];

test('every string native is under test', () => {
  expect(SUITES.map((s) => s.name).sort()).toEqual([...STRING_NATIVES].sort());
  for (const name of STRING_NATIVES) expect(NATIVE_BUILTINS.has(name)).toBe(true);
});

describe.each(SUITES)('$name: native equals the host implementation', ({ name, call, cases, toHost }) => {
  test('with errors ending the evaluation (the SDK)', async () => {
    const { diffs, pair } = await differences(call, cases, true);
    expect(diffs).toEqual([]);
    // the native module hands over only the calls strings.ts says it does
    expect(pair.hostCalls.get(name) ?? 0).toBe(cases.filter(toHost).length);
    if (!NATIVES_WITH_HOST_FALLBACK.has(name)) expect(cases.filter(toHost)).toEqual([]);
  });

  test('with errors making the call undefined (opa test)', async () => {
    const { diffs } = await differences(call, cases, false);
    expect(diffs).toEqual([]);
  });
});

test('numbers as written in the policy, sets, and non-string pattern keys', async () => {
  const exprs = [
    'substring("héllo", 1.0, 2)',
    'substring("héllo", 1e0, 2.0)',
    'substring("héllo", 1e308 * 10, 1)',
    'substring("héllo", 1, 1e308 * 10)',
    'substring("héllo", -1e308 * 10, 1)',
    'substring("héllo", 1e308, 1)',
    'substring("héllo", 12345678901234567890123, 1)',
    'substring("héllo", 0, 12345678901234567890123)',
    'substring("héllo", 9223372036854775807, 1)',
    'substring("héllo", 1, 9223372036854775807)',
    'substring("héllo", -9223372036854775808, 1)',
    'substring("héllo", 0.1e1, 1)',
    'substring("héllo", 2, -0.0)',
    'lower(untyped({"A", "B"}))',
    'trim(untyped({"a"}), "a")',
    'strings.replace_n(untyped({1: "one", "a": "A"}), "a1")',
    'strings.replace_n(untyped({1: "one", "1": "uno"}), "a1")',
    'strings.replace_n(untyped({["x"]: "y"}), "x")',
    'strings.replace_n(untyped({1: 2}), "x")',
    'strings.replace_n(untyped({"a": {"b"}}), "x")',
    'strings.replace_n(untyped({"a": "b", "c": {"d"}}), "x")',
    'indexof_n(concat("", ["a", "a"]), "a")',
    'strings.any_prefix_match(untyped({"/admin/x", "/b"}), untyped({"/a", "/c"}))',
    'strings.any_suffix_match(untyped({"x.json", "y"}), untyped({".yaml", ".json"}))',
    'strings.any_suffix_match(untyped({"x.json", 1}), ".json")',
    'strings.any_prefix_match("abc", untyped({"x", ["a"]}))',
  ];
  // untyped(x) is x, hidden from the type checker, which would reject these calls at compile time
  const source = `package t\nuntyped(x) := object.get({"k": x}, "k", null)\n${exprs.map((e, i) => `e${i} := ${e}`).join('\n')}\n`;
  const entrypoints = exprs.map((_, i) => `t/e${i}`);
  for (const strict of [true, false]) {
    const pair = await loadPair(source, entrypoints, strict);
    const diffs = entrypoints
      .map((ep, i) => [exprs[i], JSON.stringify(outcome(pair.native, ep, {})), JSON.stringify(outcome(pair.host, ep, {}))])
      .filter(([, a, b]) => a !== b);
    expect(diffs).toEqual([]);
  }
});

// Hand-written expectations: Go's strings package and OPA's documentation of these builtins.
const CORE: Array<[string, unknown]> = [
  ['trim("  hi  ", " ")', 'hi'],
  ['trim("/orders/7/", "/")', 'orders/7'],
  ['trim("xyxhixyx", "yx")', 'hi'],
  ['trim("😀é😀hé😀", "😀é")', 'h'],
  ['trim_left("aaabca", "a")', 'bca'],
  ['trim_right("aaabca", "a")', 'aaabc'],
  ['trim_space("\\t\\n héllo \\u00a0\\u3000")', 'héllo'],
  ['trim_space("\\ufeffx")', '\ufeffx'],
  ['lower("AbC-XYZ")', 'abc-xyz'],
  ['upper("abc-xyz")', 'ABC-XYZ'],
  ['indexof("héllo", "l")', 2],
  ['indexof("😀a😀b", "b")', 3],
  ['indexof("abc", "d")', -1],
  ['indexof_n("aaaa", "aa")', [0, 1, 2]],
  ['indexof_n("😀a😀a", "a")', [1, 3]],
  ['strings.count("cheese", "e")', 3],
  ['strings.count("aaaa", "aa")', 2],
  ['strings.count("héllo", "")', 6],
  ['substring("héllo wörld", 6, 3)', 'wör'],
  ['substring("héllo", 1, -1)', 'éllo'],
  ['substring("héllo", 3, 100)', 'lo'],
  ['substring("héllo", 5, 1)', ''],
  ['substring("héllo", 9, -3)', ''],
  ['replace("a.b.c", ".", "::")', 'a::b::c'],
  ['replace("aaa", "aa", "b")', 'ba'],
  ['replace("é😀", "", "-")', '-é-😀-'],
  ['replace("", "", "-")', '-'],
  ['strings.replace_n({"a": "1", "ab": "2"}, "abab")', '1b1b'],
  ['strings.replace_n({"<": "&lt;", ">": "&gt;"}, "<b>")', '&lt;b&gt;'],
  ['strings.replace_n({"": "-"}, "ab")', '-a-b-'],
  ['strings.any_prefix_match("/admin/users", ["/public", "/admin/"])', true],
  ['strings.any_prefix_match(["a/b", "c/d"], "c/")', true],
  ['strings.any_prefix_match("abc", [])', false],
  ['strings.any_suffix_match({"report.pdf", "x"}, {".doc", ".pdf"})', true],
  ['strings.any_suffix_match("héllo", "llö")', false],
];

test('hand-written expectations from Go and OPA, without calling the host', async () => {
  const source = `package t\nr := [${CORE.map(([expr]) => expr).join(',\n')}]\n`;
  const pair = await loadPair(source, ['t/r'], true);
  expect(pair.native.evaluate({}, 't/r')[0].result).toEqual(CORE.map(([, want]) => want));
  expect(pair.host.evaluate({}, 't/r')[0].result).toEqual(CORE.map(([, want]) => want));
  expect([...pair.hostCalls.values()].reduce((a, b) => a + b, 0)).toBe(0);
});

test('a builtin error of a native string builtin is the host error, strict or as opa test reports it', async () => {
  const pair = await loadPair('package t\nr := substring(input.s, input.o, 1)\n', ['t/r'], true);
  expect(outcome(pair.native, 't/r', { s: 'abc', o: -1 })).toEqual({ error: 'substring: negative offset' });
  expect(outcome(pair.native, 't/r', { s: 'abc', o: 0.5 })).toEqual({
    error: 'substring: operand 2 must be integer number but got floating-point number',
  });
  const results = await runRegoTests({
    modules: [
      {
        path: 't_test.rego',
        source: 'package t\ntest_negative if substring("abc", -1, 1) == ""\ntest_empty if indexof("abc", "") == -1\n',
      },
    ],
  });
  expect(results.map((r) => [r.name, r.status, r.message])).toEqual([
    ['test_negative', 'fail', 'undefined (builtin error: substring: negative offset)'],
    ['test_empty', 'fail', 'undefined (builtin error: indexof: empty search character)'],
  ]);
});
