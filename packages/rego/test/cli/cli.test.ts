import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { normalizeEntrypoint, parseArgs } from '../../src/cli/args';
import { readBundle } from '../../src/bundle';
import { readTar } from '../../src/bundle/tar';
import { BIN, BIN_BUILT, PACKAGE_ROOT, useWorkspace } from './workspace';

const ws = useWorkspace('opa-jwt-cli-');
const { write, cli } = ws;

const AUTHZ = `package authz

default allow := false

allow if {
	input.method == "POST"
	some role in input.roles
	role in data.authz.admin_roles
}
`;

describe('argument parsing', () => {
  test('reads the flags of `opa build -t wasm`', () => {
    expect(
      parseArgs([
        'build',
        '-t',
        'wasm',
        '-e',
        'authz/allow',
        '--entrypoint=authz/decision',
        '-o',
        'out.tar.gz',
        '--v0-compatible',
        'a',
        'b',
      ]),
    ).toEqual({
      kind: 'build',
      target: 'wasm',
      entrypoints: ['authz/allow', 'authz/decision'],
      output: 'out.tar.gz',
      v0Compatible: true,
      paths: ['a', 'b'],
    });
    expect(parseArgs(['build', '-t', 'wasm', '-e', 'x', 'p'])).toMatchObject({ output: 'bundle.tar.gz', v0Compatible: false });
  });

  test('entrypoints in dotted form become OPA paths', () => {
    expect(normalizeEntrypoint('data.authz.allow')).toBe('authz/allow');
    expect(normalizeEntrypoint('authz.allow')).toBe('authz/allow');
    expect(normalizeEntrypoint('/authz/allow')).toBe('authz/allow');
    expect(normalizeEntrypoint('authz')).toBe('authz');
    expect(() => normalizeEntrypoint('a//b')).toThrow(/invalid entrypoint/);
  });
});

