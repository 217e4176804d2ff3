#!/usr/bin/env node
/**
 * `node packages/rego/bench/corpus.js <dir> [--v0-compatible] [--builtins stubs.js] [--top N] [--json]`:
 * how much of a policy library's own unit tests pass when compiled by @opa-jwt/rego, and why the rest do not.
 *
 * Every directory holding `_test.rego` files is one group: the .rego files of that directory, plus (transitively)
 * the non-test modules elsewhere under <dir> whose packages they reference (`data.x.y`, `import data.x`): examples
 * that share a package name (`package main`) but not a directory stay apart; a test's own package counts as a
 * reference when only one directory defines it;
 * the base document is every data.json / data.yaml / data.yml under <dir>, placed at its directory's path, as
 * `opa test <dir>` loads it. Each group is compiled once and its tests run with runRegoTests. A group that does not
 * compile counts all its tests as failed, with the compile error as their reason.
 *
 * Prints `P/T tests pass (X%)` and the failure reasons (first line of the error, locations and names of local
 * variables taken out so that equal causes group together), most frequent first, with one example each.
 * `--builtins stubs.js`: a CommonJS module exporting `{ "name": (...args) => value }` host builtins the library's
 * own runtime provides (its arity is the function's declared parameter count).
 *
 * Uses the built package (dist/, `npm run build`); measureCorpus() takes the package as a parameter for tests.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const SKIP_DIRS = new Set(['.git', 'node_modules']);
const DATA_FILES = new Set(['data.json', 'data.yaml', 'data.yml']);

function walk(dir, found) {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(full, found);
    } else if (entry.isFile()) found.push(full);
  }
  return found;
}

/** The package path of a module's source as segments (`package a.b["c"]` → a, b, c); [] when there is none. */
function packageOf(source) {
  const match = /^[ \t]*package[ \t]+([^\s#]+)/m.exec(source);
  if (!match) return [];
  return match[1]
    .replace(/\[\s*"([^"]*)"\s*\]/g, '.$1')
    .split('.')
    .filter(Boolean);
}

/** Every `data.a.b.c` reference in a module's source (comments dropped), as segment lists. */
function referencesOf(source) {
  const code = source.replace(/#[^\n]*/g, '');
  const refs = [];
  for (const match of code.matchAll(/\bdata((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*"[^"]*"\s*\])+)/g)) {
    refs.push(
      match[1]
        .replace(/\[\s*"([^"]*)"\s*\]/g, '.$1')
        .split('.')
        .filter(Boolean),
    );
  }
  return refs;
}

const isPrefix = (short, long) => short.length <= long.length && short.every((s, i) => s === long[i]);

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeInto(target, value) {
  for (const [key, v] of Object.entries(value)) {
    if (isObject(target[key]) && isObject(v)) mergeInto(target[key], v);
    else target[key] = v;
  }
}

function loadData(root, files, warnings) {
  const data = {};
  for (const file of files) {
    let value;
    try {
      const text = fs.readFileSync(file, 'utf8');
      value = file.endsWith('.json') ? JSON.parse(text) : require('yaml').parse(text);
    } catch (error) {
      warnings.push(`${path.relative(root, file)}: not loaded: ${error.message.split('\n')[0]}`);
      continue;
    }
    const segments = path.relative(root, path.dirname(file)).split(path.sep).filter(Boolean);
    let node = data;
    for (const segment of segments) {
      if (!isObject(node[segment])) node[segment] = {};
      node = node[segment];
    }
    if (isObject(value)) mergeInto(node, value);
    else warnings.push(`${path.relative(root, file)}: not an object, ignored`);
  }
  return data;
}

/** The groups of a directory tree: one per directory with `_test.rego` files. */
function findGroups(root) {
  const files = walk(root, []);
  const modules = files
    .filter((f) => f.endsWith('.rego'))
    .map((file) => {
      const source = fs.readFileSync(file, 'utf8');
      return {
        file,
        path: path.relative(root, file).split(path.sep).join('/'),
        source,
        dir: path.dirname(file),
        isTest: file.endsWith('_test.rego'),
        pkg: packageOf(source),
        refs: referencesOf(source),
      };
    });
  const dataFiles = files.filter((f) => DATA_FILES.has(path.basename(f)));
  const libraries = modules.filter((m) => !m.isTest);
  const testDirs = [...new Set(modules.filter((m) => m.isTest).map((m) => m.dir))];
  // A test's own package may be defined beside the policy rather than beside the test (regula: rules/x.rego,
  // tests/rules/x_test.rego); it belongs to the group when no other directory defines that package too.
  const packageDirs = new Map();
  for (const lib of libraries) {
    const key = lib.pkg.join('.');
    packageDirs.set(key, (packageDirs.get(key) ?? new Set()).add(lib.dir));
  }
  const samePackage = (lib, module) =>
    lib.pkg.length > 0 && lib.pkg.join('.') === module.pkg.join('.') && packageDirs.get(lib.pkg.join('.')).size === 1;
  const groups = testDirs.map((dir) => {
    const members = new Set(modules.filter((m) => m.dir === dir));
    const queue = [...members];
    while (queue.length > 0) {
      const module = queue.pop();
      for (const lib of libraries) {
        if (members.has(lib)) continue;
        const needed =
          (lib.pkg.length > 0 && module.refs.some((ref) => isPrefix(lib.pkg, ref) || isPrefix(ref, lib.pkg))) || samePackage(lib, module);
        if (needed) {
          members.add(lib);
          queue.push(lib);
        }
      }
    }
    return { dir: path.relative(root, dir) || '.', modules: [...members].sort((a, b) => (a.path < b.path ? -1 : 1)) };
  });
  return { groups, dataFiles };
}

/** A failure reason without what differs between equal causes: locations, quoted local names, numbers in names. */
function reasonOf(text) {
  let line =
    String(text)
      .split('\n')
      .find((l) => l.trim() !== '') ?? String(text);
  line = line.replace(/\S+\.rego:\d+(:\d+)?:?\s*/g, '');
  line = line.replace(/\bvar [A-Za-z_$][\w$]* /g, 'var _ ');
  line = line.replace(/\$[A-Za-z_]+\d+/g, '$_');
  return line.trim().slice(0, 200);
}

function errorText(error) {
  if (typeof error === 'string') return error;
  if (error && typeof error.message === 'string') return error.message;
  return String(error);
}

/** Counts test names in sources that did not compile: rules whose name starts with `test_`. */
function countTests(modules) {
  let n = 0;
  for (const m of modules) if (m.isTest) n += (m.source.match(/^[ \t]*test_[A-Za-z0-9_]*/gm) ?? []).length;
  return n;
}

/**
 * Runs every group under `root`. `rego`: the @opa-jwt/rego package (dist or src). Returns totals, per-reason
 * counts with an example, and per-group outcomes.
 */
async function measureCorpus(root, options = {}) {
  const rego = options.rego ?? require('@opa-jwt/rego');
  const warnings = [];
  const { groups, dataFiles } = findGroups(root);
  const data = loadData(root, dataFiles, warnings);
  const reasons = new Map();
  const note = (reason, example) => {
    const entry = reasons.get(reason) ?? { reason, count: 0, example };
    entry.count++;
    reasons.set(reason, entry);
  };
  let passed = 0;
  let total = 0;
  const outcomes = [];
  for (const group of groups) {
    let results;
    try {
      results = await rego.runRegoTests({
        modules: group.modules.map((m) => ({ path: m.path, source: m.source })),
        data,
        v0Compatible: options.v0Compatible,
        builtins: options.builtins,
      });
    } catch (error) {
      const n = countTests(group.modules);
      const reason = reasonOf(errorText(error));
      for (let i = 0; i < n; i++) note(reason, `${group.dir}: ${errorText(error).split('\n')[0]}`);
      total += n;
      outcomes.push({ dir: group.dir, passed: 0, total: n, compileError: errorText(error).split('\n')[0] });
      continue;
    }
    const ran = results.filter((r) => r.status !== 'skip');
    const ok = ran.filter((r) => r.status === 'pass').length;
    for (const r of ran) {
      if (r.status === 'fail') {
        const builtinError = /^(undefined|false) \(builtin error: (.*)\)$/s.exec(r.message ?? '');
        if (builtinError) note(`test failed (${builtinError[1]} after builtin error: ${reasonOf(builtinError[2])})`, r.location);
        else note(`test failed (${r.message === 'undefined' || r.message === 'false' ? r.message : 'other value'})`, r.location);
      } else if (r.status === 'error')
        note(reasonOf(r.message ?? 'error'), `${r.location}: ${(r.message ?? '').split('\n')[0].slice(0, 200)}`);
    }
    passed += ok;
    total += ran.length;
    outcomes.push({ dir: group.dir, passed: ok, total: ran.length });
  }
  const top = [...reasons.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  return { passed, total, groups: outcomes, reasons: top, warnings };
}

function formatSummary(result, topN = 15) {
  const pct = result.total === 0 ? 0 : (100 * result.passed) / result.total;
  const failedGroups = result.groups.filter((g) => g.compileError).length;
  let out = `${result.passed}/${result.total} tests pass (${pct.toFixed(1)}%)\n`;
  out += `${result.groups.length} groups, ${failedGroups} did not compile\n`;
  if (result.reasons.length > 0) {
    out += `\nTop failure reasons (tests affected):\n`;
    for (const r of result.reasons.slice(0, topN)) out += `${String(r.count).padStart(6)}  ${r.reason}\n        e.g. ${r.example}\n`;
  }
  for (const w of result.warnings) out += `warning: ${w}\n`;
  return out;
}

function parseArgs(argv) {
  const options = { v0Compatible: false, top: 15, json: false };
  let dir;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--v0-compatible') options.v0Compatible = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--builtins' || arg === '--top') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      if (arg === '--top') options.top = Number(value);
      else options.builtinsFile = path.resolve(value);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else if (dir === undefined) dir = arg;
    else throw new Error(`one directory only (got ${dir} and ${arg})`);
  }
  if (dir === undefined) throw new Error('usage: corpus.js <dir> [--v0-compatible] [--builtins stubs.js] [--top N] [--json]');
  return { dir: path.resolve(dir), options };
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`corpus: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const { dir, options } = args;
  let rego;
  try {
    rego = require('@opa-jwt/rego');
  } catch (error) {
    process.stderr.write(`corpus needs the built package (run \`npm run build\`): ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const builtins = options.builtinsFile ? require(options.builtinsFile) : undefined;
  const result = await measureCorpus(dir, { rego, v0Compatible: options.v0Compatible, builtins });
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatSummary(result, options.top));
}

module.exports = { measureCorpus, findGroups, formatSummary, reasonOf };

if (require.main === module) main();
