/**
 * Prints a plan (src/plan/ir.ts) as indented text for golden tests: one statement per line, locals as `$n`,
 * constants inline as JSON, nested bodies indented under their statement.
 */
import type { Program, Stmt } from '../../src/plan/ir';

function formatBody(body: Stmt[], program: Program, indent: string, out: string[]): void {
  for (const stmt of body) {
    const [op, ...fields] = stmt;
    const parts: string[] = [];
    let nested: Stmt[] | undefined;
    fields.forEach((field, i) => {
      if (op === 'const' && i === 1) parts.push(JSON.stringify(program.consts[field as number]));
      else if (op === 'callfn' && i === 0) parts.push(program.funcs[field as number].name);
      else if (Array.isArray(field) && field.length > 0 && Array.isArray(field[0])) nested = field as Stmt[];
      else if (Array.isArray(field) && (op === 'call' || op === 'callfn' || op === 'print'))
        parts.push(`(${(field as number[]).map((l) => `$${l}`).join(', ')})`);
      else if (Array.isArray(field)) parts.push(JSON.stringify(field));
      // Numbers are locals, except these counts and slots.
      else if (
        typeof field === 'number' &&
        !(op === 'break' || op === 'arraylen' || ((op === 'withmock' || op === 'mockvalue') && i === 0))
      )
        parts.push(`$${field}`);
      else
        parts.push(typeof field === 'string' && op !== 'call' && op !== 'istype' && op !== 'with' ? JSON.stringify(field) : String(field));
    });
    out.push(`${indent}${op}${parts.length > 0 ? ` ${parts.join(' ')}` : ''}`);
    if (nested) formatBody(nested, program, `${indent}  `, out);
    else if (
      Array.isArray(fields[fields.length - 1]) &&
      (fields[fields.length - 1] as unknown[]).length === 0 &&
      (op === 'block' || op === 'scan' || op === 'with' || op === 'withmock')
    )
      out.push(`${indent}  (empty)`);
  }
}

/** The entry points, then every function in index order with its header and body. */
export function formatPlan(program: Program): string {
  const out: string[] = [];
  for (const [name, index] of Object.entries(program.entrypoints)) out.push(`entrypoint ${name} -> ${program.funcs[index].name}`);
  for (const fn of program.funcs) {
    const flags = [`params=${fn.params}`, `locals=${fn.locals}`, `result=$${fn.result}`, ...(fn.memo ? ['memo'] : [])];
    out.push('', `func ${fn.name} ${flags.join(' ')}`);
    formatBody(fn.body, program, '  ', out);
  }
  return `${out.join('\n')}\n`;
}
