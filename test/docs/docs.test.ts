/**
 * The READMEs promise that their commands work when pasted in a fresh clone. This checks what can be checked without
 * starting servers (test/examples does that): every `npm run`/`npm start`/`npm test` names a script of the root
 * package.json, every `node <file>` and policy file exists, every relative link resolves, and the README's
 * `npx opa-jwt build` commands really build a bundle.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main as cli } from '../../packages/rego/src/cli/main';

const ROOT = path.join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  'docs/identity-providers.md',
  'policies/README.md',
  'policies/api-authz.md',
  'policies/mcp-tools.md',
  'policies/token-exchange.md',
  'policies/v0/README.md',
  'examples/express/README.md',
  'examples/koa/README.md',
  'examples/fastify/README.md',
  'examples/mcp/README.md',
  'examples/dev-issuer/README.md',
  'packages/rego/README.md',
  'packages/core/README.md',
  'packages/express/README.md',
  'packages/koa/README.md',
  'packages/fastify/README.md',
];

const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

function read(doc: string): string {
  return readFileSync(path.join(ROOT, doc), 'utf8');
}

/** Lines of the ```sh blocks, without comments. */
function shellLines(doc: string): string[] {
  const lines: string[] = [];
  for (const block of read(doc).matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command !== '' && !command.startsWith('#')) lines.push(command);
    }
  }
  return lines;
}

describe.each(DOCS)('%s', (doc) => {
  test('exists', () => {
    expect(existsSync(path.join(ROOT, doc))).toBe(true);
  });

  test('every npm script it runs exists', () => {
    for (const line of shellLines(doc)) {
      for (const match of line.matchAll(/\bnpm (?:run (\S+)|(start|test)\b)/g)) {
        const name = match[1] ?? match[2];
        expect({ line, script: name, defined: name in scripts }).toEqual({ line, script: name, defined: true });
      }
    }
  });

  test('every file a command names exists', () => {
    for (const line of shellLines(doc)) {
      const files = [...line.matchAll(/(?:^|\s)((?:examples|policies|packages)\/[\w./-]+\.(?:js|rego))\b/g)].map((m) => m[1]);
      for (const file of files) expect({ line, file, exists: existsSync(path.join(ROOT, file)) }).toEqual({ line, file, exists: true });
    }
  });

  test('every relative link resolves', () => {
    const dir = path.dirname(path.join(ROOT, doc));
    for (const match of read(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      const target = match[1];
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      expect({ link: target, exists: existsSync(path.resolve(dir, target)) }).toEqual({ link: target, exists: true });
    }
  });
});

describe("the README's opa-jwt build commands", () => {
  const commands = DOCS.flatMap((doc) => shellLines(doc).filter((line) => line.startsWith('npx opa-jwt build ')));

  test('are there', () => {
    expect(commands.length).toBeGreaterThanOrEqual(2);
  });

  test.each([...new Set(commands)])('%s', async (command) => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'opa-jwt-docs-'));
    try {
      const argv = command.split(/\s+/).slice(2);
      const output = argv.indexOf('-o');
      expect(output).toBeGreaterThan(0);
      argv[output + 1] = path.join(out, argv[output + 1]); // write into the temporary folder, not the checkout
      let stderr = '';
      const code = await cli(argv, { stdout: () => undefined, stderr: (text) => (stderr += text), cwd: ROOT });
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(statSync(argv[output + 1]).size).toBeGreaterThan(1000);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
