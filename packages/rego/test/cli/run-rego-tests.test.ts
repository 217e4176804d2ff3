/** runRegoTests(), the API behind `opa-jwt test`: results per test, on the real SDK. */
import { formatTestReport, RegoCompileError, runRegoTests, type RegoTestResult } from '../../src';

const regoModule = (path: string, source: string, v0Compatible?: boolean) => ({
  path,
  source,
  ...(v0Compatible === undefined ? {} : { v0Compatible }),
});

const statuses = (results: RegoTestResult[]) => Object.fromEntries(results.map((r) => [`${r.package}.${r.name}`, r.status]));

describe('runRegoTests', () => {
  test('one result per test with package, name, location, status, message and duration', async () => {
    const results = await runRegoTests({
      modules: [
        regoModule('lib.rego', 'package lib\n\nlimit := data.config.limit\n'),
        regoModule(
          'lib_test.rego',
          'package lib_test\n\nimport data.lib\n\ntest_limit if lib.limit == 3\n\ntest_wrong if lib.limit == 4\n\ntest_value := lib.limit\n',
        ),
      ],
      data: { config: { limit: 3 } },
    });
    expect(results).toEqual([
      { package: 'data.lib_test', name: 'test_limit', location: 'lib_test.rego:5:1', status: 'pass', durationNs: expect.any(Number) },
      {
        package: 'data.lib_test',
        name: 'test_wrong',
        location: 'lib_test.rego:7:1',
        status: 'fail',
        message: 'undefined',
        durationNs: expect.any(Number),
      },
      {
        package: 'data.lib_test',
        name: 'test_value',
        location: 'lib_test.rego:9:1',
        status: 'fail',
        message: '3',
        durationNs: expect.any(Number),
      },
    ]);
    for (const result of results) expect(result.durationNs).toBeGreaterThan(0);
  });

  test('false and undefined fail, errors are errors, and evaluation goes on after an error', async () => {
    const results = await runRegoTests({
      modules: [
        regoModule(
          't_test.rego',
          `package t_test

x := 1 if input.a
x := 2 if input.a

test_false if false
test_undefined if input.nothing
test_conflict if x with input as {"a": true}
test_after_the_error if x == 1 with input as {"b": true}
test_object_key if {"a": 1}.b
`,
        ),
      ],
    });
    expect(statuses(results)).toEqual({
      'data.t_test.test_false': 'fail',
      'data.t_test.test_undefined': 'fail',
      'data.t_test.test_conflict': 'error',
      'data.t_test.test_after_the_error': 'fail',
      'data.t_test.test_object_key': 'fail',
    });
    expect(results[2].message).toBe('eval_conflict_error: complete rules must not produce multiple outputs');
  });

  test('print() output is captured per test, not written to the console', async () => {
    const original = console.log;
    const results = await runRegoTests({
      modules: [
        regoModule(
          'p_test.rego',
          'package p_test\n\ntest_a if {\n\tprint("in a", {"k": 1})\n}\n\ntest_b if true\n\ntest_c if {\n\tprint("in c")\n\tfalse\n}\n',
        ),
      ],
    });
    expect(console.log).toBe(original);
    expect(results.map((r) => [r.name, r.status, r.output])).toEqual([
      ['test_a', 'pass', 'in a {"k": 1}\n'],
      ['test_b', 'pass', undefined],
      ['test_c', 'fail', 'in c\n'],
    ]);
  });

  test('filter (string or RegExp) matches the full name data.pkg.test_x', async () => {
    const modules = [
      regoModule('a_test.rego', 'package a_test\n\ntest_one if true\n\ntest_two if true\n'),
      regoModule('b_test.rego', 'package b.c_test\n\ntest_one if true\n'),
    ];
    expect((await runRegoTests({ modules, filter: 'test_one' })).map((r) => `${r.package}.${r.name}`)).toEqual([
      'data.a_test.test_one',
      'data.b.c_test.test_one',
    ]);
    expect((await runRegoTests({ modules, filter: /^data\.b\./ })).map((r) => `${r.package}.${r.name}`)).toEqual([
      'data.b.c_test.test_one',
    ]);
    expect(await runRegoTests({ modules, filter: 'nothing' })).toEqual([]);
    await expect(runRegoTests({ modules, filter: '(' })).rejects.toThrow(/option "filter" is not a valid regular expression/);
    // A string is Go (RE2) syntax, as for opa test --run: inline flags anywhere, \z, [[:alpha:]].
    expect((await runRegoTests({ modules, filter: 'B(?i)\\.C_TEST\\.test_one\\z' })).map((r) => `${r.package}.${r.name}`)).toEqual([]);
    expect((await runRegoTests({ modules, filter: 'b(?i)\\.C_TEST\\.TEST_ONE\\z' })).map((r) => `${r.package}.${r.name}`)).toEqual([
      'data.b.c_test.test_one',
    ]);
    expect((await runRegoTests({ modules, filter: '^data\\.[[:alpha:]]_test\\.test_two$' })).map((r) => r.name)).toEqual(['test_two']);
    await expect(runRegoTests({ modules, filter: '(?<=a)b' })).rejects.toThrow(/not a valid regular expression: error parsing regexp/);
  });

  test('repeated definitions run one by one (test_x, test_x#01, ...), across the modules of a package', async () => {
    const results = await runRegoTests({
      modules: [
        regoModule('x_test.rego', 'package x_test\n\ntest_x if true\n\ntest_x if false\n'),
        regoModule('y_test.rego', 'package x_test\n\ntest_x if true\n'),
      ],
    });
    expect(results.map((r) => [r.name, r.location, r.status])).toEqual([
      ['test_x', 'x_test.rego:3:1', 'pass'],
      ['test_x#01', 'x_test.rego:5:1', 'fail'],
      ['test_x#02', 'y_test.rego:3:1', 'pass'],
    ]);
  });

  test('todo_test_ is skipped, table tests run, functions are not tests', async () => {
    const results = await runRegoTests({
      modules: [
        regoModule(
          's_test.rego',
          'package s_test\n\ntodo_test_later if false\n\ntest_cases[name] if {\n\tsome name in ["a"]\n}\n\ntest_helper(x) := x\n\ntest_real if test_helper(true)\n',
        ),
      ],
    });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['todo_test_later', 'skip'],
      ['test_cases', 'pass'],
      ['test_real', 'pass'],
    ]);
  });

  test('table tests fail as opa test fails them: a case whose body fails once its name is bound, or whose value is not true', async () => {
    const source = `package tbl_test

cases := {"one": {"in": 1, "want": 2}, "two": {"in": 2, "want": 4}, "three": {"in": 3, "want": 7}}

test_double_all[name] if {
	some name, tc in cases
	tc.in * 2 == tc.want
}

test_double_some[name] if {
	some name, tc in cases
	name != "three"
	tc.in * 2 == tc.want
}

test_by_note[tc.note] if {
	some tc in [{"note": "a", "ok": true}, {"note": "b", "ok": false}]
	tc.ok
}

test_values[name] := ok if {
	some name, ok in {"yes": true, "no": false, "other": 1}
}

test_nested[a][b] if {
	some a in ["x", "y"]
	some b in [1]
	a == "x"
}

test_none[name] if {
	some name in []
}
`;
    const results = await runRegoTests({ modules: [regoModule('tbl_test.rego', source)] });
    expect(results.map((r) => [r.name, r.status, r.message])).toEqual([
      // "three" fails after its name is bound: OPA reports it, although the object simply lacks it.
      ['test_double_all', 'fail', 'failed cases: "three"'],
      // The name is bound by the first expression: `name != "three"` already runs after OPA's marker.
      ['test_double_some', 'fail', 'failed cases: "three"'],
      ['test_by_note', 'fail', 'failed cases: "b"'],
      ['test_values', 'fail', 'failed cases: "no", "other"'],
      ['test_nested', 'fail', 'failed cases: "y"."1"'],
      ['test_none', 'pass', undefined],
    ]);
  });

  test('v0: a test with a variable key is a partial set, which is not true: it fails, as in opa test', async () => {
    const results = await runRegoTests({ modules: [regoModule('p_test.rego', 'package p_test\n\ntest_set[x] { x := 1 }\n', true)] });
    expect(results.map((r) => [r.name, r.status, r.message])).toEqual([['test_set', 'fail', '[1]']]);
  });

  test('a builtin error makes its expression undefined, as opa test evaluates (no strict builtin errors)', async () => {
    const source = `package be_test

test_undefined_after_error if semver.compare("1.29", "1.2.3") == -1

test_negated_call_after_error if not regex.match("[", "a")

test_goes_on if {
	x := [v | some s in ["1.29", "1.2.3"]; v := semver.compare(s, "1.0.0")]
	x == [1]
}
`;
    const results = await runRegoTests({ modules: [regoModule('be_test.rego', source)] });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['test_undefined_after_error', 'fail'],
      ['test_negated_call_after_error', 'pass'],
      ['test_goes_on', 'pass'],
    ]);
    expect(results[0].message).toBe('undefined (builtin error: semver.compare: operand 1: string 1.29 is not a valid SemVer)');
  });

  test('v0 syntax: per module or for all; a compile error throws with file:line:col', async () => {
    const v0 = 'package old\n\ntest_v0 {\n\ttrue\n}\n';
    expect(statuses(await runRegoTests({ modules: [regoModule('old_test.rego', v0)], v0Compatible: true }))).toEqual({
      'data.old.test_v0': 'pass',
    });
    expect(
      statuses(
        await runRegoTests({
          modules: [regoModule('old_test.rego', v0, true), regoModule('new_test.rego', 'package new\n\ntest_v1 if true\n')],
        }),
      ),
    ).toEqual({
      'data.old.test_v0': 'pass',
      'data.new.test_v1': 'pass',
    });
    await expect(runRegoTests({ modules: [regoModule('old_test.rego', v0)] })).rejects.toThrow(/^old_test\.rego:3:\d+: /);
    const unsafe = runRegoTests({ modules: [regoModule('u_test.rego', 'package u\n\ntest_u if {\n\ty == 1\n}\n')] });
    await expect(unsafe).rejects.toBeInstanceOf(RegoCompileError);
    await expect(unsafe).rejects.toThrow('u_test.rego:4:2: rego_unsafe_var_error: var y is unsafe');
  });
});

