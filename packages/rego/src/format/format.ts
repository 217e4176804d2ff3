/**
 * The Rego formatter: writes a module in the canonical style of `opa fmt` for Rego v1.
 *
 * The module is parsed (v1, or v0 with `v0Compatible`) and written back from its syntax tree: tabs, `if` and
 * `contains`, `:=` in rule heads, one space around operators, `set()` for the empty set, nested infix calls in
 * parentheses, `p if true` as the constant `p := true`, imports sorted within each group of adjacent lines
 * (`future.keywords` imports dropped when `rego.v1` is imported, as it covers them). Layout decisions follow the source the way `opa fmt` follows it: elements written on one line
 * stay on one line, elements on several lines get one line per source line with a trailing comma, a one-expression
 * body on the head's line stays there (`p if x`), blank lines between expressions are kept (one at most), adjacent
 * one-line rules stay together and other rules are separated by one blank line. Long lines are not wrapped.
 *
 * The tree keeps only where each node starts, so the formatter also reads the token stream (with comments) of the
 * same source: the original text of strings (raw strings stay raw), where bodies and brackets close, and the
 * comments, which are placed by line: before the node on the next line, or at the end of the line they were on.
 */
import type { CallTerm, ElseClause, Expr, Import, Location, Module, Rule, Term, WithModifier } from '../parse/ast';
import { parseModule } from '../parse';
import { tokenize, type Comment, type Token } from '../parse/lexer';

export interface FormatOptions {
  /** Read the source as Rego v0 (`p { ... }`, `p[x] { ... }`); the output is Rego v1 either way. */
  v0Compatible?: boolean;
  /** Drop the `rego.v1` and `future.keywords` imports, which Rego v1 does not need (`opa fmt --drop-v0-imports`). */
  dropV0Imports?: boolean;
  /**
   * Make the output readable by Rego v0 parsers too: add `import rego.v1` (and drop the `future.keywords` imports
   * it covers), as `opa fmt --v0-v1` does.
   */
  v0v1?: boolean;
}

const isRegoV1Import = (i: Import): boolean => i.path.length === 2 && i.path[0] === 'rego' && i.path[1] === 'v1';
const isFutureImport = (i: Import): boolean => i.path[0] === 'future';

/**
 * The imports written: as opa fmt, `future.keywords` imports go when `rego.v1` is imported (it covers them), both
 * go with `dropV0Imports`, and `v0v1` adds `rego.v1` after the last future import (or in a group of its own first).
 */
function importsToWrite(imports: Import[], options: FormatOptions, file: string): Import[] {
  if (options.dropV0Imports) return imports.filter((i) => !isRegoV1Import(i) && !isFutureImport(i));
  let kept = imports;
  if (options.v0v1 && !imports.some(isRegoV1Import)) {
    const lastFuture = Math.max(0, ...imports.filter(isFutureImport).map((i) => i.loc.line));
    kept = [...imports, { path: ['rego', 'v1'], loc: { file, line: lastFuture === 0 ? 0 : lastFuture + 1, col: 0 } }];
  }
  return kept.some(isRegoV1Import) ? kept.filter((i) => !isFutureImport(i)) : kept;
}

/** Infix operators as OPA writes them, by the builtin each one calls. */
const INFIX: Record<string, string> = {
  assign: ':=',
  eq: '=',
  equal: '==',
  neq: '!=',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  plus: '+',
  minus: '-',
  mul: '*',
  div: '/',
  rem: '%',
  and: '&',
  or: '|',
};

/** Words that cannot follow a `.` in a ref written by opa fmt when the source wrote them in brackets. */
const KEYWORDS = new Set([
  'as',
  'default',
  'else',
  'false',
  'import',
  'not',
  'null',
  'package',
  'some',
  'true',
  'with',
  'contains',
  'every',
  'if',
  'in',
]);

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isMember(call: CallTerm): boolean {
  return call.name.length === 2 && call.name[0] === 'internal' && (call.name[1] === 'member_2' || call.name[1] === 'member_3');
}

function infixOf(call: CallTerm): string | undefined {
  return call.name.length === 1 && call.args.length === 2 ? INFIX[call.name[0]] : undefined;
}

function sameLoc(a: Location, b: Location): boolean {
  return a.line === b.line && a.col === b.col;
}

