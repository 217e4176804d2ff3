/**
 * Golden plans: the IR (src/plan/ir.ts) of tiny modules, printed by ./format, compared with the expected text in
 * golden/<name>.plan. A planner change that alters a plan shows up here as a readable diff; when the new plan is
 * intended, regenerate the files with `UPDATE_GOLDEN=1 npx jest packages/rego/test/plan` and review the diff.
 * Each golden/<name>.rego starts with `# entrypoint: <path>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planModules } from '../../src';
import { formatPlan } from './format';

const dir = path.join(__dirname, 'golden');
const modules = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.rego'))
  .sort();

test('there are golden plans', () => {
  expect(modules.length).toBeGreaterThan(0);
});

test.each(modules)('%s', (file) => {
  const source = fs.readFileSync(path.join(dir, file), 'utf8');
  const entrypoint = /^# entrypoint: (\S+)/.exec(source)?.[1];
  if (!entrypoint) throw new Error(`${file}: first line must be "# entrypoint: <path>"`);
  const plan = formatPlan(planModules({ modules: [{ path: file, source }], entrypoints: [entrypoint] }).plan);
  const goldenFile = path.join(dir, file.replace(/\.rego$/, '.plan'));
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(goldenFile, plan);
  expect(plan).toBe(fs.readFileSync(goldenFile, 'utf8'));
});