describe('runRegoTests builtins option', () => {
  test("the project's own host builtins: new names take the function's parameter count, known ones are replaced", async () => {
    const results = await runRegoTests({
      modules: [
        regoModule(
          'c_test.rego',
          'package c_test\n\ntest_new if result.new("m", {"line": 3}) == {"msg": "m", "line": 3}\n\ntest_replaced if strings.reverse("a") == "custom"\n',
        ),
      ],
      builtins: { 'result.new': (msg: unknown, cause: Record<string, unknown>) => ({ msg, ...cause }), 'strings.reverse': () => 'custom' },
    });
    expect(statuses(results)).toEqual({ 'data.c_test.test_new': 'pass', 'data.c_test.test_replaced': 'pass' });
    // Outside runRegoTests the name is unknown again.
    await expect(
      runRegoTests({ modules: [regoModule('c_test.rego', 'package c_test\n\ntest_new if result.new("m", {})\n')] }),
    ).rejects.toThrow(/undefined function result\.new/);
  });

  test('a builtin that is not a function is a TypeError naming the option', async () => {
    await expect(runRegoTests({ modules: [regoModule('c.rego', 'package c\n')], builtins: { f: 1 as never } })).rejects.toThrow(
      /option "builtins": f is not a function/,
    );
  });
});

