/**
 * Parses every module of the regorus conformance cases (../shared/conformance/regorus next to
 * the repository root). A module is tried as v1 first, then as v0, as the conformance runner
 * does. Cases that expect an error may fail to parse; every other module must parse.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { RegoCompileError } from '../../src/errors';
import { parseModule, parseQuery, type Module } from '../../src/parse';

const repoRoot = path.resolve(__dirname, '../../../..');
const casesRoot = path.resolve(repoRoot, '../shared/conformance/regorus');
const present = fs.existsSync(casesRoot);

interface ConformanceCase {
  note: string;
  modules?: string[];
  query?: string;
  error?: string;
}

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(full);
    return e.name.endsWith('.yaml') ? [full] : [];
  });
}

function parseEitherSyntax(source: string, file: string): Module {
  try {
    return parseModule(source, file);
  } catch (v1Error) {
    try {
      return parseModule(source, file, { v0Compatible: true });
    } catch {
      throw v1Error;
    }
  }
}

if (!present) {
  test.skip('conformance modules (skipped: ../shared/conformance/regorus is absent)', () => undefined);
  console.log(`parse conformance sweep skipped: ${casesRoot} does not exist`);
} else {
  test('every conformance module parses (v1 first, then v0)', () => {
    let parsed = 0;
    let failedAsExpected = 0;
    const unexpected: string[] = [];
    let v0Modules = 0;
    for (const file of yamlFiles(casesRoot)) {
      const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { cases?: ConformanceCase[] };
      const rel = path.relative(casesRoot, file);
      for (const c of doc.cases ?? []) {
        (c.modules ?? []).forEach((source, i) => {
          try {
            const m = parseEitherSyntax(source, `${rel}#${c.note}#${i}`);
            if (m.syntax === 'v0') v0Modules++;
            parsed++;
          } catch (e) {
            if (!(e instanceof RegoCompileError)) throw e;
            if (c.error !== undefined) failedAsExpected++;
            else unexpected.push(e.message);
          }
        });
      }
    }
    console.log(
      `conformance modules: ${parsed} parsed (${v0Modules} as v0), ${failedAsExpected} rejected in cases expecting an error, ${unexpected.length} unexpected failures`,
    );
    expect(unexpected).toEqual([]);
    expect(parsed).toBeGreaterThan(400);
  });

  test('queries that are not plain refs parse', () => {
    const queries: string[] = [];
    for (const file of yamlFiles(casesRoot)) {
      const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as { cases?: ConformanceCase[] };
      for (const c of doc.cases ?? []) if (c.query && !/^data(\.\w+)*$/.test(c.query)) queries.push(c.query);
    }
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(() => parseQuery(q, 'query')).not.toThrow();
  });
}
