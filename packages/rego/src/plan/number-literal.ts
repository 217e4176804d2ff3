/**
 * Number constants that keep their spelling. OPA keeps a number as written (`101.00` prints as
 * `101.00` and formats as a float in sprintf; `1700000000000000001` keeps all its digits), so a
 * literal whose text a JS number would not reproduce travels in the plan as its text. planJson
 * writes plan values as JSON with those texts in place; everywhere else (JSON.stringify, value
 * comparisons at compile time) such a literal stands for its numeric value.
 */
export class NumberLiteral {
  constructor(readonly text: string) {}

  toJSON(): number {
    return Number(this.text);
  }
}

/** A number term's constant: a plain number when JSON.stringify gives back its text, else a NumberLiteral. */
export function numberConstant(text: string): number | NumberLiteral {
  const n = Number(text);
  return JSON.stringify(n) === text ? n : new NumberLiteral(text);
}

/** JSON text of a plan value, NumberLiterals as written. */
export function planJson(value: unknown): string {
  if (value instanceof NumberLiteral) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined || typeof item === 'function' ? 'null' : planJson(item);
    }
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${planJson(v)}`;
  }
  return out + '}';
}

/** Whether a plan value holds a NumberLiteral anywhere (most plans have none, and JSON.stringify is faster). */
export function containsNumberLiteral(value: unknown): boolean {
  if (value instanceof NumberLiteral) return true;
  if (value === null || typeof value !== 'object') return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(containsNumberLiteral);
}