/** `-x` is parsed as minus(0, x) with the 0 at the minus sign. */
function isUnaryMinus(call: CallTerm): boolean {
  const [zero, operand] = call.args;
  return (
    call.name.length === 1 &&
    call.name[0] === 'minus' &&
    call.args.length === 2 &&
    zero.type === 'number' &&
    zero.raw === '0' &&
    sameLoc(zero.loc, call.loc) &&
    sameLoc(call.nameLoc, call.loc) &&
    !sameLoc(operand.loc, call.loc)
  );
}

function isUnionCall(t: Term): boolean {
  return t.type === 'call' && t.name.length === 1 && t.name[0] === 'or' && t.args.length === 2;
}

/** A JSON-compatible double-quoted string, for strings that have no source text of their own. */
function quote(value: string): string {
  return JSON.stringify(value);
}

class Writer {
  private out = '';
  private level = 0;
  private inline = false;
  private lineEndComment: string | undefined;
  /** Comments not written yet, in source order. */
  private pending: Comment[];
  /** Token index by `line:col` of its first character. */
  private readonly tokenAt = new Map<string, number>();

  constructor(
    private readonly tokens: Token[],
    comments: Comment[],
  ) {
    // The lexer gives a comment's text after its `#`; the formatter writes the whole comment.
    this.pending = comments.map((c) => ({ ...c, text: `#${c.text}`.replace(/\s+$/, '') }));
    tokens.forEach((t, i) => this.tokenAt.set(`${t.line}:${t.col}`, i));
  }

  result(): string {
    this.flushComments(Number.MAX_SAFE_INTEGER);
    if (this.inline) this.endLine();
    const lines = this.out.split('\n').map((line) => (line.trim() === '' ? '' : line));
    const kept: string[] = [];
    for (const line of lines) {
      if (line === '' && (kept.length === 0 || kept[kept.length - 1] === '')) continue;
      kept.push(line);
    }
    while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
    return `${kept.join('\n')}\n`;
  }

  // ------------------------------------------------------------ output primitives

  write(text: string): void {
    this.out += text;
  }

  /** The output length, to look back at what was written since. */
  get length(): number {
    return this.out.length;
  }

  writtenSince(mark: number): string {
    return this.out.slice(mark);
  }

  get isInline(): boolean {
    return this.inline;
  }

  startLine(): void {
    this.inline = true;
    this.out += '\t'.repeat(this.level);
  }

  endLine(): void {
    if (this.lineEndComment !== undefined) {
      this.out += ` ${this.lineEndComment}`;
      this.lineEndComment = undefined;
    }
    this.out += '\n';
    this.inline = false;
  }

  blankLine(): void {
    if (this.inline) this.endLine();
    this.out += '\n';
  }

  up(): void {
    this.level++;
  }

  down(): void {
    this.level--;
  }

  private ensureLine(): void {
    if (!this.inline) this.startLine();
  }

  // ------------------------------------------------------------ comments

  /** Writes the comments above `line` on lines of their own; one on `line` itself ends that line. */
  insertComments(line: number): void {
    const before: Comment[] = [];
    while (this.pending.length > 0 && this.pending[0].line < line) before.push(this.pending.shift()!);
    if (before.length > 0) {
      if (this.inline && /\S/.test(this.out.slice(this.out.lastIndexOf('\n') + 1))) this.endLine();
      before.forEach((c, i) => {
        if (i > 0 && c.line - before[i - 1].line > 1) this.blankLine();
        this.ensureLine();
        this.write(c.text);
        this.endLine();
      });
      if (line - before[before.length - 1].line > 1 && line !== Number.MAX_SAFE_INTEGER) this.blankLine();
    }
    if (this.pending.length > 0 && this.pending[0].line === line) {
      const c = this.pending.shift()!;
      this.lineEndComment = this.lineEndComment === undefined ? c.text : `${this.lineEndComment} ${c.text}`;
    }
  }

  /** Trailing comments of the module, after a blank line. */
  private flushComments(line: number): void {
    if (this.pending.length === 0) return;
    if (this.inline) this.endLine();
    this.blankLine();
    while (this.pending.length > 0 && this.pending[0].line < line) {
      const c = this.pending.shift()!;
      this.startLine();
      this.write(c.text);
      this.endLine();
    }
  }

  // ------------------------------------------------------------ token lookups

  private indexOf(loc: Location): number | undefined {
    return this.tokenAt.get(`${loc.line}:${loc.col}`);
  }

