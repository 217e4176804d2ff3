/**
 * `inputReads`: which parts of the input a plan can read, and `projectInput`, the document cut down to them.
 * The analysis must never leave out a part a policy can observe: the differential part runs every conformance
 * case (beside the repository in CI) on the stock SDK twice, with its input padded with members no rule names
 * and with that padded input projected, and requires the same answer, errors included.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, inputReads, planModules, projectInput, type InputReads } from '../../src';
import { loadCases, Many, hasRegoOnlyValues } from '../conformance/cases';
import { prepare } from '../conformance/run';

const readsOf = (source: string, entrypoint = 'p/r'): InputReads =>
  inputReads(planModules({ modules: [{ path: 'p.rego', source: `package p\n${source}` }], entrypoints: [entrypoint] }).plan);

describe('inputReads', () => {
  test.each<[string, string, InputReads]>([
    ['a constant-key path, used as a value', 'r := input.a.b', { a: { b: true } }],
    ['two paths below one member', 'r if { input.a.b == 1; input.a.c == 2 }', { a: { b: true, c: true } }],
    ['a bare reference as a condition keeps the member', 'r if input.a.b', { a: { b: true } }],
    ['a member looked up only for its definedness is kept whole', 'r if { input.a.b; true }', { a: { b: true } }],
    ['a variable key reads the whole object', 'r contains k if input.a[k]', { a: true }],
    ['a computed key reads the whole object', 'r := input.a[lower("X")]', { a: true }],
    ['an integer index reads the whole array', 'r := input.a[0]', { a: true }],
    ['iteration reads the whole collection', 'r if { some x in input.a; x == 1 }', { a: true }],
    ['a builtin argument is read whole', 'r := count(input.a)', { a: true }],
    ['object.get reads its object whole', 'r := object.get(input, ["a", "b"], 0)', true],
    ['walk reads the whole input', 'r := [p | walk(input, [p, _])]', true],
    ['the bare input is read whole', 'r := input', true],
    ['a variable root key reads everything', 'r := [k | input[k]]', true],
    ['a function argument is read whole', 'f(x) := x.b\nr := f(input.a)', { a: true }],
    ['a function reading input itself', 'f(x) := input.a[x]\nr := f("b")', { a: true }],
    ['a function with a constant path', 'f(x) := [x, input.a.b]\nr := f(1)', { a: { b: true } }],
    ['a rule chain', 'h := input.req\nr := h.m', { req: { m: true } }],
    ['a rule chain two rules long', 'h := input.req\ng := h\nr := g.a.b', { req: { a: { b: true } } }],
    ['a rule whose value is the answer', 'h := input.req\nr := h', { req: true }],
    ['a rule tested for definedness', 'h := input.req\nr if h', { req: true }],
    ['a rule used whole by its caller', 'h := input.req\nr := count(h)', { req: true }],
    ['a rule read by two callers', 'h := input.req\nq := h.m\nr := [q, count(h)]', { req: true }],
    [
      'a rule of two definitions compares their values',
      'h := input.a if input.c\nh := input.b if not input.c\nr := h.m',
      { a: true, b: true, c: true },
    ],
    ['a rule of many values (a conflict to detect)', 'h := x if some x in input.xs\nr := h.m', { xs: true }],
    ['a function returning a part of the input', 'f(x) := input.a if x\nr := f(true).b', { a: { b: true } }],
    ['a rule put into an object', 'h := {"v": input.a}\nr := h.v.b', { a: true }],
    ['an import alias', 'import input.req.http as http\nr := http.method', { req: { http: { method: true } } }],
    ['an alias through a local', 'r if { x := input.a; x.b == 1 }', { a: { b: true } }],
    ['an alias through a local used whole', 'r if { x := input.a; x.b == 1; count(x) == 1 }', { a: true }],
    ['equality with an object reads it whole', 'r if input.a == {"b": 1}', { a: true }],
    ['a comprehension body', 'r := [1 | input.a.b == 1]', { a: { b: true } }],
    ['every', 'r if every x in input.xs { x > 0 }', { xs: true }],
    ['not', 'r if not input.a.deny', { a: { deny: true } }],
    ['with on a part of the input', 'q := input.a.b\nr if { q == 1 with input.a.b as 1 }', { a: { b: true } }],
    ['with the whole input replaced', 'q := input.a.b\nr if { q == 2 with input as {"a": {"b": 2}} }', { a: { b: true } }],
    ['a with value taken from the input', 'q := input.a.b\nr if { q == 2 with input.a.b as input.c }', { a: { b: true }, c: true }],
    ['print reads its arguments whole', 'r if { print(input.a); true }', { a: true }],
    ['no input at all', 'r := 1', {}],
    ['string key "__proto__" is a member name', 'r := input["__proto__"].x', JSON.parse('{"__proto__": {"x": true}}') as InputReads],
  ])('%s', (_name, source, expected) => {
    expect(readsOf(source)).toEqual(expected);
  });

  test('a whole package entry point reads what its rules read', () => {
    expect(readsOf('a := input.x\nb := input.y.z', 'p')).toEqual({ x: true, y: { z: true } });
  });

  test('reads of rules in other packages count (data references)', () => {
    const plan = planModules({
      modules: [
        { path: 'q.rego', source: 'package q\nv := input.secret.level' },
        { path: 'p.rego', source: 'package p\nr if data.q.v > 1' },
      ],
      entrypoints: ['p/r'],
    }).plan;
    expect(inputReads(plan)).toEqual({ secret: { level: true } });
  });

  test('the compile result carries the reads of each entry point, from the rules it can reach', () => {
    const source = 'package p\nr := input.a.b\ns := {"all": input}\nt := [r, input.c]';
    const result = compile({ modules: [{ path: 'p.rego', source }], entrypoints: ['p/r', 'p/s', 'p/t'] });
    expect(result.inputReads).toEqual({ 'p/r': { a: { b: true } }, 'p/s': true, 'p/t': { a: { b: true }, c: true } });
  });
});

describe('projectInput', () => {
  test('keeps the members named, whole values as they are, other values as they are', () => {
    const input = { a: { b: [1, 2], c: 3 }, d: 'x', e: { f: 1 } };
    expect(projectInput(input, { a: { b: true }, d: { y: true }, z: true })).toEqual({ a: { b: [1, 2] }, d: 'x' });
    expect(projectInput(input, true)).toBe(input);
    expect(projectInput(input, {})).toEqual({});
  });

  test('a member named __proto__ is copied as a member', () => {
    const input = JSON.parse('{"__proto__": {"x": 1, "y": 2}}') as unknown;
    const projected = projectInput(input, JSON.parse('{"__proto__": {"x": true}}') as InputReads);
    expect(JSON.stringify(projected)).toBe('{"__proto__":{"x":1}}');
  });
});

// ------------------------------------------------------------------------------------------------ differential

const casesRoot = path.resolve(__dirname, '../../../..', process.env.REGO_CONFORMANCE_DIR ?? '../shared/conformance/regorus');

/** Every object of `value` gets members no policy names (and arrays one more element of the same kind). */
function padded(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(padded);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = { zz_unread: { n: 1, s: 'pad' }, AAunread: [1] };
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, k, { value: padded(v), enumerable: true, writable: true, configurable: true });
  return out;
}

