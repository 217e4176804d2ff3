/**
 * `opa-jwt fmt`: the formatter against inputs written badly on purpose (the expected text is what `opa fmt` writes
 * for them), idempotence and meaning preservation on the repository's own policies, and the command's flags.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { formatModule } from '../../src/format';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, planModules } from '../../src/index';
import { parseModule } from '../../src/parse';
import { loadCases } from '../conformance/cases';
import { type Compiler, runCase } from '../conformance/run';
import { BIN, BIN_BUILT, useWorkspace } from './workspace';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const CONFORMANCE_ROOT = path.resolve(REPO_ROOT, process.env.REGO_CONFORMANCE_DIR ?? '../shared/conformance/regorus');

function regoFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...regoFilesUnder(full));
    else if (name.endsWith('.rego')) found.push(full);
  }
  return found;
}

/** The plan of a module, compiled with its whole package as the entry point. */
function planOf(source: string, v0Compatible = false): string {
  const module = parseModule(source, 'policy.rego', { v0Compatible });
  const { plan } = planModules({ modules: [{ path: 'policy.rego', source }], entrypoints: [module.package.join('/')], v0Compatible });
  return JSON.stringify(plan);
}

/** The package's value for `input`, evaluated on the SDK. */
async function evaluateOf(source: string, v0Compatible: boolean, input: unknown): Promise<unknown> {
  const module = parseModule(source, 'policy.rego', { v0Compatible });
  const entrypoint = module.package.join('/');
  const { wasm } = compile({ modules: [{ path: 'policy.rego', source }], entrypoints: [entrypoint], v0Compatible });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins);
  return policy.evaluate(input, entrypoint);
}

interface Golden {
  name: string;
  input: string;
  expected: string;
  v0?: boolean;
}

