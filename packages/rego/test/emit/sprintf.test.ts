/**
 * sprintf runs inside the module (runtime/assembly/sprintf.ts) and must give exactly what the host
 * implementation (src/builtins/host/sprintf.ts, Go's fmt as OPA uses it) gives for the same values:
 * a large table of formats × arguments is evaluated through the stock SDK and compared with the host
 * implementation called directly, plus hand-written expectations from Go's fmt / OPA's documentation.
 * A counting wrapper around the host builtin shows which calls the module still hands to the host.
 */
import { hostBuiltins as regoHostBuiltins } from '../../src';
import { sprintf as hostSprintf } from '../../src/builtins/host/sprintf';
import { regoString } from '../../src/builtins/host/values';
import { evalBoth, load } from './sdk-helpers';

type Impl = (...args: unknown[]) => unknown;
const HOST_NAME = 'opa-jwt:sprintf';

/** hostBuiltins with the host sprintf counting its calls. */
function countingBuiltins(): { builtins: Record<string, Impl>; calls: () => number } {
  const base = regoHostBuiltins as Record<string, Impl>;
  let n = 0;
  return {
    builtins: {
      ...base,
      [HOST_NAME]: (...args: unknown[]) => {
        n++;
        return base[HOST_NAME](...args);
      },
    },
    calls: () => n,
  };
}

/** Evaluates sprintf(format, values) for every case in one evaluation; missing keys are undefined results. */
async function nativeResults(cases: Array<[string, unknown[]]>): Promise<{ out: Record<string, string>; hostCalls: number }> {
  const counting = countingBuiltins();
  const p = await load(
    'package t\nr := {sprintf("%d", [i]): s | some i, c in input.cases; s := sprintf(c[0], c[1])}\n',
    ['t/r'],
    counting.builtins,
  );
  const out = evalBoth(p, 't/r', { cases }) as Record<string, string>;
  // the key sprintf above is native and never reaches the host
  return { out, hostCalls: counting.calls() / 2 };
}

/** What the host receives: composite and other non-number, non-string values as their Rego text. */
const asHostSees = (values: unknown[]): unknown[] =>
  values.map((v) => (typeof v === 'number' || typeof v === 'string' ? v : regoString(v)));

const FORMATS = [
  '%s',
  '%v',
  '%d',
  '%5d|',
  '%-5d|',
  '%05d',
  '%+d',
  '% d',
  '%+05d',
  '%-05d|',
  '%x',
  '%X',
  '%#x',
  '%#X',
  '%08x',
  '%o',
  '%#o',
  '%O',
  '%b',
  '%#b',
  '%.3d',
  '%8.3d|',
  '%.0d',
  '%-8.3d|',
  '%+.2x',
  '%f',
  '%.2f',
  '%.0f',
  '%.1f',
  '%8.3f|',
  '%-8.2f|',
  '%+.1f',
  '% .1f',
  '%08.3f',
  '%F',
  '%.15f',
  '%.20f',
  '%e',
  '%.3e',
  '%.0e',
  '%E',
  '%12.4E|',
  '%g',
  '%.3g',
  '%.1g',
  '%.0g',
  '%G',
  '%.10g',
  '%.17g',
  '%+g',
  '%#g',
  '%q',
  '%10q|',
  '%-10q|',
  '%t',
  '%c',
  '%U',
  '%10s|',
  '%-10s|',
  '%.2s',
  '%.0s|',
  '%010s',
  '%5.1s|',
  '%.10v',
  '%5v|',
  '%z',
  '%é',
  '%😀',
  '%',
  '%5',
  '%.',
  '%-',
  '%%',
  '%5%',
  '%[1]d',
  'x%d%%y',
  '%s and %s',
  '%v-%v-%v',
  '',
  'plain',
  'naïve %s ✓',
];

const VALUES: unknown[] = [
  '',
  'abc',
  'héllo wörld',
  '日本語',
  'emoji 😀!',
  'tab\t"q"\\ nl\n',
  '\u0007\u007f\u0000',
  '%d',
  '0x1F',
  0,
  1,
  -1,
  42,
  -42,
  255,
  1234567890,
  -987654321,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  1e15,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  3.14159,
  -2.675,
  0.1,
  123456.789,
  1 / 3,
  2 / 3,
  1e-7,
  2.5e-5,
  99.95,
  0.000012345,
  1e15 + 0.5,
  4503599627370495.5,
  5e-324,
  1.23e-20,
  2 ** -1022,
  0.1 + 0.2,
  179769313.48623157,
  1.7976931348623157e308 / 1e300,
  1234.5678e-10,
  1e-300,
  null,
  true,
  false,
  [1, 'a', null],
  [],
  { b: 1, a: [true, { c: 'd' }] },
  {},
  [[1.5, -0]],
  // integers past 2^53 are exact 64-bit integers in the module
  2 ** 53 + 2,
  -(2 ** 60),
  1e18 + 64,
];

function allCases(values: unknown[]): Array<[string, unknown[]]> {
  const cases: Array<[string, unknown[]]> = [];
  for (const f of FORMATS) for (const v of values) cases.push([f, [v]]);
  // missing and extra arguments, several arguments of mixed kinds
  for (const f of ['%s and %s', '%d %v %q', '%v-%v-%v', 'no verbs', '%', '%.2f|%5s|%-4d|']) {
    cases.push([f, []], [f, ['x']], [f, [1.5, 'y']], [f, [7, 'b', [1], null, -0.25, true]]);
  }
  return cases;
}

