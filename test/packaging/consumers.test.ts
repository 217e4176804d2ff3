/**
 * The published shape of each package: what an application gets from `require('@opa-jwt/x')` and from
 * `import ... from '@opa-jwt/x'` once `npm install` has built dist/ (root `prepare`). Runs real Node child
 * processes from the repository root, where the workspace links the packages into node_modules.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Package → the named exports an application relies on. */
const PACKAGES: Record<string, string[]> = {
  '@opa-jwt/rego': ['compile', 'hostBuiltins', 'parseModule', 'RegoCompileError', 'readBundle', 'writeBundle'],
  '@opa-jwt/core': ['createAuthorizer', 'UnauthorizedError', 'InvalidTokenError', 'WELL_KNOWN_PATH'],
  '@opa-jwt/express': ['opaJwt'],
  '@opa-jwt/koa': ['opaJwt'],
  '@opa-jwt/fastify': ['opaJwt'],
};

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
}

/** Prints, as JSON, the type of each named export (and of `default`) the module gives. */
function exportTypes(kind: 'require' | 'import', name: string, names: string[]): Record<string, string> {
  const list = JSON.stringify([...names, 'default']);
  const script =
    kind === 'require'
      ? `const m = require(${JSON.stringify(name)}); console.log(JSON.stringify(Object.fromEntries(${list}.map((k) => [k, typeof m[k]]))));`
      : `import * as m from ${JSON.stringify(name)}; console.log(JSON.stringify(Object.fromEntries(${list}.map((k) => [k, typeof m[k]]))));`;
  const args = kind === 'require' ? ['-e', script] : ['--input-type=module', '-e', script];
  return JSON.parse(node(args)) as Record<string, string>;
}

describe.each(Object.entries(PACKAGES))('%s', (name, names) => {
  const dir = path.join(ROOT, 'packages', name.split('/')[1]);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    main: string;
    types: string;
    exports: { '.': { types: string; default: string } };
  };

  test('is built: its main and types files exist (npm install builds them)', () => {
    for (const file of [manifest.main, manifest.types, manifest.exports['.'].default, manifest.exports['.'].types]) {
      expect(fs.existsSync(path.join(dir, file)) ? file : `${file} is missing: run npm run build`).toBe(file);
    }
  });

  test.each(['require', 'import'] as const)('gives its named exports to %s', (kind) => {
    const types = exportTypes(kind, name, names);
    for (const n of names) expect([n, types[n]]).toEqual([n, expect.stringMatching(/^(function|object|string)$/)]);
    // ESM sees the CommonJS module object as `default`.
    if (kind === 'import') expect(types.default).toBe('object');
  });
});

test('an ES module application uses the Express adapter with named imports', () => {
  const script = [
    "import express from 'express';",
    "import { opaJwt } from '@opa-jwt/express';",
    'const app = express();',
    // A bad option fails at once, naming the option: proof the real factory ran.
    "try { app.use(opaJwt({ policy: 42 })); console.log('no error'); } catch (e) { console.log(e.message); }",
  ].join('\n');
  expect(node(['--input-type=module', '-e', script])).toMatch(/"policy"/);
});
