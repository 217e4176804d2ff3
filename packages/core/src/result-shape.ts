/**
 * Policy results of the wrong shape. Only `true` or an object whose `allowed` is `true` allows (decision.ts); any
 * other shape denies, which is right, but a policy answering `"yes"`, `1` or `{"allowed": "true"}` is a bug its
 * author should hear about instead of a silent 403. Each shape is reported once per entrypoint, at `warn`.
 */
import type { LogFn } from './logger';

export const EXPECTED_SHAPE = 'a boolean or an object with a boolean "allowed"';

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/**
 * What is wrong with a policy result, or undefined when its shape is right (a boolean, or an object with a boolean
 * `allowed`). `defined` is false when the rule was undefined (an empty result set). The descriptions name types,
 * never values: they come from a small fixed set.
 */
export function wrongShape(defined: boolean, value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (!defined || value === undefined)
    return 'no result: the rule is undefined for this input (an empty result set); give it a default, e.g. `default allow := false`';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return typeName(value);
  const allowed = (value as Record<string, unknown>).allowed;
  if (typeof allowed === 'boolean') return undefined;
  if (allowed === undefined) return 'an object without "allowed"';
  return `an object whose "allowed" is ${typeName(allowed)}`;
}

/** Warns once per entrypoint and shape; remembers at most `capacity` of them, then stays silent. */
export class ResultShapeWarnings {
  private readonly seen = new Set<string>();

  constructor(
    private readonly warn: LogFn,
    private readonly capacity = 64,
  ) {}

  /** Called for denials only: an allowed result has the right shape by definition. */
  check(entrypoint: string, defined: boolean, value: unknown, decisionId: string): void {
    const shape = wrongShape(defined, value);
    if (shape === undefined || this.seen.size >= this.capacity) return;
    const key = `${entrypoint}\n${shape}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.warn(
      { entrypoint, expected: EXPECTED_SHAPE, got: shape, decision_id: decisionId },
      `opa-jwt: the policy's result for entrypoint ${entrypoint} has the wrong shape: expected ${EXPECTED_SHAPE}; got ${shape}. The request is denied (logged once per entrypoint and shape)`,
    );
  }
}