const GOLDEN: Golden[] = [
  {
    name: 'v0 rules become v1 (if, contains, :=), imports sort within their group of adjacent lines',
    v0: true,
    input: `package   example
import future.keywords.if
import future.keywords.in
import data.lib.b
import data.lib.a

# group two
import input.x as y
allow   =   true   {   input.user   ==   "alice"   }
roles[r]   {   r := input.roles[_]   }
`,
    expected: `package example

import data.lib.a
import data.lib.b
import future.keywords.if
import future.keywords.in

# group two
import input.x as y

allow := true if input.user == "alice"
roles contains r if r := input.roles[_]
`,
  },
  {
    name: 'comments keep their place: above a rule, at the end of a line, inside a body, at the end of the file',
    input: `package example

# Comment block about the rule,
# spanning two lines.

decision := {
  "allow": allow,   # why
  "reasons": input.reasons,
}

allow if {
	# first check
	input.method == "GET"
	# last thing in the body
}
   # trailing, indented
`,
    expected: `package example

# Comment block about the rule,
# spanning two lines.

decision := {
	"allow": allow, # why
	"reasons": input.reasons,
}

allow if {
	# first check
	input.method == "GET"
	# last thing in the body
}

# trailing, indented
`,
  },
  {
    name: 'adjacent one-liners stay together, one-expression bodies on the head line, `if true` is a constant',
    input: `package example

import rego.v1

a := 1
b := 2
c if { a == 1 }
t1 if true
t2 := 5 if { true }
t3 contains 1 if true

d := x if {
    x := [ y | some y in input.list ;  y > 0 ]
}
e := {k: v | some k , v in input.obj}
f if {
	every i in input.items {
		i.ok
	}
	not input.blocked with input.blocked as false
}
`,
    expected: `package example

import rego.v1

a := 1
b := 2
c if a == 1
t1 := true
t2 := 5
t3 contains 1

d := x if {
	x := [y | some y in input.list; y > 0]
}

e := {k: v | some k, v in input.obj}

f if {
	every i in input.items {
		i.ok
	}
	not input.blocked with input.blocked as false
}
`,
  },
  {
    name: 'operators: nested infix calls in parentheses, set unions in lists, refs, raw strings, empty set',
    input: `package example

n := ((1 + 2) * 3) - -4
m := count(input.x) + 1 == 2
s := {1} | {2}
u := [{1} | {2}, 3]
q := input["a"]["if"]["b-c"][0]
r := \`raw\\n\`${' '}
t := "tab\\there"
v := {"k": {1,2,3}, "e": set(), "o": {}}
`,
    expected: `package example

n := ((1 + 2) * 3) - -4
m := (count(input.x) + 1) == 2
s := {1} | {2}
u := [({1} | {2}), 3]
q := input.a["if"]["b-c"][0]
r := \`raw\\n\`
t := "tab\\there"
v := {"k": {1, 2, 3}, "e": set(), "o": {}}
`,
  },
  {
    name: 'else: after a closing brace it stays there, at the start of a line it gets its own paragraph',
    input: `package example

f(x, y) := z if {
	z := x + y
} else := 0

g(x) := 1 if {
	x > 0
}
else := 2

w := input.value if input.flag else := "none"

h := object.union(
  {"a": 1},
  {"b": 2}
)

k := [1, 2, 3] # eol

# before default
default l := {}
`,
    expected: `package example

f(x, y) := z if {
	z := x + y
} else := 0

g(x) := 1 if {
	x > 0
}

else := 2

w := input.value if input.flag

else := "none"

h := object.union(
	{"a": 1},
	{"b": 2},
)

k := [1, 2, 3] # eol

# before default
default l := {}
`,
  },
  {
    name: 'bodies: one expression per line, blank lines kept (one at most), spaces around operators',
    input: `package example

default   allow  =  false
allow if { input.method=="GET" ; input.path[0]=="public" }
allow if {
    some role in input.roles  # eol comment
    role in data.admins


    x := 1+2*3
    y := -x
    not   deny
    count({1,2}|{3})>0
}
deny contains msg if {input.user=="bad"; msg := sprintf("bad user %s",[input.user])}
obj := {"a":1,"b":[1,2,
  3]}
`,
    expected: `package example

default allow := false

allow if {
	input.method == "GET"
	input.path[0] == "public"
}

allow if {
	some role in input.roles # eol comment
	role in data.admins

	x := 1 + (2 * 3)
	y := -x
	not deny
	count({1, 2} | {3}) > 0
}

deny contains msg if {
	input.user == "bad"
	msg := sprintf("bad user %s", [input.user])
}

obj := {"a": 1, "b": [
	1, 2,
	3,
]}
`,
  },
  {
    name: 'comments inside collections, argument lists, bodies and after closing braces',
    input: `package example # pkg

import data.a # first
# between
import data.b

p := [
	1, # one
	# before two
	2,
	# before close
]

q if { # opening
	input.q # t
} # closing

r(x) := y if {
	y := x
} else := 0 # else comment

s if {
	every x in [1] { # every open
		x > 0 # inner
	}
}

t := object.union(
	{"a": 1}, # arg
	{"b": 2})
`,
    expected: `package example # pkg

import data.a # first

# between
import data.b

p := [
	1, # one
	# before two
	2,
	# before close
]

q if { # opening
	input.q # t
} # closing

r(x) := y if {
	y := x
} else := 0 # else comment

s if {
	every x in [1] { # every open
		x > 0 # inner
	}
}

t := object.union(
	{"a": 1}, # arg
	{"b": 2},
)
`,
  },
  {
    name: 'one-expression bodies: a lone set keeps its braces; some over several lines; comprehension layouts',
    input: `package example

lone_set if { {1, 2} }
object_term if { {"a": 1} }

names if {
	some a, b, # first two
	  c
	a = 1; b = 2; c = 3
}

squares := [y | some x in input.numbers; y := x * x]
evens := {x |
    some x in input.numbers
    x % 2 == 0
}
by_name := {
	u.name: u | some u in input.users
}
`,
    expected: `package example

lone_set if {
	{1, 2}
}

object_term if {"a": 1}

names if {
	some a, b, # first two
		c
	a = 1
	b = 2
	c = 3
}

squares := [y | some x in input.numbers; y := x * x]
evens := {x |
	some x in input.numbers
	x % 2 == 0
}

by_name := {u.name: u |
	some u in input.users
}
`,
  },
];

