import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readBundle, writeBundle, BundleError } from '../../src/bundle';
import { readTar, writeTar, TarFormatError } from '../../src/bundle/tar';

/** Smallest valid wasm module: magic + version. Enough for layout tests (the CLI tests run real modules). */
const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'opa-jwt-bundle-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function systemTarAvailable(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('tar', () => {
  test('round-trips files, including a path too long for a plain ustar name field', () => {
    const long = `${'d'.repeat(120)}/${'e'.repeat(90)}/file.rego`;
    const veryLong = 'x'.repeat(300) + '.rego'; // cannot be split: needs a PAX header
    const archive = writeTar([
      { path: '/a.txt', content: 'hello' },
      { path: long, content: Buffer.from([1, 2, 3]) },
      { path: veryLong, content: 'pax' },
      { path: '/empty', content: '' },
    ]);
    expect(archive.length % 512).toBe(0);
    const entries = readTar(archive);
    expect(entries.map((e) => e.path)).toEqual(['/a.txt', long, veryLong, '/empty']);
    expect(entries[0].content.toString()).toBe('hello');
    expect([...entries[1].content]).toEqual([1, 2, 3]);
    expect(entries[2].content.toString()).toBe('pax');
    expect(entries[3].content.length).toBe(0);
  });

  test('rejects a corrupted header', () => {
    const archive = writeTar([{ path: 'a', content: 'x' }]);
    archive[0] = 'b'.charCodeAt(0);
    expect(() => readTar(archive)).toThrow(TarFormatError);
    expect(() => readTar(archive)).toThrow(/checksum/);
  });

  test('rejects a truncated archive', () => {
    const archive = writeTar([{ path: 'a', content: Buffer.alloc(2000, 7) }]);
    expect(() => readTar(archive.subarray(0, 1024))).toThrow(/truncated/);
  });

  (systemTarAvailable() ? test : test.skip)('GNU tar can list and extract what writeTar produces', () => {
    const file = path.join(work, 'written.tar');
    writeFileSync(file, writeTar([{ path: '/dir/one.txt', content: 'one' }]));
    expect(execFileSync('tar', ['tf', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()).toBe('/dir/one.txt');
    const out = path.join(work, 'extracted');
    mkdirSync(out);
    execFileSync('tar', ['xf', file, '-C', out], { stdio: 'ignore' });
    expect(readFileSync(path.join(out, 'dir/one.txt'), 'utf8')).toBe('one');
  });
});

describe('writeBundle', () => {
  test('has the layout of `opa build -t wasm`', () => {
    const bundle = writeBundle({
      wasm: EMPTY_WASM,
      entrypoints: ['authz/allow', 'authz/decision'],
      data: { roles: { admin: ['POST'] } },
      regoFiles: [{ path: 'policies/api-authz.rego', source: 'package authz\n' }],
    });
    const entries = readTar(gunzipSync(bundle));
    expect(entries.map((e) => e.path).sort()).toEqual(['/.manifest', '/data.json', '/policies/api-authz.rego', '/policy.wasm']);
    const byPath = new Map(entries.map((e) => [e.path, e.content]));
    expect(JSON.parse(byPath.get('/.manifest')!.toString())).toEqual({
      revision: '',
      roots: [''],
      wasm: [
        { entrypoint: 'authz/allow', module: '/policy.wasm' },
        { entrypoint: 'authz/decision', module: '/policy.wasm' },
      ],
    });
    expect(JSON.parse(byPath.get('/data.json')!.toString())).toEqual({ roles: { admin: ['POST'] } });
    expect([...byPath.get('/policy.wasm')!]).toEqual([...EMPTY_WASM]);
  });

  test('round-trips through readBundle', () => {
    const written = writeBundle({
      wasm: EMPTY_WASM,
      entrypoints: ['a/b'],
      data: { x: 1 },
      regoFiles: [{ path: 'a.rego', source: 'package a' }],
    });
    const bundle = readBundle(written);
    expect(bundle.entrypoints).toEqual(['a/b']);
    expect(bundle.data).toEqual({ x: 1 });
    expect(bundle.regoFiles).toEqual([{ path: 'a.rego', source: 'package a' }]);
    expect([...bundle.wasm]).toEqual([...EMPTY_WASM]);
    expect(bundle.manifest.revision).toBe('');
  });
});