  token(loc: Location): Token | undefined {
    const i = this.indexOf(loc);
    return i === undefined ? undefined : this.tokens[i];
  }

  /** The last line of the token that ends before the one at `loc` (separators `;` skipped). */
  endLineBefore(loc: Location): number {
    let i = this.indexOf(loc);
    if (i === undefined || i === 0) return loc.line;
    i--;
    while (i > 0 && this.tokens[i].text === ';' && this.tokens[i].kind === 'punct') i--;
    const t = this.tokens[i];
    return t.line + (t.text.match(/\n/g)?.length ?? 0);
  }

  /** The token before the one at `loc`. */
  previous(loc: Location, steps = 1): Token | undefined {
    const i = this.indexOf(loc);
    return i === undefined || i - steps < 0 ? undefined : this.tokens[i - steps];
  }

  /** Line of the bracket closing the first `open` at or after `loc`. */
  closingLine(loc: Location, open: string): number {
    const close = open === '(' ? ')' : open === '[' ? ']' : '}';
    let i = this.indexOf(loc);
    if (i === undefined) return loc.line;
    while (i < this.tokens.length && !(this.tokens[i].kind === 'punct' && this.tokens[i].text === open)) i++;
    let depth = 0;
    for (; i < this.tokens.length; i++) {
      const t = this.tokens[i];
      if (t.kind !== 'punct') continue;
      if (t.text === open) depth++;
      else if (t.text === close && --depth === 0) return t.line;
    }
    return loc.line;
  }
}

class RegoFormatter {
  private readonly w: Writer;
  /** Whether rule heads are written as refs (`a.b.c := 1`), as opa fmt does when any head needs it. */
  private refHeads = false;

  constructor(
    private readonly module: Module,
    tokens: Token[],
    comments: Comment[],
    private readonly options: FormatOptions,
  ) {
    this.w = new Writer(tokens, comments);
  }

  format(): string {
    const m = this.module;
    const w = this.w;
    this.refHeads = m.rules.some((r) => r.head.ref.length > 2 || (r.head.ref.length === 2 && r.head.kind === 'partial-set'));
    w.insertComments(m.packageLoc.line);
    w.startLine();
    w.write(`package ${this.pathText(m.package, true)}`);
    w.blankLine();

    // Imports and rules in source order, each run of imports written as groups of adjacent lines.
    const imports = importsToWrite(m.imports, this.options, m.file);
    type Item = { kind: 'import'; node: Import } | { kind: 'rule'; node: Rule };
    const items: Item[] = [
      ...imports.map((node): Item => ({ kind: 'import', node })),
      ...m.rules.map((node): Item => ({ kind: 'rule', node })),
    ].sort((a, b) => a.node.loc.line - b.node.loc.line || a.node.loc.col - b.node.loc.col);
    for (let i = 0; i < items.length;) {
      const kind = items[i].kind;
      let j = i;
      while (j < items.length && items[j].kind === kind) j++;
      const run = items.slice(i, j);
      if (kind === 'import') this.writeImports(run.map((x) => x.node as Import));
      else this.writeRules(run.map((x) => x.node as Rule));
      i = j;
    }
    return w.result();
  }

  /** `a.b["c-d"]`: names as dotted parts, other strings (and keywords in package names) in brackets. */
  private pathText(path: string[], bracketKeywords = false): string {
    const dotted = (p: string) => VAR_NAME.test(p) && !(bracketKeywords && KEYWORDS.has(p));
    return path.map((p, i) => (i === 0 ? p : dotted(p) ? `.${p}` : `[${quote(p)}]`)).join('');
  }

  private writeImports(imports: Import[]): void {
    const w = this.w;
    const groups: Import[][] = [];
    for (const imp of imports) {
      const group = groups[groups.length - 1];
      if (group && imp.loc.line - group[group.length - 1].loc.line <= 1) group.push(imp);
      else groups.push([imp]);
    }
    for (const group of groups) {
      w.insertComments(group[0].loc.line);
      const sorted = [...group].sort(compareImports);
      for (const imp of sorted) {
        // A comment on an import's line stays with that import (an added import has no line of its own).
        if (imp.loc.col > 0) w.insertComments(imp.loc.line);
        w.startLine();
        w.write(`import ${this.pathText(imp.path)}${imp.alias ? ` as ${imp.alias}` : ''}`);
        w.endLine();
      }
      w.blankLine();
    }
  }