function expectAgreesWithHost(cases: Array<[string, unknown[]]>, out: Record<string, string>): void {
  const mismatches: string[] = [];
  cases.forEach(([f, vs], i) => {
    const want = hostSprintf(f, asHostSees(vs));
    const got = out[String(i)];
    if (got !== want)
      mismatches.push(`sprintf(${JSON.stringify(f)}, ${JSON.stringify(vs)}): native ${JSON.stringify(got)}, host ${JSON.stringify(want)}`);
  });
  expect(mismatches).toEqual([]);
}

test('native sprintf equals the host implementation on formats × values, without calling the host', async () => {
  const cases = allCases(VALUES).filter(([f, vs]) => !needsHost(f, vs));
  expect(cases.length).toBeGreaterThan(3500);
  const { out, hostCalls } = await nativeResults(cases);
  expectAgreesWithHost(cases, out);
  expect(hostCalls).toBe(0);
});

test('calls the native code leaves to the host give the host result', async () => {
  const cases = allCases(VALUES).filter(([f, vs]) => needsHost(f, vs));
  const { out, hostCalls } = await nativeResults(cases);
  expectAgreesWithHost(cases, out);
  expect(hostCalls).toBeGreaterThan(0);
});

/** The rare cases sprintf.ts hands to the host (its file comment lists them). */
function needsHost(format: string, values: unknown[]): boolean {
  const verbs = [...format.matchAll(/%[-+# 0]*\d*(?:\.\d*)?(.)/gu)].map((m) => m[1]);
  return values.some((v, i) => {
    const verb = verbs[i];
    if (typeof v === 'number' && Number.isInteger(v)) return verb === 'c' || verb === 'q' || verb === 'U';
    const text = typeof v === 'string' ? v : regoString(v);
    // eslint-disable-next-line no-control-regex
    return verb === 'q' && /[^\x00-\x7f]/.test(text);
  });
}

test('randomised doubles format as the host formats them', async () => {
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const cases: Array<[string, unknown[]]> = [];
  for (let i = 0; i < 400; i++) {
    const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 16 - 6);
    for (const f of ['%v', '%.3f', '%e', '%.5g', '%10.2f|']) cases.push([f, [x]]);
  }
  const { out } = await nativeResults(cases);
  expectAgreesWithHost(cases, out);
});

// Hand-written expectations: Go's fmt documentation and OPA's sprintf examples.
const CORE: Array<[string, string]> = [
  ['sprintf("hello %s", ["world"])', 'hello world'],
  ['sprintf("%d items", [42])', '42 items'],
  ['sprintf("|%5d|%-5d|%05d|", [42, 42, -42])', '|   42|42   |-0042|'],
  ['sprintf("%x %X %#x %o %b", [255, 255, 255, 8, 5])', 'ff FF 0xff 10 101'],
  ['sprintf("%.2f %f %8.3f| %.0f %.0f", [3.14159, 1.5, 3.14159, 2.5, 3.5])', '3.14 1.500000    3.142| 2 4'],
  ['sprintf("%e %g %v %.3g", [123456.789, 0.000012345, 1.5, 3.14159])', '1.234568e+05 1.2345e-05 1.5 3.14'],
  ['sprintf("%q %v %s", ["hi\\n", "say \\"x\\"", "日本"])', '"hi\\n" say "x" 日本'],
  ['sprintf("|%5s|%.2s|%-4s|", ["日本", "日本語", "é"])', '|   日本|日本|é   |'],
  ['sprintf("%x", ["hi"])', '6869'],
  ['sprintf("%v %v %v %v %v", [[1, "a"], {"a": 1}, {2, 1}, set(), {1: "a"}])', '[1, "a"] {"a": 1} {1, 2} set() {1: "a"}'],
  ['sprintf("%v %v %s", [true, null, false])', 'true null false'],
  ['sprintf("%s|%d", [5, "x"])', '%!s(int=5)|%!d(string=x)'],
  ['sprintf("%d %d", [1])', '1 %!d(MISSING)'],
  ['sprintf("a", [1, "b"])', 'a%!(EXTRA int=1, string=b)'],
  ['sprintf("%z %d%%", [1, 50])', '%!z(int=1) 50%'],
  ['sprintf("%d %.1f", [-0, -0.04])', '0 -0.0'],
];

test('hand-written expectations from Go fmt and OPA', async () => {
  const counting = countingBuiltins();
  const src = `package t\nr := [${CORE.map(([expr]) => expr).join(',\n')}]\n`;
  const p = await load(src, ['t/r'], counting.builtins);
  expect(evalBoth(p, 't/r', {})).toEqual(CORE.map(([, want]) => want));
  expect(counting.calls()).toBe(0);
});

test('sprintf of a non-string format or non-array values is undefined', async () => {
  const p = await load('package t\nr := [x | some c in input.cases; x := sprintf(c[0], c[1])]\n', ['t/r']);
  expect(
    evalBoth(p, 't/r', {
      cases: [
        [1, []],
        ['%v', 'x'],
        ['%v', { a: 1 }],
        ['ok', []],
      ],
    }),
  ).toEqual(['ok']);
});
