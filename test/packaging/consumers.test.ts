/**
 * The published shape of each package: what an application gets from `require('@opa-jwt/x')` and from
 * `import ... from '@opa-jwt/x'` once `npm install` has built dist/ (root `prepare`). Runs real Node child
 * processes from the repository root, where the workspace links the packages into node_modules, and the real
 * TypeScript compiler on the consumer programs in ./consumers.
 *
 * The export lists are exact: a name added or removed is a change of the public API, made here on purpose.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CONSUMERS = path.join(__dirname, 'consumers');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const ERRORS = [
  'DiscoveryError',
  'HttpError',
  'InsufficientScopeError',
  'InvalidOptionError',
  'InvalidRequestError',
  'InvalidTokenError',
  'KeysUnavailableError',
  'MalformedTargetError',
  'PolicyEvaluationError',
  'PolicyLoadError',
  'PolicyUnavailableError',
  'UnauthorizedError',
];
const ADAPTER = [...ERRORS, 'default', 'opaJwt'];

/** Module specifier → the sorted keys of `require()` of it. */
const EXPORTS: Record<string, string[]> = {
  '@opa-jwt/rego': [
    'BundleError',
    'ENTRYPOINT_FACTS_SECTION',
    'EVALUATION_BUDGET_ARM',
    'EVALUATION_BUDGET_BUILTIN',
    'RegoCompileError',
    'RegoCompileErrors',
    'RuntimeNotBuiltError',
    'SIGNATURES_FILE',
    'SignatureFormatError',
    'compile',
    'entrypointHint',
    'fileDigest',
    'formatTestReport',
    'hostBuiltins',
    'inputReads',
    'isDeterministic',
    'mergeBundleData',
    'normaliseEntrypoint',
    'normalizeBundlePath',
    'parseModule',
    'parseQuery',
    'planModules',
    'projectInput',
    'readBundle',
    'readEntrypointFacts',
    'readTar',
    'runRegoTests',
    'signBundle',
    'writeBundle',
  ],
  '@opa-jwt/core': [...ERRORS, 'WELL_KNOWN_PATH', 'createAuthorizer', 'readiness', 'readinessHandler'],
  '@opa-jwt/core/adapter': ['AdapterRequest', 'withAuthorizerHandle'],
  '@opa-jwt/express': ADAPTER,
  '@opa-jwt/koa': ADAPTER,
  '@opa-jwt/fastify': ADAPTER,
};
const ADAPTERS = ['@opa-jwt/express', '@opa-jwt/koa', '@opa-jwt/fastify'];

function node(args: string[], cwd = ROOT): string {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 20_000 });
}

function tsc(args: string[]): string {
  try {
    return execFileSync(process.execPath, [TSC, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** The sorted keys of the module as `require` gives it, or as an ES module namespace with `import * as`. */
function exportKeys(kind: 'require' | 'import', name: string): string[] {
  const script =
    kind === 'require'
      ? `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(name)})).sort()))`
      : `import * as m from ${JSON.stringify(name)}; console.log(JSON.stringify(Object.keys(m).sort()))`;
  return JSON.parse(node(kind === 'require' ? ['-e', script] : ['--input-type=module', '-e', script])) as string[];
}

describe.each(['rego', 'core', 'express', 'koa', 'fastify'])('@opa-jwt/%s', (name) => {
  const dir = path.join(ROOT, 'packages', name);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    main: string;
    types: string;
    exports: Record<string, unknown>;
    files: string[];
  };

  test('is built: every file its manifest points to exists (npm install builds them)', () => {
    const targets = new Set<string>([manifest.main, manifest.types]);
    const collect = (value: unknown): void => {
      if (typeof value === 'string') targets.add(value);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(manifest.exports);
    for (const file of targets) {
      expect(fs.existsSync(path.join(dir, file)) ? file : `${file} is missing: run npm run build`).toBe(file);
      // Published: under one of the `files` folders (npm always includes package.json).
      if (path.normalize(file) !== 'package.json')
        expect([
          file,
          manifest.files.some((folder) => path.normalize(file).startsWith(`${folder}${path.sep}`) || path.normalize(file) === folder),
        ]).toEqual([file, true]);
    }
  });
});

describe.each(Object.entries(EXPORTS))('%s', (name, keys) => {
  test('require() gives exactly its export list', () => {
    expect(exportKeys('require', name)).toEqual(keys);
  });

  test('import gives the same names (and default)', () => {
    // A CommonJS module seen from ESM also shows its `__esModule` marker and the whole module as `default` (and, from
    // Node.js 23 on, as `module.exports` too).
    const esm = exportKeys('import', name).filter((key) => key !== '__esModule' && key !== 'module.exports');
    expect(esm).toEqual([...new Set([...keys, 'default'])].sort());
  });
});

describe.each(ADAPTERS)('%s: default and named imports are both the middleware', (name) => {
  test('in CommonJS', () => {
    const script = `const m = require(${JSON.stringify(name)}); console.log(typeof m.opaJwt, m.default === m.opaJwt)`;
    expect(node(['-e', script]).trim()).toBe('function true');
  });

  test('in an ES module', () => {
    const script = `import byDefault, { opaJwt } from ${JSON.stringify(name)}; console.log(typeof byDefault, byDefault === opaJwt)`;
    expect(node(['--input-type=module', '-e', script]).trim()).toBe('function true');
  });
});

test('an ES module application uses the Express adapter with a default import', () => {
  const script = [
    "import express from 'express';",
    "import opaJwt from '@opa-jwt/express';",
    'const app = express();',
    // A bad option fails at once, naming the option: proof the real factory ran.
    "try { app.use(opaJwt({ policy: 42 })); console.log('no error'); } catch (e) { console.log(e.name, e.message); }",
  ].join('\n');
  expect(node(['--input-type=module', '-e', script])).toMatch(/^InvalidOptionError .*"policy"/);
});

describe('TypeScript consumers', () => {
  // Inside the repository, so that the compiled programs resolve @opa-jwt/* from its node_modules.
  const out = path.join(ROOT, 'node_modules', '.cache', `opa-jwt-consumers-${process.pid}`);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test.each([true, false])('default and named imports work compiled to CommonJS with esModuleInterop %s', (esModuleInterop) => {
    const dir = path.join(out, `interop-${esModuleInterop}`);
    tsc([
      '--strict',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node',
      '--esModuleInterop',
      String(esModuleInterop),
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--outDir',
      dir,
      path.join(CONSUMERS, 'interop.ts'),
    ]);
    expect(JSON.parse(node([path.join(dir, 'interop.js')]))).toEqual({
      express: true,
      koa: true,
      fastify: true,
      core: 'function',
      adapter: 'function',
    });
  });

  test("the README's examples compile under strict, with the app's claims typed and the marked misuses refused", () => {
    // `@ts-expect-error` lines that compile would fail this too ("Unused '@ts-expect-error' directive").
    expect(
      tsc([
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--skipLibCheck',
        '--types',
        'node',
        path.join(CONSUMERS, 'readme.mts'),
      ]),
    ).toBe('');
  });
});