  private writeRules(rules: Rule[]): void {
    const w = this.w;
    rules.forEach((rule, i) => {
      w.insertComments(rule.loc.line);
      const start = w.length;
      w.startLine();
      this.writeRule(rule);
      // Adjacent one-line rules stay together only when they are still one line each once formatted.
      const oneLine = !w.writtenSince(start).includes('\n');
      if (w.isInline) w.endLine();
      const next = rules[i + 1];
      if (next && oneLine && groupableOneLiner(rule) && groupableOneLiner(next) && next.loc.line === rule.loc.line + 1) return;
      w.blankLine();
    });
  }

  private writeRule(rule: Rule): void {
    const w = this.w;
    if (rule.default) w.write('default ');
    const head = rule.head;
    this.writeHeadRef(head.ref, head.kind);
    if (head.args) {
      w.write('(');
      this.writeIterable(head.args, head.loc, '(', (t) => this.writeTerm(t));
      w.write(')');
    }
    if (head.kind === 'partial-set' && head.key) {
      w.write(' contains ');
      this.writeTerm(head.key);
    }
    // `p if true` is the constant `p := true`, and `p := 1 if true` is `p := 1`, as opa fmt writes them.
    const constant = !rule.else && isTrueBody(rule.body);
    if (head.value) {
      w.write(' := ');
      this.writeTerm(head.value);
    } else if (constant && head.kind !== 'partial-set') w.write(' := true');
    this.writeRuleBody(constant ? [] : rule.body);
    if (rule.else) this.writeElse(rule.else, rule.loc.line);
  }

  private writeHeadRef(ref: Term[], kind: string): void {
    const w = this.w;
    const [first, ...rest] = ref;
    w.write(first.type === 'var' ? first.name : '');
    if (rest.length === 0) return;
    if (this.refHeads || kind === 'partial-set') {
      for (const t of rest) this.writeRefPart(t);
      return;
    }
    // Heads of two parts are written `p[x]` unless some head of the module needs ref heads.
    w.write('[');
    if (rest[0].type === 'string') w.write(quote(rest[0].value));
    else this.writeTerm(rest[0]);
    w.write(']');
    for (const t of rest.slice(1)) this.writeRefPart(t);
  }

  /** ` if x` on the head's line, or ` if {` and the body on lines of its own. */
  private writeRuleBody(body: Expr[]): void {
    const w = this.w;
    if (body.length === 0) return;
    w.write(' if');
    if (body.length === 1 && body[0].loc.line === this.headEndLine(body[0]) && !needsBracedBody(body[0])) {
      w.write(' ');
      w.insertComments(body[0].loc.line);
      this.writeExpr(body[0]);
      return;
    }
    w.write(' {');
    w.endLine();
    w.up();
    this.writeBody(body);
    const open = this.openingBrace(body[0]);
    if (open) w.insertComments(w.closingLine(open, '{'));
    w.down();
    w.startLine();
    w.write('}');
  }

  /** The `{` opening the body that starts with `first`, if it has one. */
  private openingBrace(first: Expr): Location | undefined {
    const t = this.w.previous(first.loc);
    return t && t.kind === 'punct' && t.text === '{' ? { file: first.loc.file, line: t.line, col: t.col } : undefined;
  }

  /** The line where the head ends: that of `if` (or of `{` without `if`) before the body. */
  private headEndLine(first: Expr): number {
    const before = this.w.previous(first.loc);
    if (!before) return first.loc.line;
    if (before.kind === 'punct' && before.text === '{') {
      const ifTok = this.w.previous(first.loc, 2);
      return ifTok && ifTok.kind === 'ident' && ifTok.text === 'if' ? ifTok.line : before.line;
    }
    return before.line;
  }

  /**
   * `} else ... {` stays on the closing brace's line when the source had it so; an `else` that starts a line, or
   * one on the line where its rule starts, goes on a line of its own after a blank line, as opa fmt writes it.
   */
  private writeElse(clause: ElseClause, ruleLine: number): void {
    const w = this.w;
    const before = w.previous(clause.loc);
    const wasInline = clause.loc.line > ruleLine && before !== undefined && before.line === clause.loc.line;
    if (wasInline) w.write(' ');
    else {
      w.blankLine();
      w.insertComments(clause.loc.line);
      w.startLine();
    }
    w.write('else');
    if (clause.value) {
      w.write(' := ');
      this.writeTerm(clause.value);
    }
    this.writeRuleBody(!clause.else && isTrueBody(clause.body) ? [] : clause.body);
    if (clause.else) this.writeElse(clause.else, clause.loc.line);
  }

