/**
 * Documentation drift guard: the configuration tables of the root README and of this package's README name exactly
 * the options `createAuthorizer` accepts (the set it checks unknown names against), one row each, with a type and a
 * default column; the `issuers` row names every per-issuer option; the package README's defaults are the code's.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, ISSUER_OPTION_NAMES, OPTION_NAMES } from '../src/options';

const REPOSITORY = path.join(__dirname, '..', '..', '..');

interface OptionRow {
  line: number;
  /** The option names in the first column (code spans). */
  names: string[];
  cells: string[];
}

/** The cells of a Markdown table row; `\|` is a pipe inside a cell, not a separator. */
function cellsOf(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}

/** The first table after `heading` (before the next heading of the same or a higher level). */
function optionTable(file: string, heading: string): { header: string[]; rows: OptionRow[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) throw new Error(`${file}: no "${heading}" section`);
  const level = heading.indexOf(' ');
  let index = start + 1;
  while (index < lines.length && !lines[index].startsWith('|')) {
    const sectionEnds = /^#+ /.test(lines[index]) && lines[index].indexOf(' ') <= level;
    if (sectionEnds) throw new Error(`${file}: the "${heading}" section has no table`);
    index++;
  }
  const header = cellsOf(lines[index]);
  const rows: OptionRow[] = [];
  for (index += 2; index < lines.length && lines[index].startsWith('|'); index++) {
    const cells = cellsOf(lines[index]);
    rows.push({ line: index + 1, names: codeSpans(cells[0]), cells });
  }
  return { header, rows };
}

const tables = [
  { name: 'README.md', file: path.join(REPOSITORY, 'README.md'), heading: '## Configuration' },
  { name: 'packages/core/README.md', file: path.join(REPOSITORY, 'packages', 'core', 'README.md'), heading: '## Options' },
];

describe.each(tables)('the configuration table of $name', ({ file, heading }) => {
  const { header, rows } = optionTable(file, heading);
  const documented = rows.flatMap((row) => row.names);

  test('has the columns Option, Type, Default, Meaning', () => {
    expect(header).toEqual(['Option', 'Type', 'Default', 'Meaning']);
  });

  test('names every option the core accepts', () => {
    const missing = [...OPTION_NAMES].filter((name) => !documented.includes(name));
    expect(missing).toEqual([]);
  });

  test('names only options the core accepts, each once, one per row with a type and a meaning', () => {
    const unknown = documented.filter((name) => !OPTION_NAMES.has(name));
    expect(unknown).toEqual([]);
    const repeated = documented.filter((name, index) => documented.indexOf(name) !== index);
    expect(repeated).toEqual([]);
    for (const row of rows) {
      const where = `${path.basename(path.dirname(file))}/${path.basename(file)}:${row.line}`;
      expect({ where, names: row.names.length, cells: row.cells.length }).toEqual({ where, names: 1, cells: 4 });
      expect({ where, type: row.cells[1] !== '', meaning: row.cells[3] !== '' }).toEqual({ where, type: true, meaning: true });
    }
  });

  // Its other code spans must be per-issuer options too: write claim names and values there without backticks.
  test('the `issuers` row names every option an issuer entry takes, and only those', () => {
    const row = rows.find((candidate) => candidate.names[0] === 'issuers');
    expect(row).toBeDefined();
    const named = new Set(codeSpans(row!.cells[3]).filter((span) => /^[A-Za-z]+$/.test(span)));
    expect([...ISSUER_OPTION_NAMES].filter((name) => !named.has(name))).toEqual([]);
    expect([...named].filter((name) => !ISSUER_OPTION_NAMES.has(name))).toEqual([]);
  });
});

test('the package README gives the defaults the code uses', () => {
  const { rows } = optionTable(tables[1].file, tables[1].heading);
  const defaults: Record<string, string | number> = { ...DEFAULTS };
  const wrong = Object.entries(defaults)
    .map(([name, value]) => ({ name, value: String(value), documented: rows.find((row) => row.names[0] === name)?.cells[2] ?? '(no row)' }))
    .filter(({ value, documented }) => !codeSpans(documented).includes(value) && !codeSpans(documented).includes(`'${value}'`));
  expect(wrong).toEqual([]);
});
