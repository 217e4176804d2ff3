/**
 * `# METADATA` annotations, read as OPA reads them: a comment whose text starts with METADATA opens a block that
 * takes every following comment on the next line at column 1; the block's lines (one leading space dropped) are YAML.
 * The block belongs to the first statement below it (the package or a rule); without an explicit `scope` that is
 * `package` for the package, `rule` for a rule (`document` when it says `entrypoint: true`).
 */
import { parse as parseYaml } from 'yaml';
import type { Annotation, AnnotationScope, Location, Module, Rule } from './ast';
import { ParseFailure } from './failure';
import type { Comment } from './lexer';

const SCOPES: readonly AnnotationScope[] = ['rule', 'document', 'package', 'subpackages'];

interface Block {
  loc: Location;
  lines: string[];
}

function blocksOf(comments: Comment[], file: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  let previous: Comment | undefined;
  for (const comment of comments) {
    if (current && previous && comment.line === previous.line + 1 && comment.col === 1) {
      current.lines.push(comment.text.startsWith(' ') ? comment.text.slice(1) : comment.text);
      previous = comment;
      continue;
    }
    current = undefined;
    if (comment.text.trim().startsWith('METADATA')) {
      current = { loc: { file, line: comment.line, col: comment.col }, lines: [] };
      blocks.push(current);
    }
    previous = comment;
  }
  return blocks;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects go through JSON.stringify; the rest are primitives
const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** `Jane Doe <jane@example.com>`: the last word in angle brackets is the email. */
function author(v: unknown, loc: Location): Record<string, string> {
  let name = '';
  let email = '';
  if (typeof v === 'string') {
    const parts = v.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) throw new ParseFailure('invalid author definition: author is an empty string', loc);
    const last = parts[parts.length - 1];
    if (last.length >= 2 && last.startsWith('<') && last.endsWith('>')) {
      email = last.slice(1, -1);
      parts.pop();
    }
    name = parts.join(' ');
  } else if (isMap(v)) {
    name = text(v.name).trim();
    email = text(v.email).trim();
    if (!name && !email) throw new ParseFailure("invalid author definition: 'name' and/or 'email' values required in object", loc);
  } else {
    throw new ParseFailure('invalid author definition: invalid value type, must be string or map', loc);
  }
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

function relatedResource(v: unknown, loc: Location): Record<string, string> {
  if (typeof v === 'string' && v !== '') return { ref: v };
  if (isMap(v)) {
    const ref = text(v.ref).trim();
    if (!ref) throw new ParseFailure("invalid related-resource definition: 'ref' value required in object", loc);
    const description = text(v.description).trim();
    return { ref, ...(description ? { description } : {}) };
  }
  throw new ParseFailure('invalid related-resource definition: must be a non-empty string or map', loc);
}

/** `- input.x: schema.y` or `- input.x: {definition}`: paths as arrays of their parts. */
function schema(v: unknown, loc: Location): Record<string, unknown> {
  if (!isMap(v) || Object.keys(v).length !== 1) throw new ParseFailure('invalid schema declaration', loc);
  const [key, value] = Object.entries(v)[0];
  const path = key.split('.');
  if (typeof value === 'string') return { path, schema: value.split('.') };
  if (isMap(value)) return { path, definition: value };
  throw new ParseFailure(`invalid schema declaration for path "${key}"`, loc);
}

/** OPA's annotation object from the block's YAML, without the scope (known once the block is attached). */
function annotationValue(block: Block): { scope?: string; value: Record<string, unknown> } {
  const source = block.lines.join('\n');
  if (source.trim() === '') throw new ParseFailure('expected METADATA block, found whitespace', block.loc);
  let raw: unknown;
  try {
    raw = parseYaml(source);
  } catch (error) {
    throw new ParseFailure(`invalid METADATA block: ${(error as Error).message.split('\n')[0]}`, block.loc);
  }
  if (!isMap(raw)) throw new ParseFailure('invalid METADATA block: expected a YAML mapping', block.loc);
  const value: Record<string, unknown> = {};
  if (raw.title !== undefined && text(raw.title) !== '') value.title = text(raw.title);
  if (raw.entrypoint === true) value.entrypoint = true;
  if (raw.description !== undefined && text(raw.description) !== '') value.description = text(raw.description);
  const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
  const organizations = list(raw.organizations).map(text);
  if (organizations.length > 0) value.organizations = organizations;
  const related = list(raw.related_resources).map((r) => relatedResource(r, block.loc));
  if (related.length > 0) value.related_resources = related;
  const authors = list(raw.authors).map((a) => author(a, block.loc));
  if (authors.length > 0) value.authors = authors;
  const schemas = list(raw.schemas).map((s) => schema(s, block.loc));
  if (schemas.length > 0) value.schemas = schemas;
  if (isMap(raw.custom) && Object.keys(raw.custom).length > 0) value.custom = raw.custom;
  return { scope: raw.scope === undefined || raw.scope === null ? undefined : text(raw.scope), value };
}

/** The module's annotations, each attached to the first statement after its `# METADATA` line. */
export function parseAnnotations(comments: Comment[], module: Module): Annotation[] {
  const blocks = blocksOf(comments, module.file);
  if (blocks.length === 0) return [];
  type Statement = { kind: 'package' | 'import'; line: number } | { kind: 'rule'; line: number; rule: Rule };
  const statements: Statement[] = [
    { kind: 'package' as const, line: module.packageLoc.line },
    ...module.imports.map((i) => ({ kind: 'import' as const, line: i.loc.line })),
    ...module.rules.map((rule) => ({ kind: 'rule' as const, line: rule.loc.line, rule })),
  ].sort((a, b) => a.line - b.line);

  return blocks.map((block) => {
    const { scope: declared, value } = annotationValue(block);
    const target = statements.find((s) => s.line > block.loc.line);
    const scope = declared ?? (target?.kind === 'rule' ? (value.entrypoint ? 'document' : 'rule') : (target?.kind ?? ''));
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new ParseFailure(`invalid annotation scope '${scope}'. Use one of 'rule', 'document', 'package', or 'subpackages'`, block.loc);
    }
    const wantsRule = scope === 'rule' || scope === 'document';
    if (wantsRule ? target?.kind !== 'rule' : target?.kind !== 'package') {
      throw new ParseFailure(`annotation scope '${scope}' must be applied to ${wantsRule ? 'rule' : 'package'}`, block.loc);
    }
    if (value.entrypoint && scope !== 'document' && scope !== 'package') {
      throw new ParseFailure(`annotation entrypoint applied to non-document or package scope '${scope}'`, block.loc);
    }
    return {
      scope: scope as AnnotationScope,
      value: { scope, ...value },
      ...(target?.kind === 'rule' ? { rule: target.rule } : {}),
      loc: block.loc,
    };
  });
}