  /** Expressions on lines of their own; a blank line where the source had one or more. */
  private writeBody(body: Expr[]): void {
    const w = this.w;
    body.forEach((expr, i) => {
      if (i > 0 && expr.loc.line > w.endLineBefore(expr.loc) + 1) w.blankLine();
      w.insertComments(expr.loc.line);
      w.startLine();
      this.writeExpr(expr);
      w.endLine();
    });
  }

  private writeExpr(expr: Expr): void {
    const w = this.w;
    w.insertComments(expr.loc.line);
    if (expr.negated) w.write('not ');
    switch (expr.type) {
      case 'some': {
        // Names the source spread over several lines keep their lines, one indent deeper.
        w.write('some ');
        let line = expr.loc.line;
        expr.vars.forEach((v, i) => {
          if (v.loc.line > line) {
            w.endLine();
            w.startLine();
            w.write('\t');
            line = v.loc.line;
          } else if (i > 0) w.write(' ');
          this.writeTerm(v);
          if (i < expr.vars.length - 1) w.write(',');
        });
        break;
      }
      case 'somein':
        w.write('some ');
        if (expr.key) {
          this.writeTerm(expr.key, true);
          w.write(', ');
        }
        this.writeTerm(expr.value, true);
        w.write(' in ');
        this.writeTerm(expr.collection, true);
        break;
      case 'every':
        w.write('every ');
        if (expr.key) {
          this.writeTerm(expr.key);
          w.write(', ');
        }
        this.writeTerm(expr.value);
        w.write(' in ');
        this.writeTerm(expr.domain);
        w.write(' {');
        this.writeComprehensionBody(expr.body, expr.loc, this.openingBrace(expr.body[0]), '{');
        if (expr.body.length === 1 && expr.body[0].loc.line === expr.loc.line) w.write(' ');
        w.write('}');
        break;
      case 'term':
        // The operands of an expression's own operator are not parenthesized (`x := a + b`), deeper ones are.
        if (expr.term.type === 'call') {
          w.insertComments(expr.term.loc.line);
          this.writeCall(expr.term, false, false);
        } else this.writeTerm(expr.term);
        break;
    }
    this.writeWiths(expr.with);
  }

  private writeWiths(withs: WithModifier[]): void {
    const w = this.w;
    let indented = false;
    let lastLine = withs.length > 0 ? w.endLineBefore(withs[0].loc) : 0;
    for (const modifier of withs) {
      if (modifier.loc.line > lastLine) {
        if (!indented) {
          w.up();
          indented = true;
        }
        w.endLine();
        w.startLine();
        lastLine = modifier.loc.line;
      } else w.write(' ');
      w.insertComments(modifier.loc.line);
      w.write('with ');
      this.writeTerm(modifier.target);
      w.write(' as ');
      this.writeTerm(modifier.value);
    }
    if (indented) w.down();
  }

  /**
   * A term. `parens` is set for the operands of an infix operator: an infix call there is parenthesized,
   * as opa fmt writes `a + (b * c)`.
   */
  private writeTerm(term: Term, parens = false): void {
    const w = this.w;
    w.insertComments(term.loc.line);
    switch (term.type) {
      case 'null':
        w.write('null');
        return;
      case 'boolean':
        w.write(String(term.value));
        return;
      case 'number':
        w.write(term.raw);
        return;
      case 'string': {
        const t = w.token(term.loc);
        w.write(t && (t.kind === 'string' || t.kind === 'rawstring') ? t.text : quote(term.value));
        return;
      }
      case 'var':
        w.write(term.name.startsWith('$') ? '_' : term.name);
        return;
      case 'ref':
        if (term.head.type === 'call' && (infixOf(term.head) || isMember(term.head) || isUnaryMinus(term.head))) {
          w.write('(');
          this.writeTerm(term.head);
          w.write(')');
        } else this.writeTerm(term.head);
        for (const part of term.path) this.writeRefPart(part);
        return;
      case 'array':
        w.write('[');
        this.writeIterable(term.items, term.loc, '[', (t) => this.writeListItem(t));
        w.write(']');
        return;
      case 'set':
        if (term.items.length === 0) {
          w.write('set()');
          return;
        }
        w.write('{');
        this.writeIterable(term.items, term.loc, '{', (t) => this.writeListItem(t));
        w.write('}');
        return;
      case 'object':
        w.write('{');
        this.writeIterable(
          term.items.map(([k]) => k),
          term.loc,
          '{',
          (_key, i) => {
            const [k, v] = term.items[i];
            this.writeListItem(k);
            w.write(': ');
            this.writeListItem(v);
          },
        );
        w.write('}');
        return;
      case 'arraycompr':
        w.write('[');
        this.writeComprehension(term.term, term.body, term.loc, '[');
        w.write(']');
        return;
      case 'setcompr':
        w.write('{');
        this.writeComprehension(term.term, term.body, term.loc, '{');
        w.write('}');
        return;
      case 'objectcompr':
        w.write('{');
        this.writeListItem(term.key);
        w.write(': ');
        this.writeComprehension(term.value, term.body, term.loc, '{', term.key.loc);
        w.write('}');
        return;
      case 'call':
        this.writeCall(term, parens);
        return;
    }
  }

