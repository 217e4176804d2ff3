/**
 * The packages as a user gets them: `npm pack` makes each package's tarball, a scratch project outside this repository
 * installs those tarballs (plus express, koa and fastify from the registry), and a small application of each framework,
 * written in CommonJS, as an ES module and in strict TypeScript, answers a request over real HTTP on 127.0.0.1.
 *
 * The tarballs are packed from the dist/ folders `npm install` built (`--ignore-scripts`: the `prepack` build would
 * only rebuild them). The registry packages come from npm's cache when it has them (`--prefer-offline`); when npm can
 * reach neither, the tests are skipped and say why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const PACKAGES = ['rego', 'core', 'express', 'koa', 'fastify'];
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** The frameworks and the type packages a TypeScript user adds, at the versions this repository tests with. */
const REGISTRY_DEPENDENCIES = ['express@^5', 'koa@^3', 'fastify@^5', '@types/node@^20', '@types/express@^5', '@types/koa@^2'];

/** Every app allows a token with a subject; without a token the middleware answers 401 before any key is fetched. */
const POLICY = 'package authz\n\nallow if input.jwt.payload.sub != ""\n';
/** Core options shared by the apps: the JWKS address is on loopback and never contacted (no token, no fetch). */
const options = (policy: string): string =>
  `{ issuer: 'https://issuer.example/', audience: 'orders-api', jwksUri: 'http://127.0.0.1:9/jwks.json', policy: ${JSON.stringify(policy)}, entrypoint: 'authz/allow' }`;

/** Starts each framework's app on a free port, asks it for /orders/1 without a token, prints `{framework: status}`. */
function appSource(kind: 'cjs' | 'esm' | 'ts', policy: string): string {
  const OPTIONS = options(policy);
  const imports = {
    cjs: [
      "const http = require('node:http');",
      "const express = require('express');",
      "const Koa = require('koa');",
      "const Fastify = require('fastify');",
      "const { opaJwt: expressOpaJwt } = require('@opa-jwt/express');",
      "const { opaJwt: koaOpaJwt } = require('@opa-jwt/koa');",
      "const { opaJwt: fastifyOpaJwt } = require('@opa-jwt/fastify');",
    ],
    esm: [
      "import http from 'node:http';",
      "import express from 'express';",
      "import Koa from 'koa';",
      "import Fastify from 'fastify';",
      "import { opaJwt as expressOpaJwt } from '@opa-jwt/express';",
      "import { opaJwt as koaOpaJwt } from '@opa-jwt/koa';",
      "import { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';",
    ],
    ts: [
      "import http = require('node:http');",
      "import express = require('express');",
      "import Koa = require('koa');",
      "import Fastify from 'fastify';",
      "import { opaJwt as expressOpaJwt, type OpaJwtMiddleware } from '@opa-jwt/express';",
      "import { opaJwt as koaOpaJwt } from '@opa-jwt/koa';",
      "import { opaJwt as fastifyOpaJwt } from '@opa-jwt/fastify';",
    ],
  }[kind];
  const typed = kind === 'ts';
  return [
    ...imports,
    '',
    `function get(port${typed ? ': number' : ''})${typed ? ': Promise<number>' : ''} {`,
    '  return new Promise((resolve, reject) => {',
    "    http.get({ host: '127.0.0.1', port, path: '/orders/1' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);",
    '  });',
    '}',
    `function listen(server${typed ? ': http.Server' : ''})${typed ? ': Promise<number>' : ''} {`,
    `  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address()${typed ? ' as { port: number }' : ''}).port)));`,
    '}',
    '',
    'async function main() {',
    `  const statuses${typed ? ': Record<string, number>' : ''} = {};`,
    '',
    '  const expressApp = express();',
    `  const expressAuth${typed ? ': OpaJwtMiddleware' : ''} = expressOpaJwt(${OPTIONS});`,
    '  expressApp.use(expressAuth);',
    `  expressApp.get('/orders/:id', (req, res) => { res.json({ id: req.params.id, sub: req.auth${typed ? '?' : ''}.payload${typed ? '?' : ''}.sub }); });`,
    '  await expressAuth.ready;',
    '  const expressServer = http.createServer(expressApp);',
    '  statuses.express = await get(await listen(expressServer));',
    '  expressServer.close();',
    '  await expressAuth.close();',
    '',
    '  const koaApp = new Koa();',
    `  const koaAuth = koaOpaJwt(${OPTIONS});`,
    '  koaApp.use(koaAuth);',
    '  koaApp.use((ctx) => { ctx.body = { sub: ctx.state.auth?.payload?.sub }; });',
    '  await koaAuth.ready;',
    '  const koaHandle = koaApp.callback();',
    '  const koaServer = http.createServer((req, res) => void koaHandle(req, res));',
    '  statuses.koa = await get(await listen(koaServer));',
    '  koaServer.close();',
    '  await koaAuth.close();',
    '',
    '  const fastify = Fastify();',
    `  await fastify.register(fastifyOpaJwt, ${OPTIONS});`,
    "  fastify.get('/orders/:id', async (request) => ({ sub: request.auth?.payload?.sub }));",
    "  await fastify.listen({ port: 0, host: '127.0.0.1' });",
    `  statuses.fastify = await get((fastify.server.address()${typed ? ' as { port: number }' : ''}).port);`,
    '  await fastify.close();',
    '',
    '  console.log(JSON.stringify(statuses));',
    '}',
    '',
    'main().catch((error) => { console.error(error); process.exit(1); });',
    '',
  ].join('\n');
}

