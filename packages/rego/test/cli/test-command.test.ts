/**
 * `opa-jwt test`, the equivalent of `opa test`: in process through main() (the sources under test), and spawned
 * through bin/opa-jwt.js as `npx opa-jwt test` runs it (needs the compiled dist/: `npx tsc -b`).
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from '../../src/cli/args';
import { BIN, BIN_BUILT, useWorkspace } from './workspace';

const ws = useWorkspace('opa-jwt-test-cmd-');
const { write, cli } = ws;

const POLICY = `package authz

default allow := false

allow if {
	input.method == "POST"
	some role in input.roles
	role in data.authz.admin_roles
}
`;

const PASSING_TESTS = `package authz_test

import data.authz

test_admin_may_post if authz.allow with input as {"method": "POST", "roles": ["admin"]}

test_reader_may_not_post if not authz.allow with input as {"method": "POST", "roles": ["reader"]}

test_get_is_denied if not authz.allow with input as {"method": "GET", "roles": ["admin"]}
`;

/** A passing suite: a policy, its data.json (data.authz.admin_roles) and its tests. */
function passingSuite(): void {
  write('policies/authz/authz.rego', POLICY);
  write('policies/authz/data.json', JSON.stringify({ admin_roles: ['admin'] }));
  write('policies/authz/authz_test.rego', PASSING_TESTS);
}

const DURATION = String.raw`\(\d+(\.\d+)?(ns|µs|ms|s)\)`;

describe('argument parsing', () => {
  test('reads the flags of `opa test`', () => {
    expect(parseArgs(['test', '-v', '--run', 'admin', '--v0-compatible', '--ignore', 'v0', '--ignore=*.bak', '-z', 'a', 'b'])).toEqual({
      kind: 'test',
      verbose: true,
      run: 'admin',
      v0Compatible: true,
      ignore: ['v0', '*.bak'],
      exitZeroOnSkipped: true,
      format: 'pretty',
      paths: ['a', 'b'],
    });
    expect(parseArgs(['test', '-r', 'x', 'p'])).toMatchObject({ run: 'x', verbose: false, v0Compatible: false, exitZeroOnSkipped: false });
  });

  test('usage errors exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['test'], /specify at least one file or directory/],
      [['test', '--run', '(', 'p'], /--run: invalid regular expression/],
      [['test', '--run'], /flag --run needs a value/],
      [['test', '--bogus', 'p'], /unknown flag --bogus/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(...argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.stderr).toMatch(message);
    }
  });

  test('--help documents the test command', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/opa-jwt test \[-v\] \[--run <regex>\] \[--v0-compatible\]/);
    expect((await cli('test', '--help')).stdout).toBe(help.stdout);
  });
});