describe('formatModule', () => {
  test.each(GOLDEN.map((g) => [g.name, g] as const))('%s', async (_name, golden) => {
    const formatted = formatModule(golden.input, 'policy.rego', { v0Compatible: golden.v0 });
    expect(formatted).toBe(golden.expected);
    // Formatting is idempotent and keeps the meaning: the formatted module compiles to the same plan, or (where
    // a canonical form plans differently, `p if true` written `p := true`) evaluates to the same document.
    expect(formatModule(formatted, 'policy.rego')).toBe(formatted);
    if (planOf(formatted) !== planOf(golden.input, golden.v0)) {
      const sample = {
        method: 'GET',
        path: ['public'],
        roles: ['admin'],
        user: 'bad',
        list: [1, -1],
        obj: { a: 1 },
        items: [{ ok: true }],
        flag: true,
        value: 3,
      };
      for (const input of [{}, sample]) {
        expect(await evaluateOf(formatted, false, input)).toEqual(await evaluateOf(golden.input, !!golden.v0, input));
      }
    }
  });

  const files = regoFilesUnder(REPO_ROOT).filter(
    (file) => !file.includes(`${path.sep}packages${path.sep}`) || file.includes(`${path.sep}test${path.sep}`),
  );
  test('finds the repository policies', () => {
    expect(files.filter((f) => f.includes(`${path.sep}policies${path.sep}`)).length).toBeGreaterThanOrEqual(6);
  });

  test.each(files.map((file) => [path.relative(REPO_ROOT, file), file]))('%s: idempotent, same plan', (shown, file) => {
    const source = readFileSync(file, 'utf8');
    const v0 = shown.includes('v0');
    const once = formatModule(source, shown, { v0Compatible: v0 });
    expect(formatModule(once, shown)).toBe(once);
    // Some files compile only beside others (tests of a policy, mocks of http.send): then the error must stay the same.
    expect(planOrError([once], false)).toBe(planOrError([source], v0));
  });

  /** The plan of several modules with the first one's package as the entry point, or the compile error's text. */
  function planOrError(sources: string[], v0Compatible: boolean): string {
    try {
      const pkg = parseModule(sources[0], 'm0.rego', { v0Compatible }).package.join('/');
      const modules = sources.map((source, i) => ({ path: `m${i}.rego`, source }));
      return JSON.stringify(planModules({ modules, entrypoints: [pkg], v0Compatible }).plan);
    } catch (error) {
      // Locations move when the layout changes; the errors themselves must not.
      return `error: ${(error as Error).message.replace(/m\d+\.rego:\d+:\d+: /g, '')}`;
    }
  }

  const conformanceCompiler: Compiler = { compile: (opts) => compile(opts), hostBuiltins: hostBuiltins };

  (existsSync(CONFORMANCE_ROOT) ? test : test.skip)(
    'every module of the conformance cases: idempotent, same plan or same outcome',
    async () => {
      const problems: string[] = [];
      let formattedCount = 0;
      let checkedByOutcome = 0;
      for (const c of loadCases(CONFORMANCE_ROOT)) {
        const sources = c.raw.modules ?? [];
        if (sources.length === 0) continue;
        // Cases are written in v0 or v1; a case whose modules parse in neither is a parse-error case.
        const parsesAs = (v0: boolean) =>
          sources.every((m) => {
            try {
              parseModule(m, 'm.rego', { v0Compatible: v0 });
              return true;
            } catch {
              return false;
            }
          });
        const v0 = !parsesAs(false);
        if (v0 && !parsesAs(true)) continue;
        const formatted = sources.map((m, i) => formatModule(m, `m${i}.rego`, { v0Compatible: v0 }));
        formattedCount += formatted.length;
        formatted.forEach((f, i) => {
          if (formatModule(f, `m${i}.rego`) !== f) problems.push(`${c.id}: formatting module ${i} twice changes it`);
        });
        const before = planOrError(sources, v0);
        const after = planOrError(formatted, false);
        // A v0 module may mean something else in v1 (a rule named input): then v1 rejects it, as opa fmt does.
        if (before === after || (v0 && after.startsWith('error: '))) continue;
        // Canonical forms may plan differently (`p if true` is written `p := true`): the case must still pass.
        const original = await runCase(c, conformanceCompiler);
        const reformatted = await runCase({ ...c, raw: { ...c.raw, modules: formatted } }, conformanceCompiler);
        if (original.status === 'pass' && reformatted.status !== 'pass')
          problems.push(`${c.id}: the formatted modules fail the case: ${reformatted.reason}`);
        else checkedByOutcome++;
      }
      expect(checkedByOutcome).toBeLessThan(20);
      expect(problems).toEqual([]);
      expect(formattedCount).toBeGreaterThan(300);
    },
  );

  test('a module that does not parse is a compile error with file:line:col', () => {
    expect(() => formatModule('package p\n\nallow if {\n', 'bad.rego')).toThrow(/^bad\.rego:4:1: /);
  });
});

