/**
 * `opa-jwt eval`, `opa-jwt check`, `opa-jwt test --format json` and `opa-jwt build` without `-t`, in process
 * through main() with a fake IO, and `eval` once through bin/opa-jwt.js with the input on stdin.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readBundle } from '../../src/bundle';
import { readFileSync } from 'node:fs';
import { parseArgs } from '../../src/cli/args';
import { BIN, BIN_BUILT, useWorkspace } from './workspace';

const ws = useWorkspace('opa-jwt-eval-');
const { write, cli } = ws;

const POLICY = `package authz

default allow := false

allow if {
	input.method == "POST"
	some role in input.roles
	role in data.authz.admin_roles
}

decision := {"allow": allow, "reasons": reasons}

reasons contains "only POST is allowed" if input.method != "POST"

reasons contains sprintf("role %s may not write", [role]) if {
	some role in input.roles
	not role in data.authz.admin_roles
}
`;

function authzFiles(): void {
  write('policy/authz.rego', POLICY);
  write('policy/authz/data.json', JSON.stringify({ admin_roles: ['admin'] }));
  write('input.json', JSON.stringify({ method: 'GET', roles: ['reader'] }));
}

describe('opa-jwt eval', () => {
  test('a rule: OPA result set JSON with value, text and location', async () => {
    authzFiles();
    const result = await cli('eval', '-d', 'policy', '-i', 'input.json', 'data.authz.decision');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      result: [
        {
          expressions: [
            {
              value: { allow: false, reasons: ['only POST is allowed', 'role reader may not write'] },
              text: 'data.authz.decision',
              location: { row: 1, col: 1 },
            },
          ],
        },
      ],
    });
  });

  test('false is a value, not undefined; a path into a rule value; base data files named with -d', async () => {
    authzFiles();
    write('users.json', JSON.stringify({ users: { alice: { admin: true } } }));
    const allow = await cli('eval', '--data', 'policy', '--input=input.json', '--fail', 'data.authz.allow');
    expect(allow.code).toBe(0);
    expect(JSON.parse(allow.stdout).result[0].expressions[0].value).toBe(false);
    const inner = await cli('eval', '-d', 'policy', '-i', 'input.json', 'data.authz.decision.reasons["only POST is allowed"]');
    expect(JSON.parse(inner.stdout).result[0].expressions[0].value).toBe('only POST is allowed');
    const member = await cli('eval', '-d', 'policy', '-i', 'input.json', 'data.authz.decision.reasons["nope"]');
    expect(member.stdout).toBe('{}\n');
    const withInput = await cli('eval', '-d', 'policy', 'data.authz.allow with input as {"method": "POST", "roles": ["admin"]}');
    expect(JSON.parse(withInput.stdout).result[0].expressions[0].value).toBe(true);
    const withFalse = await cli('eval', '-d', 'policy', 'data.authz.allow with input as {"method": "GET"}');
    expect(JSON.parse(withFalse.stdout).result[0].expressions[0].value).toBe(false);
    const base = await cli('eval', '-d', 'users.json', 'data.users.alice.admin');
    expect(JSON.parse(base.stdout).result[0].expressions[0].value).toBe(true);
  });

  test('undefined is {} and exit 0; --fail exits 1 on undefined, --fail-defined on defined', async () => {
    authzFiles();
    const undef = await cli('eval', '-d', 'policy', 'data.authz.nothing');
    expect(undef).toEqual({ code: 0, stdout: '{}\n', stderr: '' });
    expect((await cli('eval', '-d', 'policy', '--fail', 'data.authz.nothing')).code).toBe(1);
    expect((await cli('eval', '-d', 'policy', '--fail-defined', 'data.authz.nothing')).code).toBe(0);
    expect((await cli('eval', '-d', 'policy', '--fail-defined', 'data.authz.allow')).code).toBe(1);
    // A condition that does not hold makes the query undefined, as in OPA.
    expect((await cli('eval', '-d', 'policy', '-i', 'input.json', 'input.method == "POST"')).stdout).toBe('{}\n');
  });

  test('an expression query: each solution with its bindings', async () => {
    authzFiles();
    const result = await cli('eval', '-i', 'input.json', '-d', 'policy', 'some r in input.roles; n := count(r)');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      result: [
        {
          expressions: [
            { value: true, text: 'some r in input.roles', location: { row: 1, col: 1 } },
            { value: true, text: 'n := count(r)', location: { row: 1, col: 24 } },
          ],
          bindings: { n: 6, r: 'reader' },
        },
      ],
    });
  });

  test('--format pretty prints the value as indented JSON, or undefined', async () => {
    authzFiles();
    const result = await cli('eval', '--format', 'pretty', '-d', 'policy', '-i', 'input.json', 'data.authz.decision');
    expect(result).toEqual({
      code: 0,
      stdout: '{\n  "allow": false,\n  "reasons": [\n    "only POST is allowed",\n    "role reader may not write"\n  ]\n}\n',
      stderr: '',
    });
    expect((await cli('eval', '-f', 'pretty', '-d', 'policy', 'data.authz.none')).stdout).toBe('undefined\n');
  });

  test('--format pretty says why a document is undefined: a misspelt name, or no rule that applies', async () => {
    write('q.rego', 'package authz\n\nallow if input.method == "POST"\n\ndecision := {"a": 1} if input.x\n');
    const noRule = await cli('eval', '-f', 'pretty', '-d', 'q.rego', 'data.authz.allow');
    expect(noRule).toEqual({
      code: 0,
      stdout: 'undefined\n',
      stderr: 'no rule of data.authz.allow applies to this input (rules at q.rego:3; a default rule would give it a value)\n',
    });
    const typo = await cli('eval', '-f', 'pretty', '-d', 'q.rego', 'data.authz.alow');
    expect(typo.stderr).toBe(
      'nothing defines data.authz.alow: no rule and no data document has this path (check the package and rule names)\n',
    );
    const inside = await cli('eval', '-f', 'pretty', '-d', 'q.rego', 'data.authz.decision.a');
    expect(inside.stderr).toMatch(/^no value at data\.authz\.decision\.a: the rules of data\.authz\.decision \(at q\.rego:5\)/);
    // The JSON format stays exactly OPA's.
    expect(await cli('eval', '-d', 'q.rego', 'data.authz.alow')).toEqual({ code: 0, stdout: '{}\n', stderr: '' });
  });

  test('the whole data document', async () => {
    authzFiles();
    const result = await cli('eval', '-f', 'pretty', '-d', 'policy', 'data');
    expect(JSON.parse(result.stdout)).toEqual({
      authz: { admin_roles: ['admin'], allow: false, decision: { allow: false, reasons: [] }, reasons: [] },
    });
  });

  test('print() output goes to stderr', async () => {
    write('p.rego', 'package p\n\nx := 1 if print("checking", input.a)\n');
    const result = await cli('eval', '-d', 'p.rego', 'data.p.x');
    expect(result.stderr).toBe('checking <undefined>\n');
    expect(JSON.parse(result.stdout).result[0].expressions[0].value).toBe(1);
  });

  test('errors: bad query and bad flags are usage errors (2); missing files and compile errors exit 1', async () => {
    authzFiles();
    const bad = await cli('eval', '-d', 'policy', 'data.authz.allow ==');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^opa-jwt: invalid query: query:1:/);
    expect((await cli('eval', '-d', 'policy')).code).toBe(2);
    expect((await cli('eval', '--format', 'xml', 'data')).stderr).toMatch(/"xml" is not one of "json", "pretty"/);
    expect((await cli('eval', '--fail', '--fail-defined', 'data.x')).code).toBe(2);
    const missing = await cli('eval', '-d', 'policy', '-i', 'nope.json', 'data.authz.allow');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(path.join(ws.dir, 'nope.json'));
    const missingData = await cli('eval', '-d', 'gone', 'data.x');
    expect(missingData.code).toBe(1);
    expect(missingData.stderr).toContain(path.join(ws.dir, 'gone'));
    const unsafe = await cli('eval', '-d', 'policy', 'x == 1');
    expect(unsafe.code).toBe(1);
    expect(unsafe.stderr).toMatch(/var x is unsafe/);
    write('broken.rego', 'package b\n\np if {\n');
    expect((await cli('eval', '-d', 'broken.rego', 'data.b.p')).stderr).toMatch(/^broken\.rego:4:1: /);
  });

  (BIN_BUILT ? test : test.skip)('through the bin, with the input on stdin (-I)', () => {
    authzFiles();
    const run = spawnSync(process.execPath, [BIN, 'eval', '-I', '-d', 'policy', '--format=pretty', 'data.authz.allow'], {
      cwd: ws.dir,
      input: JSON.stringify({ method: 'POST', roles: ['admin'] }),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('true\n');
  });
});

describe('opa-jwt check', () => {
  const BROKEN_SYNTAX = 'package a\n\np if {\n\tx :=\n}\n';
  const BROKEN_RULES = 'package b\n\np if { y == 1 }\n\nq if { z == 2 }\n\nr := count(1, 2)\n';

  test('a policy that compiles: exit 0, nothing printed', async () => {
    authzFiles();
    expect(await cli('check', 'policy')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('reports every error of every file as file:line:col lines, exit 1', async () => {
    write('a.rego', BROKEN_SYNTAX);
    write('c.rego', 'package c\n\np if {\n');
    const parse = await cli('check', 'a.rego', 'c.rego');
    expect(parse.code).toBe(1);
    expect(parse.stderr).toBe(
      "a.rego:5:1: rego_parse_error: unexpected '}', expected expression\nc.rego:4:1: rego_parse_error: unexpected end of file, expected expression\n2 errors occurred\n",
    );
    write('b.rego', BROKEN_RULES);
    const compile = await cli('check', 'b.rego');
    expect(compile.code).toBe(1);
    expect(compile.stderr).toBe(
      'b.rego:3:8: rego_unsafe_var_error: var y is unsafe\nb.rego:5:8: rego_unsafe_var_error: var z is unsafe\nb.rego:7:6: rego_type_error: count: too many arguments\n3 errors occurred\n',
    );
  });

  test('--format json: the errors as opa check writes them', async () => {
    write('b.rego', BROKEN_RULES);
    const result = await cli('check', '--format', 'json', 'b.rego');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).errors[0]).toEqual({
      message: 'var y is unsafe',
      code: 'rego_unsafe_var_error',
      location: { file: 'b.rego', row: 3, col: 8 },
    });
    expect(JSON.parse(result.stdout).errors).toHaveLength(3);
  });

  test('--v0-compatible, and usage errors', async () => {
    write('v0.rego', 'package v\n\nallow { input.x == 1 }\n');
    expect((await cli('check', 'v0.rego')).code).toBe(1);
    expect((await cli('check', '--v0-compatible', 'v0.rego')).code).toBe(0);
    expect((await cli('check')).code).toBe(2);
    expect((await cli('check', '-f', 'yaml', 'v0.rego')).code).toBe(2);
  });
});

describe('opa-jwt test --format json', () => {
  test('the results as opa test --format json writes them', async () => {
    write(
      't_test.rego',
      'package t_test\n\ntest_ok if true\n\ntest_no if {\n\tprint("hi")\n\tfalse\n}\n\ntodo_test_later if true\n\nx := 1 if input.a\nx := 2 if input.a\ntest_conflict if x with input.a as true\n',
    );
    const result = await cli('test', '--format', 'json', 't_test.rego');
    expect(result.code).toBe(2);
    const list = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    const byName = Object.fromEntries(list.map((r) => [r.name, r]));
    expect(byName.test_ok).toEqual({
      location: { file: 't_test.rego', row: 3, col: 1 },
      package: 'data.t_test',
      name: 'test_ok',
      duration: expect.any(Number),
    });
    expect(byName.test_no).toMatchObject({ fail: true, output: Buffer.from('hi\n').toString('base64') });
    expect(byName.todo_test_later).toMatchObject({ skip: true });
    expect(byName.test_conflict).toMatchObject({
      error: { code: 'eval_conflict_error', message: expect.stringMatching(/multiple outputs/) },
    });
    expect(Object.keys(byName.test_no)).toEqual(['location', 'package', 'name', 'fail', 'duration', 'output']);
  });

  test('-f json parses; other formats are usage errors', () => {
    expect(parseArgs(['test', '-f', 'json', 'p'])).toMatchObject({ format: 'json' });
    expect(() => parseArgs(['test', '--format', 'junit', 'p'])).toThrow(/"junit" is not one of/);
  });
});

describe('opa-jwt build', () => {
  test('-t is optional and defaults to wasm', async () => {
    authzFiles();
    const result = await cli('build', '-e', 'authz/allow', '-o', 'out.tar.gz', 'policy');
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    const bundle = readBundle(readFileSync(path.join(ws.dir, 'out.tar.gz')));
    expect(bundle.manifest.wasm?.[0]).toMatchObject({ entrypoint: 'authz/allow' });
  });
});
