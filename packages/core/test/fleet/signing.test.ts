/**
 * Bundle signatures: `opa-jwt build --signing-key` and `opa-jwt sign` write `.signatures.json` the way OPA does,
 * and the bundle client's verifier accepts exactly those bundles: OPA's digest of structured files (canonical JSON,
 * numbers as written), key selection (config keyid, then `kid`), scope, and every file accounted for.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { canonicalJson, fileDigest } from '../../../rego/src/bundle';
import { main } from '../../../rego/src/cli/main';
import { openBundle } from '../../src/fleet/bundle-contents';
import { parseOpaConfig } from '../../src/fleet/config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'opa-jwt-sign-'));
  writeFileSync(path.join(dir, 'authz.rego'), 'package authz\n\ndefault allow := false\n\nallow if data.config.open\n');
  writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ config: { open: true } }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const io = () => {
  const out: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), cwd: dir }, out };
};

function fleetConfig(key: string, algorithm: string, signing: Record<string, unknown> = { keyid: 'k' }) {
  return parseOpaConfig({
    services: { s: { url: 'http://127.0.0.1:1' } },
    keys: { k: { key, algorithm } },
    bundles: { authz: { signing } },
  });
}

describe('canonical digests', () => {
  it('hashes JSON files over their canonical form, other files over their bytes', () => {
    expect(canonicalJson('{ "b": 1, "a": [1.0, "x<y&z", {"é": null, "e": true}] }')).toBe('{"a":[1.0,"x<y&z",{"e":true,"é":null}],"b":1}');
    expect(fileDigest('data.json', Buffer.from('{"a": 1}'))).toBe(fileDigest('x/data.json', Buffer.from('{\n  "a" : 1\n}\n')));
    expect(fileDigest('data.json', Buffer.from('{"a": 1.0}'))).not.toBe(fileDigest('data.json', Buffer.from('{"a": 1}')));
    expect(fileDigest('a.rego', Buffer.from('x '))).not.toBe(fileDigest('a.rego', Buffer.from('x')));
  });
});

describe('opa-jwt build --signing-key / opa-jwt sign', () => {
  it('signs with RS256 and a claims file; the verifier accepts it, and refuses another key or scope', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(path.join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(path.join(dir, 'claims.json'), JSON.stringify({ scope: 'write', keyid: 'k' }));
    const { io: cli, out } = io();
    const code = await main(
      [
        'build',
        '-t',
        'wasm',
        '-e',
        'authz/allow',
        '-o',
        'b.tar.gz',
        '--signing-key',
        'key.pem',
        '--claims-file',
        'claims.json',
        'authz.rego',
        'data.json',
      ],
      cli,
    );
    expect({ code, out: out.join('') }).toEqual({ code: 0, out: '' });
    const archive = readFileSync(path.join(dir, 'b.tar.gz'));
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const config = fleetConfig(pem, 'RS256', { keyid: 'k', scope: 'write' });
    const opened = await openBundle(archive, config.bundles[0], config.keys);
    expect(opened.data).toEqual({ config: { open: true } });
    const wrongScope = fleetConfig(pem, 'RS256', { keyid: 'k', scope: 'read' });
    await expect(openBundle(archive, wrongScope.bundles[0], wrongScope.keys)).rejects.toThrow(/scope mismatch/);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const otherKey = fleetConfig(other, 'RS256', { keyid: 'k', scope: 'write' });
    await expect(openBundle(archive, otherKey.bundles[0], otherKey.keys)).rejects.toThrow(/does not verify/);
  });

  it('signs an existing bundle with ES256 and HS256 (opa-jwt sign)', async () => {
    const { io: cli } = io();
    expect(await main(['build', '-t', 'wasm', '-e', 'authz/allow', '-o', 'b.tar.gz', 'authz.rego'], cli)).toBe(0);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path.join(dir, 'ec.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(await main(['sign', '--signing-key', 'ec.pem', '--signing-alg', 'ES256', '-o', 'ec.tar.gz', 'b.tar.gz'], cli)).toBe(0);
    const ec = fleetConfig(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'ES256');
    await expect(openBundle(readFileSync(path.join(dir, 'ec.tar.gz')), ec.bundles[0], ec.keys)).resolves.toMatchObject({ name: 'authz' });
    expect(await main(['sign', '--signing-key', 'a-shared-secret', '--signing-alg', 'HS256', 'b.tar.gz'], cli)).toBe(0);
    const hs = fleetConfig('a-shared-secret', 'HS256');
    await expect(openBundle(readFileSync(path.join(dir, 'b.tar.gz')), hs.bundles[0], hs.keys)).resolves.toMatchObject({ name: 'authz' });
    const wrong = fleetConfig('another-secret', 'HS256');
    await expect(openBundle(readFileSync(path.join(dir, 'b.tar.gz')), wrong.bundles[0], wrong.keys)).rejects.toThrow(/does not verify/);
  });

  it('refuses bad signing flags with usage errors', async () => {
    const { io: cli, out } = io();
    expect(await main(['sign', 'b.tar.gz'], cli)).toBe(2);
    expect(await main(['sign', '--signing-key', 'k', '--signing-alg', 'none', 'b.tar.gz'], cli)).toBe(2);
    expect(await main(['build', '-t', 'wasm', '-e', 'authz/allow', '--signing-key', 'missing.pem', 'authz.rego'], cli)).toBe(2);
    expect(out.join('')).toMatch(/--signing-key is required[\s\S]*unsupported algorithm "none"[\s\S]*cannot read missing\.pem/);
  });
});