describe('opa-jwt fmt', () => {
  const ws = useWorkspace('opa-jwt-fmt-');
  const MESSY = 'package p\n\nallow   if {   input.x==1   }\n';
  const TIDY = 'package p\n\nallow if input.x == 1\n';

  test('prints the formatted source', async () => {
    ws.write('p.rego', MESSY);
    expect(await ws.cli('fmt', 'p.rego')).toEqual({ code: 0, stdout: TIDY, stderr: '' });
  });

  test('--list names the files that would change; --fail makes that exit 2', async () => {
    ws.write('dir/messy.rego', MESSY);
    ws.write('dir/tidy.rego', TIDY);
    expect(await ws.cli('fmt', '-l', 'dir')).toEqual({ code: 0, stdout: 'dir/messy.rego\n', stderr: '' });
    expect((await ws.cli('fmt', '--list', '--fail', 'dir')).code).toBe(2);
    expect(await ws.cli('fmt', '-l', '--fail', 'dir/tidy.rego')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('--diff prints a unified diff', async () => {
    ws.write('p.rego', MESSY);
    const result = await ws.cli('fmt', '--diff', 'p.rego');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      '--- p.rego\n+++ p.rego (formatted)\n@@ -1,3 +1,3 @@\n package p\n \n-allow   if {   input.x==1   }\n+allow if input.x == 1\n',
    );
  });

  test('--write rewrites only the files that change', async () => {
    ws.write('p.rego', MESSY);
    const result = await ws.cli('fmt', '-w', 'p.rego');
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(path.join(ws.dir, 'p.rego'), 'utf8')).toBe(TIDY);
  });

  (BIN_BUILT ? test : test.skip)('without a path it formats stdin (through the bin)', () => {
    const run = spawnSync(process.execPath, [BIN, 'fmt', '--fail'], { cwd: ws.dir, input: MESSY, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe(TIDY);
  });

  test('imports: kept by default; --drop-v0-imports drops rego.v1 and future.keywords; --v0-v1 adds rego.v1', async () => {
    ws.write('i.rego', 'package p\n\nimport future.keywords.if\nimport data.lib\n\nallow if lib.ok\n');
    expect((await ws.cli('fmt', 'i.rego')).stdout).toBe('package p\n\nimport data.lib\nimport future.keywords.if\n\nallow if lib.ok\n');
    expect((await ws.cli('fmt', '--drop-v0-imports', 'i.rego')).stdout).toBe('package p\n\nimport data.lib\n\nallow if lib.ok\n');
    expect((await ws.cli('fmt', '--v0-v1', 'i.rego')).stdout).toBe('package p\n\nimport data.lib\nimport rego.v1\n\nallow if lib.ok\n');
    ws.write('v.rego', 'package p\n\nimport rego.v1\nimport future.keywords.in\n\nallow if 1 in [1]\n');
    expect((await ws.cli('fmt', 'v.rego')).stdout).toBe('package p\n\nimport rego.v1\n\nallow if 1 in [1]\n');
    ws.write('n.rego', 'package p\n\nallow if true\n');
    expect((await ws.cli('fmt', '--v0-v1', 'n.rego')).stdout).toBe('package p\n\nimport rego.v1\n\nallow := true\n');
    expect((await ws.cli('fmt', '--v0-v1', '--drop-v0-imports', 'n.rego')).code).toBe(2);
  });

  test('--v0-compatible reads v0 and writes v1', async () => {
    ws.write('v0.rego', 'package p\n\nallow { input.x == 1 }\n');
    expect((await ws.cli('fmt', 'v0.rego')).code).toBe(1);
    expect(await ws.cli('fmt', '--v0-compatible', 'v0.rego')).toEqual({ code: 0, stdout: TIDY, stderr: '' });
  });

  test('errors: a parse error exits 1 with file:line:col, a missing file names the resolved path, bad flags exit 2', async () => {
    ws.write('bad.rego', 'package p\n\nallow if {\n');
    const bad = await ws.cli('fmt', 'bad.rego');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.rego:4:1: /);
    const missing = await ws.cli('fmt', 'nowhere.rego');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(path.join(ws.dir, 'nowhere.rego'));
    expect((await ws.cli('fmt', '-l', '-w', 'bad.rego')).code).toBe(2);
    expect((await ws.cli('fmt', '-w')).code).toBe(2);
  });
});