describe('opa-jwt test (in process)', () => {
  test('a passing suite: exit 0, only the counts; -v lists every test with location and duration', async () => {
    passingSuite();
    const quiet = await cli('test', 'policies');
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('PASS: 3/3\n');

    const verbose = await cli('test', '-v', 'policies');
    expect(verbose.code).toBe(0);
    const lines = verbose.stdout.split('\n');
    expect(lines[0]).toBe('policies/authz/authz_test.rego:5:1:');
    expect(lines[1]).toMatch(new RegExp(`^data\\.authz_test\\.test_admin_may_post: PASS ${DURATION}$`));
    expect(verbose.stdout).toMatch(/authz_test\.rego:7:1:\ndata\.authz_test\.test_reader_may_not_post: PASS/);
    expect(verbose.stdout).toMatch(/authz_test\.rego:9:1:\ndata\.authz_test\.test_get_is_denied: PASS/);
    expect(verbose.stdout).toMatch(new RegExp(`\n-{80}\nPASS: 3/3\n$`));
  });

  test('a failing suite: exit 2, each failure under its file:line:col with its print() output, then the counts', async () => {
    passingSuite();
    write(
      'policies/authz/more_test.rego',
      `package authz_test

import data.authz

test_reader_may_post if {
	print("roles checked:", ["reader"])
	authz.allow with input as {"method": "POST", "roles": ["reader"]}
}

test_false if 1 == 2

test_not_a_boolean := 7
`,
    );
    const result = await cli('test', 'policies');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      new RegExp(
        `^policies/authz/more_test\\.rego:5:1:\ndata\\.authz_test\\.test_reader_may_post: FAIL ${DURATION}\n\n  roles checked: \\["reader"\\]\n\n`,
      ),
    );
    expect(result.stdout).toMatch(new RegExp(`policies/authz/more_test\\.rego:10:1:\ndata\\.authz_test\\.test_false: FAIL ${DURATION}\n`));
    expect(result.stdout).toMatch(
      new RegExp(`policies/authz/more_test\\.rego:12:1:\ndata\\.authz_test\\.test_not_a_boolean: FAIL ${DURATION}\n`),
    );
    expect(result.stdout).not.toMatch(/test_admin_may_post/);
    expect(result.stdout).toMatch(new RegExp(`\n-{80}\nPASS: 3/6\nFAIL: 3/6\n$`));
  });

  test('an erroring test (conflicting outputs): ERROR with the message, exit 2; the other tests still run', async () => {
    write(
      'conflict_test.rego',
      `package conflict_test

role := "admin" if input.admin

role := "reader" if input.reader

test_both_roles if role == "admin" with input as {"admin": true, "reader": true}

test_admin if role == "admin" with input as {"admin": true}
`,
    );
    const result = await cli('test', 'conflict_test.rego');
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      new RegExp(
        `^conflict_test\\.rego:7:1:\ndata\\.conflict_test\\.test_both_roles: ERROR ${DURATION}\n  eval_conflict_error: complete rules must not produce multiple outputs\n`,
      ),
    );
    expect(result.stdout).toMatch(/\nPASS: 1\/2\nERROR: 1\/2\n$/);
  });

  test('--run runs only the tests whose full name matches', async () => {
    passingSuite();
    write('policies/authz/more_test.rego', 'package authz_test\n\ntest_broken if false\n');
    const all = await cli('test', 'policies');
    expect(all.code).toBe(2);
    expect(all.stdout).toMatch(/PASS: 3\/4\nFAIL: 1\/4\n$/);

    const some = await cli('test', '-v', '--run', 'denied|data\\.authz_test\\.test_admin', 'policies');
    expect(some.code).toBe(0);
    expect(some.stdout.match(/: PASS/g)).toHaveLength(2);
    expect(some.stdout).toMatch(/test_admin_may_post: PASS/);
    expect(some.stdout).toMatch(/test_get_is_denied: PASS/);
    expect(some.stdout).toMatch(/PASS: 2\/2\n$/);

    const none = await cli('test', '--run', 'no_such_test', 'policies');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
  });

  test('--v0-compatible: v0 policies and tests; without it they are a compile error with a location (exit 1)', async () => {
    write('v0/policy.rego', 'package legacy\n\ndefault allow = false\n\nallow {\n\tinput.x == 1\n}\n');
    write(
      'v0/policy_test.rego',
      'package legacy\n\ntest_allow {\n\tallow with input as {"x": 1}\n}\n\ntest_deny {\n\tnot allow with input as {"x": 2}\n}\n',
    );
    const v0 = await cli('test', '--v0-compatible', '-v', 'v0');
    expect(v0.stderr).toBe('');
    expect(v0.code).toBe(0);
    expect(v0.stdout).toMatch(/data\.legacy\.test_allow: PASS/);
    expect(v0.stdout).toMatch(/PASS: 2\/2\n$/);

    const v1 = await cli('test', 'v0');
    expect(v1.code).toBe(1);
    expect(v1.stdout).toBe('');
    expect(v1.stderr).toMatch(/^v0\/policy\.rego:5:\d+: .*if/m);
  });

  test('a compile error exits 1 with file:line:col and runs nothing', async () => {
    passingSuite();
    write('policies/authz/broken_test.rego', 'package authz_test\n\ntest_unsafe if {\n\tx == 1\n}\n');
    const result = await cli('test', 'policies');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^policies\/authz\/broken_test\.rego:4:2: .*x/m);
  });

  test('a policy calling http.send is tested with a mock; a test without the mock errors (exit 2)', async () => {
    write(
      'remote/remote.rego',
      'package remote\n\nallow if http.send({"method": "GET", "url": "https://opa.example/allow"}).body.allow == true\n',
    );
    write(
      'remote/remote_test.rego',
      'package remote_test\n\nimport data.remote\n\nreply(_) := {"body": {"allow": true}}\n\n' +
        'test_allow if remote.allow with http.send as reply\n\ntest_deny if not remote.allow with http.send as {"body": {}}\n',
    );
    const mocked = await cli('test', '-v', 'remote');
    expect(mocked.code).toBe(0);
    expect(mocked.stdout).toMatch(/data\.remote_test\.test_allow: PASS/);
    expect(mocked.stdout).toMatch(/data\.remote_test\.test_deny: PASS/);
    write('remote/forgot_test.rego', 'package forgot_test\n\nimport data.remote\n\ntest_allow if remote.allow\n');
    const forgot = await cli('test', 'remote');
    expect(forgot.code).toBe(2);
    expect(forgot.stdout).toMatch(
      /data\.forgot_test\.test_allow: ERROR .*\n.*remote\/remote\.rego:3:10: unsupported builtin http\.send called with no `with` replacing it/,
    );
    expect(forgot.stdout).toMatch(/PASS: 2\/3\nERROR: 1\/3\n$/);
  });

  test('a test defined twice in a package runs each definition on its own, as test_x and test_x#01', async () => {
    write('dup_test.rego', 'package dup_test\n\ntest_x if 1 == 1\n\ntest_x if 1 == 2\n\ntest_x if 2 == 2\n');
    const result = await cli('test', '-v', 'dup_test.rego');
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/dup_test\.rego:3:1:\ndata\.dup_test\.test_x: PASS/);
    expect(result.stdout).toMatch(/dup_test\.rego:5:1:\ndata\.dup_test\.test_x#01: FAIL/);
    expect(result.stdout).toMatch(/dup_test\.rego:7:1:\ndata\.dup_test\.test_x#02: PASS/);
    expect(result.stdout).toMatch(/PASS: 2\/3\nFAIL: 1\/3\n$/);
  });

  test('todo_test_ rules are skipped: exit 2, or 0 with -z', async () => {
    write('todo_test.rego', 'package todo_test\n\ntest_done if true\n\ntodo_test_later if false\n');
    const result = await cli('test', 'todo_test.rego');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe(
      `todo_test.rego:5:1:\ndata.todo_test.todo_test_later: SKIPPED\n${'-'.repeat(80)}\nPASS: 1/2\nSKIPPED: 1/2\n`,
    );
    expect((await cli('test', '-z', 'todo_test.rego')).code).toBe(0);
  });

  test('--ignore skips directories and files by name while searching', async () => {
    passingSuite();
    write('policies/old/legacy.rego', 'package legacy\n\nallow {\n\ttrue\n}\n');
    write('policies/authz/scratch_test.rego', 'package authz_test\n\ntest_wip if false\n');
    expect((await cli('test', 'policies')).code).toBe(1);
    const result = await cli('test', '--ignore', 'old', '--ignore', 'scratch_*', 'policies');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('PASS: 3/3\n');
  });
});