describe('opa-jwt CLI (in process)', () => {
  test('--help and version', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/opa-jwt build \[-t wasm\] -e <entrypoint>/);
    for (const command of ['test', 'eval', 'check', 'fmt']) expect(help.stdout).toContain(`\n  opa-jwt ${command} [`);
    const version = await cli('version');
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`opa-jwt ${JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version}\n`);
  });

  test('usage errors exit 2 and say what is wrong', async () => {
    write('p.rego', AUTHZ);
    const cases: Array<[string[], RegExp]> = [
      [['build', '-t', 'rego', '-e', 'authz/allow', 'p.rego'], /only "-t wasm" is supported \(got "rego"\)/],
      [['build', '-t', 'wasm', 'p.rego'], /at least one entrypoint/],
      [['build', '-t', 'wasm', '-e', 'authz/allow'], /no policy files/],
      [['build', '-t', 'wasm', '-e'], /flag -e needs a value/],
      [['build', '-t', 'wasm', '--bogus', '-e', 'x', 'p.rego'], /unknown flag --bogus/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(...argv);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.stderr).toMatch(message);
    }
  });

  test('a missing path exits 1', async () => {
    const result = await cli('build', '-t', 'wasm', '-e', 'authz/allow', 'nowhere');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`nowhere: no such file or directory (looked for ${path.join(ws.dir, 'nowhere')})\n`);
  });

  test('builds a bundle whose module runs on the OPA SDK, with data merged by directory', async () => {
    write('policies/authz/api.rego', AUTHZ);
    write('policies/authz/data.json', JSON.stringify({ admin_roles: ['admin'] }));
    write('policies/data.json', JSON.stringify({ service: 'orders' }));
    write('policies/README.md', 'ignored');
    const result = await cli('build', '-t', 'wasm', '-e', 'authz/allow', '-o', 'out.tar.gz', 'policies');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const archive = readFileSync(path.join(ws.dir, 'out.tar.gz'));
    const paths = readTar(gunzipSync(archive))
      .map((e) => e.path)
      .sort();
    expect(paths).toEqual(['/.manifest', '/data.json', '/policies/authz/api.rego', '/policy.wasm']);

    const bundle = readBundle(archive);
    expect(bundle.manifest).toEqual({ revision: '', roots: [''], wasm: [{ entrypoint: 'authz/allow', module: '/policy.wasm' }] });
    expect(bundle.data).toEqual({ service: 'orders', authz: { admin_roles: ['admin'] } });
    expect(bundle.regoFiles).toEqual([{ path: 'policies/authz/api.rego', source: AUTHZ }]);

    const policy = await loadPolicy(bundle.wasm);
    policy.setData(bundle.data);
    expect(policy.evaluate({ method: 'POST', roles: ['admin'] }, 'authz/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ method: 'POST', roles: ['viewer'] }, 'authz/allow')).toEqual([{ result: false }]);
    expect(policy.evaluate({ method: 'GET', roles: ['admin'] }, 'authz/allow')).toEqual([{ result: false }]);
  });

  test('writes bundle.tar.gz by default and supports several entrypoints and --v0-compatible', async () => {
    write('v0.rego', 'package legacy\n\nallow {\n\tinput.x == 1\n}\n\ndecision = {"allowed": allow}\n');
    const result = await cli('build', '-t', 'wasm', '-e', 'legacy/allow', '-e', 'data.legacy.decision', '--v0-compatible', 'v0.rego');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const bundle = readBundle(readFileSync(path.join(ws.dir, 'bundle.tar.gz')));
    expect(bundle.entrypoints).toEqual(['legacy/allow', 'legacy/decision']);
    expect(bundle.regoFiles.map((f) => f.path)).toEqual(['v0.rego']);
    const policy = await loadPolicy(bundle.wasm);
    expect(policy.evaluate({ x: 1 }, 'legacy/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ x: 2 }, 'legacy/allow')).toEqual([]);
    expect(policy.evaluate({ x: 1 }, 'legacy/decision')).toEqual([{ result: { allowed: true } }]);
  });

  test('a syntax error exits 1 with file:line:col and writes no bundle', async () => {
    write('policies/broken.rego', 'package authz\n\nallow if {\n\tinput.method == \n}\n');
    const result = await cli('build', '-t', 'wasm', '-e', 'authz/allow', 'policies');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^policies\/broken\.rego:\d+:\d+: .+/m);
    expect(existsSync(path.join(ws.dir, 'bundle.tar.gz'))).toBe(false);
  });

  test('v0 syntax without --v0-compatible is a compile error with a location', async () => {
    write('old.rego', 'package legacy\n\nallow {\n\tinput.x == 1\n}\n');
    const result = await cli('build', '-t', 'wasm', '-e', 'legacy/allow', 'old.rego');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^old\.rego:3:\d+: /m);
  });

  test('invalid data.json exits 1 naming the file', async () => {
    write('p/a.rego', AUTHZ);
    write('p/data.json', '{nope');
    const result = await cli('build', '-t', 'wasm', '-e', 'authz/allow', 'p');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^p\/data\.json: invalid JSON/);
  });
});

// The real executable, as `npx opa-jwt` runs it; needs the compiled dist/ (`npx tsc -b`).
const built = BIN_BUILT;
(built ? describe : describe.skip)('bin/opa-jwt.js (spawned; run `npx tsc -b` first)', () => {
  const bin = BIN;

  test('builds a bundle and reports errors with exit codes', () => {
    write('policy/api.rego', AUTHZ);
    const ok = spawnSync(process.execPath, [bin, 'build', '-t', 'wasm', '-e', 'authz/allow', 'policy'], { cwd: ws.dir, encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(readBundle(readFileSync(path.join(ws.dir, 'bundle.tar.gz'))).entrypoints).toEqual(['authz/allow']);

    write('policy/bad.rego', 'package authz\nallow if {\n');
    const bad = spawnSync(process.execPath, [bin, 'build', '-t', 'wasm', '-e', 'authz/allow', 'policy'], { cwd: ws.dir, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^policy\/bad\.rego:\d+:\d+: /m);

    const usage = spawnSync(process.execPath, [bin, 'build'], { cwd: ws.dir, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^opa-jwt: compile Rego/);
  });
});