describe('formatTestReport', () => {
  const result = (name: string, status: RegoTestResult['status'], extra: Partial<RegoTestResult> = {}): RegoTestResult => ({
    package: 'data.p',
    name,
    location: `p_test.rego:${name.length}:1`,
    status,
    durationNs: 1_417,
    ...extra,
  });

  test('lists what did not pass, with print output and errors, then the counts, as opa test prints them', () => {
    const results = [
      result('test_ok', 'pass'),
      result('test_bad', 'fail', { output: 'line 1\nline 2\n', durationNs: 12_500_000 }),
      result('test_err', 'error', { message: 'eval_conflict_error: boom', durationNs: 426 }),
      result('todo_test_x', 'skip', { durationNs: 0 }),
    ];
    expect(formatTestReport(results)).toBe(
      [
        'p_test.rego:8:1:',
        'data.p.test_bad: FAIL (12.5ms)',
        '',
        '  line 1',
        '  line 2',
        '',
        'p_test.rego:8:1:',
        'data.p.test_err: ERROR (426ns)',
        '  eval_conflict_error: boom',
        'p_test.rego:11:1:',
        'data.p.todo_test_x: SKIPPED',
        '-'.repeat(80),
        'PASS: 1/4',
        'FAIL: 1/4',
        'SKIPPED: 1/4',
        'ERROR: 1/4',
        '',
      ].join('\n'),
    );
    expect(formatTestReport(results, { verbose: true })).toMatch(/^p_test\.rego:7:1:\ndata\.p\.test_ok: PASS \(1\.417µs\)\n/);
    expect(formatTestReport([result('test_ok', 'pass')])).toBe('PASS: 1/1\n');
    expect(formatTestReport([])).toBe('');
  });

  test('shows trace() notes with verbose only, as opa test -v shows notes', () => {
    const traced = [result('test_ok', 'pass', { notes: ['checking "x"', 'done'] })];
    expect(formatTestReport(traced, { verbose: true })).toBe(
      [
        'p_test.rego:7:1:',
        'data.p.test_ok: PASS (1.417µs)',
        '',
        '  Note "checking \\"x\\""',
        '  Note "done"',
        '',
        '-'.repeat(80),
        'PASS: 1/1',
        '',
      ].join('\n'),
    );
    expect(formatTestReport(traced)).toBe('PASS: 1/1\n');
  });
});