  /** Items of collections: a set union (`a | b`) is parenthesized, as `|` there would start a comprehension. */
  private writeListItem(t: Term): void {
    if (isUnionCall(t)) {
      this.w.write('(');
      this.writeTerm(t);
      this.w.write(')');
    } else this.writeTerm(t);
  }

  private writeRefPart(part: Term): void {
    const w = this.w;
    if (part.type === 'string') {
      const t = w.token(part.loc);
      const bracketed = t !== undefined && (t.kind === 'string' || t.kind === 'rawstring');
      if (VAR_NAME.test(part.value) && !(KEYWORDS.has(part.value) && bracketed)) w.write(`.${part.value}`);
      else w.write(`[${bracketed ? t.text : quote(part.value)}]`);
      return;
    }
    w.write('[');
    this.writeTerm(part);
    w.write(']');
  }

  private writeCall(call: CallTerm, parens: boolean, operandParens = true): void {
    const w = this.w;
    if (isUnaryMinus(call)) {
      w.write('-');
      this.writeTerm(call.args[1], true);
      return;
    }
    if (isMember(call)) {
      const three = call.args.length === 3;
      if (parens && three) w.write('(');
      call.args.forEach((arg, i) => {
        if (i === call.args.length - 1) w.write(' in ');
        else if (i > 0) w.write(', ');
        this.writeTerm(arg, operandParens);
      });
      if (parens && three) w.write(')');
      return;
    }
    const op = infixOf(call);
    if (op) {
      if (parens) w.write('(');
      this.writeTerm(call.args[0], operandParens);
      w.write(` ${op} `);
      this.writeTerm(call.args[1], operandParens);
      if (parens) w.write(')');
      return;
    }
    w.write(call.name.map((p, i) => (i === 0 || VAR_NAME.test(p) ? (i === 0 ? p : `.${p}`) : `[${quote(p)}]`)).join(''));
    w.write('(');
    // As opa fmt: call arguments all on one source line stay on one line, even after a line break after `(`.
    this.writeIterable(call.args, call.loc, '(', (t) => this.writeTerm(t), false);
    w.write(')');
  }

  /**
   * Items of a collection or argument list: on one line when the source had them on one line (and the first right
   * after the opening bracket), otherwise one line per source line, each ending with a comma, indented.
   */
  private writeIterable(
    items: Term[],
    open: Location,
    bracket: string,
    writeItem: (t: Term, i: number) => void,
    breakAfterOpen = true,
  ): void {
    const w = this.w;
    if (items.length === 0) {
      w.insertComments(w.closingLine(open, bracket));
      return;
    }
    const lines: number[][] = [];
    let lastLine = -1;
    items.forEach((item, i) => {
      if (item.loc.line !== lastLine || lines.length === 0) lines.push([i]);
      else lines[lines.length - 1].push(i);
      lastLine = item.loc.line;
    });
    const openLine = this.bracketLine(open, bracket);
    const multiline = lines.length > 1 || (breakAfterOpen && items[0].loc.line > openLine);
    if (!multiline) {
      items.forEach((item, i) => {
        if (i > 0) w.write(', ');
        writeItem(item, i);
      });
      return;
    }
    w.endLine();
    w.up();
    for (const line of lines) {
      w.insertComments(items[line[0]].loc.line);
      w.startLine();
      line.forEach((index, k) => {
        if (k > 0) w.write(', ');
        writeItem(items[index], index);
      });
      w.write(',');
      w.endLine();
    }
    w.insertComments(w.closingLine(open, bracket));
    w.down();
    w.startLine();
  }