interface Scratch {
  dir: string;
  skipped?: string;
}

/** Packs the packages and installs them into a new project under the system's temporary folder. */
function prepareScratch(): Scratch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opa-jwt-tarballs-'));
  const tarballs = path.join(dir, 'tarballs');
  const app = path.join(dir, 'app');
  fs.mkdirSync(tarballs);
  fs.mkdirSync(app);
  const workspaces = PACKAGES.flatMap((p) => ['--workspace', `packages/${p}`]);
  execFileSync(NPM, ['pack', ...workspaces, '--ignore-scripts', '--pack-destination', tarballs, '--silent'], {
    cwd: ROOT,
    stdio: 'pipe',
    timeout: 60_000,
  });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'opa-jwt-tarball-consumer', private: true }));
  const files = fs.readdirSync(tarballs).map((f) => path.join(tarballs, f));
  const install = spawnSync(
    NPM,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--loglevel',
      'error',
      ...files,
      ...REGISTRY_DEPENDENCIES,
    ],
    { cwd: app, encoding: 'utf8', timeout: 120_000 },
  );
  if (install.status !== 0) {
    const output = `${install.stderr ?? ''}${install.error?.message ?? ''}`;
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|ENOTCACHED|network/i.test(output)) {
      return { dir, skipped: `npm could not reach the registry for ${REGISTRY_DEPENDENCIES.join(', ')}: ${output.split('\n')[0]}` };
    }
    throw new Error(`npm install of the tarballs failed:\n${output}`);
  }
  fs.writeFileSync(path.join(app, 'authz.rego'), POLICY);
  return { dir, skipped: undefined };
}

const scratch = prepareScratch();
const APP = path.join(scratch.dir, 'app');
const run = scratch.skipped ? test.skip : test;
const suffix = scratch.skipped ? ` (skipped: ${scratch.skipped})` : '';

afterAll(() => fs.rmSync(scratch.dir, { recursive: true, force: true }));

function runNode(file: string): Record<string, number> {
  // stderr kept from the test's output: the start-up warning about the unreachable JWKS address is expected.
  const out = execFileSync(process.execPath, [file], { cwd: APP, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, number>;
}

const EXPECTED = { express: 401, koa: 401, fastify: 401 };

describe('the packed tarballs, installed into a project outside the repository', () => {
  run(`each tarball holds its LICENSE, dist/ and package.json${suffix}`, () => {
    for (const p of PACKAGES) {
      const dir = path.join(APP, 'node_modules', '@opa-jwt', p);
      expect([
        p,
        fs.existsSync(path.join(dir, 'LICENSE')),
        fs.existsSync(path.join(dir, 'dist', 'index.js')),
        fs.existsSync(path.join(dir, 'dist', 'index.d.ts')),
      ]).toEqual([p, true, true, true]);
    }
    // Installed from the tarballs, not linked to this repository.
    expect(fs.lstatSync(path.join(APP, 'node_modules', '@opa-jwt', 'core')).isSymbolicLink()).toBe(false);
  });

  run(`a CommonJS app of each framework answers 401 without a token${suffix}`, () => {
    fs.writeFileSync(path.join(APP, 'app.cjs'), appSource('cjs', path.join(APP, 'authz.rego')));
    expect(runNode('app.cjs')).toEqual(EXPECTED);
  });

  run(`an ES module app of each framework answers 401 without a token${suffix}`, () => {
    fs.writeFileSync(path.join(APP, 'app.mjs'), appSource('esm', path.join(APP, 'authz.rego')));
    expect(runNode('app.mjs')).toEqual(EXPECTED);
  });

  run(`a strict TypeScript app type-checks against the published declarations, compiles and answers 401${suffix}`, () => {
    fs.writeFileSync(path.join(APP, 'app.ts'), appSource('ts', path.join(APP, 'authz.rego')));
    // skipLibCheck as most projects set it: @types/koa and its dependencies' own declarations disagree at times.
    const tsconfig = {
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        outDir: 'out',
        skipLibCheck: true,
      },
      files: ['app.ts'],
    };
    fs.writeFileSync(path.join(APP, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const check = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: APP, encoding: 'utf8', timeout: 60_000 });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(runNode(path.join('out', 'app.js'))).toEqual(EXPECTED);
  });
});