type Answer = { result: unknown } | { error: string };

function answer(run: () => unknown): Answer {
  try {
    return { result: run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Policies that read the input in many ways, each with inputs that make the ways matter; entry point: the package. */
const SHAPES: { source: string; inputs: unknown[] }[] = [
  {
    source: `
headers[name] := value if some name, value in input.request.http.headers
has_auth if input.request.http.headers.Authorization
agent := lower(input.request.http.headers["User-Agent"])
n := count(input.request.http.headers)
keys := object.keys(input.request.http.query)
first_page := input.request.http.query.page[0]
deny contains "no path" if not input.request.http.path
deny contains sprintf("method %s", [input.request.http.method]) if input.request.http.method == "DELETE"`,
    inputs: [
      {
        request: {
          http: { method: 'GET', path: '/a', headers: { Authorization: 'Bearer x', 'User-Agent': 'Curl' }, query: { page: ['2'] } },
        },
      },
      { request: { http: { method: 'DELETE', headers: {}, query: {} } } },
      { request: { http: 'not an object' } },
      {},
    ],
  },
  {
    source: `
claims := input.jwt.payload
roles contains r if some r in claims.roles
sub_is_admin if input.jwt.payload.sub == "admin"
exact if input.jwt == {"payload": {"sub": "a"}}
nested := object.get(input.jwt, ["payload", "tenant"], "none")
marshalled := json.marshal(input.jwt.header)
paths contains p if walk(input.jwt, [p, _])`,
    inputs: [
      { jwt: { header: { alg: 'RS256' }, payload: { sub: 'admin', roles: ['a', 'b'], tenant: 't' } } },
      { jwt: { payload: { sub: 'a' } } },
      { jwt: [1, 2] },
    ],
  },
  {
    source: `
f(x) := x.limit
g(k) := input.config[k]
limit := f(input.config)
named := g("name")
items := [i | some i in input.items; i.price > 10]
cheap if every i in input.items { i.price < 100 }
total := sum([i.price | some i in input.items])
second := input.items[1].name
mocked := v if { v := input.config.name with input.config.name as "mock" }
replaced := v if { v := input.config.limit with input as {"config": {"limit": 0}} }
from_input := v if { v := input.config.name with input.config.name as input.other }`,
    inputs: [
      {
        config: { limit: 5, name: 'n' },
        items: [
          { price: 5, name: 'a' },
          { price: 50, name: 'b' },
        ],
        other: 'o',
      },
      { config: 'scalar', items: 'x' },
      { items: [] },
    ],
  },
  {
    source: `
dyn contains v if { some k; v := input.obj[k] }
key_count := count([k | input.obj[k]])
proto := input["__proto__"].x
is_obj if is_object(input.obj)
type := type_name(input.obj)
defined if input.obj
deep if input.a.b.c.d == 1
deep_partial := input.a.b
num_index := input.arr[0]`,
    inputs: [
      JSON.parse('{"obj": {"a": 1, "b": 2}, "__proto__": {"x": 7, "y": 8}, "a": {"b": {"c": {"d": 1}, "e": 2}}, "arr": [9, 8]}') as unknown,
      { obj: false, a: { b: 3 }, arr: 'no' },
      { obj: null },
    ],
  },
];

test('projected inputs answer exactly as whole ones on policies that read the input in many ways', async () => {
  for (const { source, inputs } of SHAPES) {
    const result = compile({ modules: [{ path: 'p.rego', source: `package p\n${source}` }], entrypoints: ['p'] });
    const reads = result.inputReads.p;
    expect(reads).not.toBe(true); // else nothing is compared
    const policy = await loadPolicy(result.wasm, undefined, hostBuiltins);
    for (const input of inputs) {
      for (const document of [input, padded(input)]) {
        const whole = answer(() => policy.evaluate(document, 'p'));
        const cut = answer(() => policy.evaluate(projectInput(document, reads), 'p'));
        expect({ reads, answer: cut }).toEqual({ reads, answer: whole });
      }
    }
  }
});

/** Rules and functions whose results hold parts of the input, read by other rules: one entry point's answer each. */
const CHAINS: { source: string; entrypoint: string; inputs: unknown[] }[] = [
  {
    source: `
http := input.request.http
claims := input.jwt.payload
default allow := false
allow if { http.method == "GET"; "reader" in claims.roles }
allow if { http.method == "POST"; http.headers["X-Admin"] == "yes" }
allow if { http.method == "PUT"; count(http.headers) > 2 }`,
    entrypoint: 'p/allow',
    inputs: [
      { request: { http: { method: 'GET', headers: {} } }, jwt: { payload: { roles: ['reader'] } } },
      { request: { http: { method: 'POST', headers: { 'X-Admin': 'yes' } } }, jwt: { payload: {} } },
      { request: { http: { method: 'PUT', headers: { a: '1', b: '2' } } } },
      { request: { http: 'scalar' } },
      {},
    ],
  },
  {
    source: `
h := input.a if input.c
h := input.b if not input.c
g := h
r := g.m`,
    entrypoint: 'p/r',
    inputs: [
      { a: { m: 1 }, b: { m: 2 }, c: true },
      { a: { m: 1 }, b: { m: 2 } },
      { a: { m: 1 }, b: { m: 1 }, c: false },
    ],
  },
  {
    source: `
h := x if some x in input.xs
r := h.m`,
    entrypoint: 'p/r',
    inputs: [{ xs: [{ m: 1 }] }, { xs: [{ m: 1 }, { m: 1 }] }, { xs: [{ m: 1 }, { m: 2 }] }, { xs: [] }],
  },
  {
    source: `
h := input.a
f(x) := input.b if x
r := [h.m, f(true).n, v] if v := h.n with input.a as {"n": 5}
r := "none" if not h`,
    entrypoint: 'p/r',
    inputs: [{ a: { m: 1, n: 2 }, b: { n: 3 } }, { a: 'scalar', b: {} }, { b: { n: 1 } }],
  },
  {
    source: `
h := input.a if input.a.m else := input.b
r := h.m`,
    entrypoint: 'p/r',
    inputs: [{ a: { m: 1 }, b: { m: 2 } }, { b: { m: 2 } }, { a: false, b: { m: 2 } }],
  },
];

test('projected inputs answer exactly as whole ones when rules and functions pass parts of the input on', async () => {
  for (const { source, entrypoint, inputs } of CHAINS) {
    const result = compile({ modules: [{ path: 'p.rego', source: `package p\n${source}` }], entrypoints: [entrypoint] });
    const reads = result.inputReads[entrypoint];
    expect(reads).not.toBe(true); // else nothing is compared
    const policy = await loadPolicy(result.wasm, undefined, hostBuiltins);
    for (const input of inputs) {
      for (const document of [input, padded(input)]) {
        const whole = answer(() => policy.evaluate(document, entrypoint));
        const cut = answer(() => policy.evaluate(projectInput(document, reads), entrypoint));
        expect({ source, reads, answer: cut }).toEqual({ source, reads, answer: whole });
      }
    }
  }
});

if (!fs.existsSync(casesRoot)) {
  test.skip('projected inputs answer as whole ones on the conformance cases (skipped: ../shared/conformance/regorus is absent)', () =>
    undefined);
} else {
  test('projected inputs answer exactly as whole ones on every conformance case', async () => {
    let compared = 0;
    let projectedSmaller = 0;
    const differences: string[] = [];
    for (const c of loadCases(casesRoot)) {
      if (c.raw.skip || c.input === undefined) continue;
      const prepared = prepare(c);
      if ('error' in prepared) continue;
      let result;
      try {
        result = compile({ modules: prepared.modules, entrypoints: [prepared.entrypoint] });
      } catch {
        continue;
      }
      const data = c.raw.data ?? {};
      const inputs = (c.input instanceof Many ? c.input.items : [c.input]).filter((input) => !hasRegoOnlyValues(input));
      if (inputs.length === 0 || hasRegoOnlyValues(data)) continue;
      const policy = await loadPolicy(result.wasm, undefined, hostBuiltins);
      policy.setData(data);
      for (const input of inputs) {
        for (const document of [input, padded(input)]) {
          const projected = projectInput(document, result.inputReads[prepared.entrypoint]);
          const whole = answer(() => policy.evaluate(document, prepared.entrypoint));
          const cut = answer(() => policy.evaluate(projected, prepared.entrypoint));
          compared++;
          if (JSON.stringify(projected) !== JSON.stringify(document)) projectedSmaller++;
          if (JSON.stringify(whole) !== JSON.stringify(cut))
            differences.push(
              `${c.id}: whole ${JSON.stringify(whole)} projected ${JSON.stringify(cut)} (reads ${JSON.stringify(result.inputReads[prepared.entrypoint])})`,
            );
        }
      }
    }
    expect(differences).toEqual([]);
    // The comparison means something only if many inputs were really cut down.
    expect(compared).toBeGreaterThan(30);
    expect(projectedSmaller).toBeGreaterThan(compared / 4);
    console.log(`input projection: ${compared} evaluations compared, ${projectedSmaller} with a smaller input, no difference`);
  }, 300_000);
}