  /** Line of the opening bracket of a collection or call starting at `loc`. */
  private bracketLine(loc: Location, bracket: string): number {
    const t = this.w.token(loc);
    if (t && t.kind === 'punct' && t.text === bracket) return t.line;
    // A call or a function head: the `(` follows the name on the name's line.
    return loc.line;
  }

  private writeComprehension(term: Term, body: Expr[], loc: Location, bracket: string, termLoc: Location = term.loc): void {
    const w = this.w;
    // A union there would read as the comprehension's bar; an operator the source parenthesized stays so.
    const before = w.previous(term.loc);
    const parenthesized = term.type === 'call' && before?.kind === 'punct' && before.text === '(';
    if (isUnionCall(term) || parenthesized) {
      w.write('(');
      this.writeTerm(term);
      w.write(')');
    } else this.writeTerm(term);
    w.write(' |');
    // A term written below the opening bracket moves up to it, and the body then goes on lines of its own.
    this.writeComprehensionBody(body, termLoc, loc, bracket, termLoc.line > loc.line);
  }

  /** `open` is where the bracket that the body's closing bracket matches is. */
  private writeComprehensionBody(
    body: Expr[],
    termLoc: Location,
    open: Location | undefined,
    bracket: string,
    forceMultiline = false,
  ): void {
    const w = this.w;
    const multiline = forceMultiline || body[0].loc.line - termLoc.line > 0 || body.some((e) => e.loc.line !== body[0].loc.line);
    if (multiline) {
      w.endLine();
      w.up();
      this.writeBody(body);
      if (open) w.insertComments(w.closingLine(open, bracket));
      w.down();
      w.startLine();
      return;
    }
    w.write(' ');
    body.forEach((e, i) => {
      if (i > 0) w.write('; ');
      this.writeExpr(e);
    });
  }
}

function compareImports(a: Import, b: Import): number {
  const n = Math.min(a.path.length, b.path.length);
  for (let i = 0; i < n; i++) if (a.path[i] !== b.path[i]) return a.path[i] < b.path[i] ? -1 : 1;
  if (a.path.length !== b.path.length) return a.path.length - b.path.length;
  return (a.alias ?? '') < (b.alias ?? '') ? -1 : (a.alias ?? '') > (b.alias ?? '') ? 1 : 0;
}

/** A body that is only `true`. */
function isTrueBody(body: Expr[]): boolean {
  if (body.length !== 1) return false;
  const [e] = body;
  return e.type === 'term' && !e.negated && e.with.length === 0 && e.term.type === 'boolean' && e.term.value;
}

/** Rules that opa fmt keeps on adjacent lines when the source had them so: one-line, not default. */
function groupableOneLiner(rule: Rule): boolean {
  return rule.body.length <= 1 && !rule.default;
}

/** The term written first in `term`: the leftmost operand of infix operators, the head of a ref. */
function leadingTerm(term: Term): Term {
  if (term.type === 'ref') return leadingTerm(term.head);
  if (term.type === 'call' && (infixOf(term) !== undefined || isMember(term)) && !isUnaryMinus(term)) return leadingTerm(term.args[0]);
  return term;
}

/**
 * Whether a one-expression body must keep its braces: a lone set (`p if { {1, 2} }` is not `p if {1, 2}`, as
 * opa fmt knows), or an expression that starts with a set comprehension and goes on (`{x | ...} == y`), which
 * would read back as a body.
 */
function needsBracedBody(expr: Expr): boolean {
  if (expr.type !== 'term' || expr.negated) return false;
  if (expr.term.type === 'set') return true;
  return expr.term !== leadingTerm(expr.term) && leadingTerm(expr.term).type === 'setcompr';
}

/** Formats one Rego module; throws RegoCompileError (with `file:line:col`) when it does not parse. */
export function formatModule(source: string, file: string, options: FormatOptions = {}): string {
  const module = parseModule(source, file, { v0Compatible: options.v0Compatible });
  const comments: Comment[] = [];
  const tokens = tokenize(source, file, comments);
  return new RegoFormatter(module, tokens, comments, options).format();
}