// The real executable, as `npx opa-jwt test` runs it; needs the compiled dist/ (`npx tsc -b`).
const built = BIN_BUILT;
(built ? describe : describe.skip)('bin/opa-jwt.js test (spawned; run `npx tsc -b` first)', () => {
  const bin = BIN;
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: ws.dir, encoding: 'utf8' });

  test('passing, failing, erroring and broken suites give the exit codes of `opa test`', () => {
    passingSuite();
    const pass = run('policies');
    expect(pass.stderr).toBe('');
    expect(pass.stdout).toBe('PASS: 3/3\n');
    expect(pass.status).toBe(0);

    write('policies/authz/failing_test.rego', 'package authz_test\n\ntest_wrong if {\n\tprint("checking")\n\tdata.authz.allow\n}\n');
    const fail = run('policies');
    expect(fail.status).toBe(2);
    expect(fail.stdout).toMatch(
      new RegExp(`^policies/authz/failing_test\\.rego:3:1:\ndata\\.authz_test\\.test_wrong: FAIL ${DURATION}\n\n  checking\n\n`),
    );
    expect(fail.stdout).toMatch(/PASS: 3\/4\nFAIL: 1\/4\n$/);

    write(
      'policies/authz/failing_test.rego',
      'package authz_test\n\nx := 1 if input.a\n\nx := 2 if input.a\n\ntest_conflict if x with input as {"a": true}\n',
    );
    const error = run('policies');
    expect(error.status).toBe(2);
    expect(error.stdout).toMatch(/test_conflict: ERROR .*\n {2}eval_conflict_error: /);
    expect(error.stdout).toMatch(/ERROR: 1\/4\n$/);

    const filtered = run('--run', 'test_admin', 'policies');
    expect(filtered.status).toBe(0);
    expect(filtered.stdout).toBe('PASS: 1/1\n');

    write('policies/authz/failing_test.rego', 'package authz_test\n\ntest_syntax if {\n\t1 ==\n}\n');
    const broken = run('policies');
    expect(broken.status).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toMatch(/^policies\/authz\/failing_test\.rego:\d+:\d+: /m);

    const usage = run();
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/specify at least one file or directory/);
  });

  test('--v0-compatible through the bin', () => {
    write('v0/p_test.rego', 'package p\n\ntest_v0 {\n\ttrue\n}\n');
    expect(run('v0').status).toBe(1);
    const v0 = run('--v0-compatible', 'v0');
    expect(v0.stderr).toBe('');
    expect(v0.status).toBe(0);
    expect(v0.stdout).toBe('PASS: 1/1\n');
  });
});