describe('readBundle', () => {
  function tarGz(files: Array<{ path: string; content: string | Uint8Array }>): Buffer {
    return gzipSync(writeTar(files));
  }

  test('accepts paths without a leading slash, "./" paths and nested data.json files', () => {
    const bundle = readBundle(
      tarGz([
        {
          path: './.manifest',
          content: JSON.stringify({ revision: 'r7', roots: [''], wasm: [{ entrypoint: 'x/y', module: 'policy.wasm' }] }),
        },
        { path: 'policy.wasm', content: EMPTY_WASM },
        { path: 'data.json', content: '{"top":true}' },
        { path: './users/data.json', content: '{"alice":{"roles":["admin"]}}' },
        { path: 'users/extra/data.json', content: '[1,2]' },
      ]),
    );
    expect(bundle.manifest.revision).toBe('r7');
    expect(bundle.entrypoints).toEqual(['x/y']);
    expect(bundle.data).toEqual({ top: true, users: { alice: { roles: ['admin'] }, extra: [1, 2] } });
  });

  test('uses the module the manifest names', () => {
    const bundle = readBundle(
      tarGz([
        { path: '/.manifest', content: JSON.stringify({ revision: '', wasm: [{ entrypoint: 'p/q', module: '/custom/module.wasm' }] }) },
        { path: '/custom/module.wasm', content: EMPTY_WASM },
      ]),
    );
    expect([...bundle.wasm]).toEqual([...EMPTY_WASM]);
    expect(bundle.data).toEqual({});
  });

  test('without a manifest, falls back to /policy.wasm', () => {
    const bundle = readBundle(tarGz([{ path: '/policy.wasm', content: EMPTY_WASM }]));
    expect(bundle.entrypoints).toEqual([]);
    expect(bundle.manifest).toEqual({ revision: '', roots: [''] });
  });

  test('accepts an uncompressed tar', () => {
    expect(readBundle(writeTar([{ path: '/policy.wasm', content: EMPTY_WASM }])).wasm.length).toBe(8);
  });

  test('clear errors for broken bundles', () => {
    expect(() => readBundle(tarGz([{ path: '/data.json', content: '{}' }]))).toThrow('invalid bundle: no wasm module at /policy.wasm');
    expect(() => readBundle(tarGz([{ path: '/policy.wasm', content: 'not wasm' }]))).toThrow(/not a WebAssembly module/);
    expect(() =>
      readBundle(
        tarGz([
          { path: '/policy.wasm', content: EMPTY_WASM },
          { path: '/data.json', content: '{oops' },
        ]),
      ),
    ).toThrow(/\/data\.json: /);
    expect(() =>
      readBundle(
        tarGz([
          { path: '/policy.wasm', content: EMPTY_WASM },
          { path: '/data.json', content: '{"a":1}' },
          { path: '/a/data.json', content: '{"b":1}' },
        ]),
      ),
    ).toThrow(BundleError);
    expect(() => readBundle(tarGz([{ path: '/.manifest', content: '{"revision":"","wasm":{}}' }]))).toThrow(/"wasm" must be a list/);
    expect(() => readBundle(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(/cannot decompress/);
  });

  // Archives written by other tar implementations (Go's archive/tar writes the same formats as these).
  (systemTarAvailable() ? test.each(['gnu', 'pax', 'ustar']) : test.skip.each(['gnu', 'pax', 'ustar']))(
    'reads a %s archive made by GNU tar, with directory entries',
    (format) => {
      const src = path.join(work, `src-${format}`);
      mkdirSync(path.join(src, 'authz', 'deep'), { recursive: true });
      writeFileSync(
        path.join(src, '.manifest'),
        JSON.stringify({ revision: 'v1', roots: [''], wasm: [{ entrypoint: 'authz/allow', module: '/policy.wasm' }] }),
      );
      writeFileSync(path.join(src, 'policy.wasm'), EMPTY_WASM);
      writeFileSync(path.join(src, 'data.json'), '{}');
      writeFileSync(path.join(src, 'authz', 'data.json'), '{"admins":["alice"]}');
      // 120 characters: needs the ustar prefix field, a PAX record or a GNU long name.
      const longName = 'r'.repeat(95) + '.rego';
      writeFileSync(path.join(src, 'authz', 'deep', longName), 'package authz\n');
      const file = path.join(work, `${format}.tar.gz`);
      execFileSync('tar', [`--format=${format}`, '-czf', file, '-C', src, '.'], { stdio: 'ignore' });
      const bundle = readBundle(readFileSync(file));
      expect(bundle.manifest.revision).toBe('v1');
      expect(bundle.entrypoints).toEqual(['authz/allow']);
      expect(bundle.data).toEqual({ authz: { admins: ['alice'] } });
      expect(bundle.regoFiles).toEqual([{ path: `authz/deep/${longName}`, source: 'package authz\n' }]);
    },
  );
});
