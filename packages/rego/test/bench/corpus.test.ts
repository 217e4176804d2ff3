/**
 * bench/corpus.js on a small library made here: groups by test directory with the modules they reference, data
 * files at their paths, custom host builtins, compile errors counted per test, and the summary it prints.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as rego from '../../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const corpus = require('../../bench/corpus.js') as {
  measureCorpus: (
    root: string,
    options: object,
  ) => Promise<{
    passed: number;
    total: number;
    groups: Array<{ dir: string; passed: number; total: number; compileError?: string }>;
    reasons: Array<{ reason: string; count: number; example: string }>;
    warnings: string[];
  }>;
  formatSummary: (result: object, top?: number) => string;
};

describe('bench/corpus.js', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'corpus-'));
    write('lib/util.rego', 'package lib.util\n\ndouble(x) := x * 2\n');
    write(
      'svc/policy.rego',
      'package svc\n\nimport data.lib.util\n\nallow if util.double(input.n) == 4\n\nlimit := data.svc.config.max\n\ngreeting := data.greeting\n',
    );
    write(
      'svc/policy_test.rego',
      [
        'package svc',
        '',
        'test_allow if allow with input as {"n": 2}',
        '',
        'test_limit if limit == 3',
        '',
        'test_denied if allow with input as {"n": 1}',
        '',
        'test_custom if custom.hello(greeting) == "hi there"',
        '',
      ].join('\n'),
    );
    write('svc/config/data.json', '{"max": 3}');
    write('data.yaml', 'greeting: hi\n');
    write('broken/broken_test.rego', 'package broken\n\ntest_a if no_such_function(1)\n\ntest_b if true\n');
    // Not referenced by any test directory: its syntax error must not reach the groups.
    write('unrelated/lone.rego', 'package lone\n\nx := \n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('counts passing tests per group and gives the reasons of the others', async () => {
    const builtins = { 'custom.hello': (s: string) => `${s} there` };
    const result = await corpus.measureCorpus(root, { rego, builtins });
    expect(result.groups).toEqual([
      { dir: 'broken', passed: 0, total: 2, compileError: expect.stringContaining('undefined function no_such_function') },
      { dir: 'svc', passed: 3, total: 4 },
    ]);
    expect(result.passed).toBe(3);
    expect(result.total).toBe(6);
    expect(result.reasons.map((r) => [r.count, r.reason])).toEqual([
      [2, 'rego_type_error: undefined function no_such_function'],
      [1, 'test failed (undefined)'],
    ]);
    expect(result.reasons[1].example).toBe('svc/policy_test.rego:7:1');
    expect(result.warnings).toEqual([]);

    const summary = corpus.formatSummary(result);
    expect(summary).toMatch(/^3\/6 tests pass \(50\.0%\)\n2 groups, 1 did not compile\n/);
    expect(summary).toContain('     2  rego_type_error: undefined function no_such_function');
  });

  it('without the custom builtin the group does not compile', async () => {
    const result = await corpus.measureCorpus(root, { rego });
    const svc = result.groups.find((g) => g.dir === 'svc');
    expect(svc?.compileError).toMatch(/undefined function custom\.hello/);
  });
});
