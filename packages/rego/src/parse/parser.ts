/**
 * A recursive-descent parser for Rego (OPA 1.x syntax, plus v0 syntax on request).
 *
 * Operator precedence follows OPA's parser, loosest first:
 *   `:=` `=`  <  `in`  <  `==` `!=` `<` `<=` `>` `>=`  <  `|`  <  `&`  <  `+` `-`  <  `*` `/` `%`
 * All binary operators are left-associative.
 *
 * The parser backtracks (by resetting its token index) only where Rego is ambiguous:
 * `[a | b]` (comprehension or `or` call), `k, v in xs` versus `some x, y`, and `p if {...}`
 * (a braced body or an expression that starts with an object/set literal).
 */
import type {
  CallTerm,
  ElseClause,
  EveryExpr,
  Expr,
  Import,
  Location,
  Module,
  RefTerm,
  Rule,
  RuleHead,
  Term,
  VarTerm,
  WithModifier,
} from './ast';
import { ParseFailure } from './failure';
import { tokenize, type Comment, type Token } from './lexer';
import { parseAnnotations } from './annotations';

/** Keywords in every Rego version. */
const BASE_KEYWORDS = ['not', 'package', 'import', 'as', 'default', 'else', 'with', 'null', 'true', 'false', 'some'];
/** Keywords of v1 that v0 modules enable with `import future.keywords[.kw]`. */
export const FUTURE_KEYWORDS = ['in', 'every', 'if', 'contains'];
/** The roots an import path may start with. */
const IMPORT_ROOTS = new Set(['data', 'input', 'future', 'rego']);

const RELATION_OPS: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const ARITH_OPS: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };
const MEMBER_2 = ['internal', 'member_2'];
const MEMBER_3 = ['internal', 'member_3'];

/** Syntax facts about a rule or else clause, checked against v1's rules once the module is parsed. */
interface RuleFacts {
  loc: Location;
  isFunction: boolean;
  hasIf: boolean;
  hasBody: boolean;
  usesContains: boolean;
  partialSet: boolean;
  /** Neither a value nor a body was written (`p.q.r`, `f(x)` alone). */
  bare: boolean;
}

interface Mark {
  pos: number;
  wildcards: number;
}

export class Parser {
  private readonly toks: Token[];
  private pos = 0;
  private wildcards = 0;
  private readonly keywords: Set<string>;
  private syntax: 'v0' | 'v1';
  private readonly facts: RuleFacts[] = [];
  private readonly comments: Comment[] = [];

  constructor(
    source: string,
    private readonly file: string,
    syntax: 'v0' | 'v1',
  ) {
    this.toks = tokenize(source, file, this.comments);
    this.syntax = syntax;
    this.keywords = new Set(syntax === 'v1' ? [...BASE_KEYWORDS, ...FUTURE_KEYWORDS] : BASE_KEYWORDS);
  }

  // ---------------------------------------------------------------- token helpers

  private get tok(): Token {
    return this.toks[this.pos];
  }

  private next(): Token {
    const t = this.toks[this.pos];
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private loc(t: Token = this.tok): Location {
    return { file: this.file, line: t.line, col: t.col };
  }

  private fail(text: string, at: Token | Location = this.tok): never {
    throw new ParseFailure(text, 'kind' in at ? this.loc(at) : at);
  }

  private unexpected(expected: string, t: Token = this.tok): never {
    this.fail(`unexpected ${describe(t)}, expected ${expected}`, t);
  }

  private isPunct(text: string, t: Token = this.tok): boolean {
    return t.kind === 'punct' && t.text === text;
  }

  private expectPunct(text: string): Token {
    if (!this.isPunct(text)) this.unexpected(`'${text}'`);
    return this.next();
  }

  /**
   * Is the current token the keyword `word`? A keyword written directly before `.` or `[`
   * is a name instead (`else.x := 1`, `not[0]`), as OPA allows keywords in refs.
   */
  private isKeyword(word: string, at = this.pos): boolean {
    const t = this.toks[at];
    return t.kind === 'ident' && t.text === word && this.keywords.has(word) && !this.startsRef(at);
  }

  private startsRef(at: number): boolean {
    const after = this.toks[at + 1];
    return !after.spaced && after.kind === 'punct' && (after.text === '.' || after.text === '[');
  }

  /** Keywords that cannot start a term. `contains` is only a keyword in rule heads. */
  private isTermKeyword(at: number): boolean {
    const t = this.toks[at];
    return t.text !== 'contains' && this.keywords.has(t.text) && !this.startsRef(at);
  }

  private mark(): Mark {
    return { pos: this.pos, wildcards: this.wildcards };
  }

  private reset(m: Mark): void {
    this.pos = m.pos;
    this.wildcards = m.wildcards;
  }

  // ---------------------------------------------------------------- module

  parseModule(): Module {
    if (!this.isKeyword('package')) this.unexpected('package declaration');
    const pkgTok = this.next();
    const pkg = this.parsePackagePath();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.tok.kind !== 'eof') {
      if (this.isKeyword('package')) this.fail('unexpected second package declaration');
      if (this.isKeyword('import')) {
        imports.push(this.parseImport());
        continue;
      }
      for (const rule of this.parseRules()) rules.push(rule);
    }
    if (this.syntax === 'v1') this.checkV1Facts();
    const module: Module = { file: this.file, package: pkg, packageLoc: this.loc(pkgTok), imports, rules, syntax: this.syntax };
    const annotations = parseAnnotations(this.comments, module);
    return annotations.length > 0 ? { ...module, annotations } : module;
  }

  /** `package a.b["c"]`: a dotted name whose parts are all strings. */
  private parsePackagePath(): string[] {
    if (this.tok.kind !== 'ident') this.unexpected('package name');
    return this.parseDottedPath();
  }

  private parseImport(): Import {
    const importTok = this.next();
    const first = this.tok;
    if (first.kind !== 'ident') this.unexpected('import path');
    if (!IMPORT_ROOTS.has(first.text)) {
      this.fail(`unexpected import path, must begin with one of: data, future, input, rego, got: ${first.text}`, first);
    }
    const path = this.parseDottedPath();
    let alias: string | undefined;
    if (this.isKeyword('as')) {
      this.next();
      const a = this.tok;
      if (a.kind !== 'ident' || this.keywords.has(a.text)) this.unexpected("alias name after 'as'");
      alias = this.next().text;
    }
    const loc = this.loc(importTok);
    if (path[0] === 'future') this.applyFutureImport(path, alias, loc);
    else if (path[0] === 'rego') this.applyRegoImport(path, alias, loc);
    else if (alias === undefined && path.length > 1 && this.keywords.has(path[path.length - 1])) {
      this.fail(`unexpected import path, must not end with a keyword, got: ${path[path.length - 1]}`, loc);
    }
    return alias === undefined ? { path, loc } : { path, alias, loc };
  }

  /** A package or import path: a name, then `.name` and `["string"]` parts. */
  private parseDottedPath(): string[] {
    const path = [this.next().text];
    for (;;) {
      const t = this.tok;
      if (t.spaced || t.kind !== 'punct') break;
      if (t.text === '.') {
        this.next();
        if (this.tok.kind !== 'ident' || this.tok.spaced) this.unexpected("name after '.'");
        path.push(this.next().text);
      } else if (t.text === '[') {
        this.next();
        const s = this.tok;
        if (s.kind !== 'string' && s.kind !== 'rawstring') this.unexpected('string in path');
        path.push(this.next().value);
        this.expectPunct(']');
      } else break;
    }
    return path;
  }

  private applyFutureImport(path: string[], alias: string | undefined, loc: Location): void {
    if (alias !== undefined) this.fail('`future` imports cannot be aliased', loc);
    if (path.length < 2 || path[1] !== 'keywords' || path.length > 3) {
      this.fail(`invalid import ${path.join('.')}, must be \`future.keywords\` or \`future.keywords.<keyword>\``, loc);
    }
    if (path.length === 2) {
      for (const kw of FUTURE_KEYWORDS) this.keywords.add(kw);
      return;
    }
    const kw = path[2];
    if (!FUTURE_KEYWORDS.includes(kw)) {
      this.fail(`unexpected keyword ${kw} in import, must be one of: ${FUTURE_KEYWORDS.join(', ')}`, loc);
    }
    this.keywords.add(kw);
    // `every x in xs` is written with `in`, so importing `every` alone must make it usable.
    if (kw === 'every') this.keywords.add('in');
  }

  private applyRegoImport(path: string[], alias: string | undefined, loc: Location): void {
    if (alias !== undefined) this.fail('`rego` imports cannot be aliased', loc);
    if (path.length !== 2 || path[1] !== 'v1') this.fail(`invalid import ${path.join('.')}, must be \`rego.v1\``, loc);
    this.syntax = 'v1';
    for (const kw of FUTURE_KEYWORDS) this.keywords.add(kw);
  }

  // ---------------------------------------------------------------- rules

  /** One rule statement; `p { a } { b }` (v0) yields one rule per body. */
  private parseRules(): Rule[] {
    const startTok = this.tok;
    const ruleLoc = this.loc(startTok);
    let isDefault = false;
    if (this.isKeyword('default')) {
      this.next();
      isDefault = true;
    }
    const nameTok = this.tok;
    if (nameTok.kind !== 'ident' || (this.keywords.has(nameTok.text) && !this.startsRef(this.pos))) {
      this.unexpected(isDefault ? "rule name after 'default'" : 'rule, import or end of file');
    }
    const head = this.parseHeadRef();
    let usesContains = false;

    if (this.isKeyword('contains')) {
      if (head.args) {
        this.fail(
          `the contains keyword can only be used with multi-value rule definitions (e.g., ${headName(head)} contains <VALUE> { ... })`,
        );
      }
      this.next();
      head.key = this.parseTermIn(true);
      head.kind = 'partial-set';
      usesContains = true;
    } else if (this.isPunct(':=') || this.isPunct('=')) {
      head.assign = this.next().text === ':=';
      head.value = this.parseTermIn(true);
    } else if (this.tok.kind === 'punct' && !this.tok.newline && !this.isPunct('{')) {
      this.unexpected("':=', '=', 'if' or '{' after the rule head");
    }

    this.checkInactiveKeyword();
    if (isDefault) return [this.finishDefault(head, ruleLoc)];

    const hasIf = this.isKeyword('if');
    const hasBrace = !hasIf && this.isPunct('{');
    const hasBody = hasIf || hasBrace;
    if (!hasBody && !usesContains) this.checkBareHead(head, startTok);
    classifyHead(head, hasIf, usesContains);

    let body: Expr[] = [];
    if (hasIf) {
      this.next();
      body = this.parseIfBody();
    } else if (hasBrace) {
      body = this.parseBraceBody();
    }
    this.facts.push({
      loc: ruleLoc,
      isFunction: head.kind === 'function',
      hasIf,
      hasBody,
      usesContains,
      partialSet: head.kind === 'partial-set',
      // A function head with arguments and neither value nor body (`f("a", 0)`) is true for those arguments:
      // OPA's v1 check only refuses a rule whose value and body are both generated, and a function's `true` is not.
      bare: !hasBody && !usesContains && head.value === undefined && head.key === undefined && !(head.args && head.args.length > 0),
    });

    const rule: Rule = { head, body, default: false, loc: ruleLoc };
    if (hasBody && this.isKeyword('else')) {
      if (head.kind === 'partial-set') this.fail('else keyword cannot be used on multi-value rules');
      if (head.kind === 'partial-object') this.fail('else keyword cannot be used on rules with variables in head');
      rule.else = this.parseElse();
    }
    const rules = [rule];
    // v0 allows several bodies for one head: `p { a } { b }` means `p { a }` and `p { b }`.
    while (hasBody && this.isPunct('{')) {
      if (rule.else) this.fail('expected else keyword');
      const bodyLoc = this.loc();
      const extra = this.parseBraceBody();
      rules.push({ head: this.copyHead(head), body: extra, default: false, loc: bodyLoc });
    }
    return rules;
  }

  /** `p if { ... }` in a v0 module without the import that makes `if` a keyword: say so. */
  private checkInactiveKeyword(): void {
    const t = this.tok;
    if (t.kind === 'ident' && !t.newline && FUTURE_KEYWORDS.includes(t.text) && !this.keywords.has(t.text)) {
      this.fail(
        `unexpected identifier '${t.text}': \`${t.text}\` is a keyword only with \`import rego.v1\` or \`import future.keywords.${t.text}\``,
      );
    }
  }

  /** A rule without value nor body is only `p.q.r`, `p[x]` (v0) or `f(x)` (v0); `p` alone is not a rule. */
  private checkBareHead(head: RuleHead, startTok: Token): void {
    if (head.value !== undefined || head.args) return;
    if (head.ref.length === 1) {
      this.fail(`rule ${headName(head)} needs a value (:= or =) or a body (if ...)`, startTok);
    }
  }

  /** The head's name and path: `p`, `a.b.c`, `p[x].y`, `f(x, y)`, `a.b.f(x)`. */
  private parseHeadRef(): RuleHead {
    const nameTok = this.next();
    const ref: Term[] = [this.varTerm(nameTok)];
    const head: RuleHead = { ref, kind: 'complete', assign: false, loc: this.loc(nameTok) };
    for (;;) {
      const t = this.tok;
      // OPA tolerates a space between the name and the first `[` or `(`, not a line break.
      if (t.kind !== 'punct' || t.newline || (t.spaced && ref.length > 1)) break;
      if (t.text === '.') {
        if (t.spaced) break;
        this.next();
        const name = this.tok;
        if (name.kind !== 'ident' || name.spaced) this.unexpected("name after '.'");
        this.next();
        ref.push({ type: 'string', value: name.text, loc: this.loc(name) });
      } else if (t.text === '[') {
        this.next();
        ref.push(this.parseTermIn(false));
        this.expectPunct(']');
      } else if (t.text === '(') {
        this.next();
        head.args = this.parseTermList(')', []);
        head.kind = 'function';
        break;
      } else break;
    }
    return head;
  }

  private finishDefault(head: RuleHead, loc: Location): Rule {
    if (head.value === undefined && head.kind !== 'partial-set') {
      // `default p` with no value means `default p := true`, as in OPA; `default p[x]` has no meaning.
      if (head.ref.length === 2 && !head.args) this.fail('illegal default rule (must have a value)', loc);
    }
    if (head.kind === 'partial-set') this.fail('illegal default rule (must not be a multi-value rule)', loc);
    if (head.value !== undefined) {
      const bad = findNonConstant(head.value);
      if (bad) this.fail(`illegal default rule (value cannot contain ${bad})`, loc);
    }
    for (const arg of head.args ?? []) {
      if (arg.type !== 'var') this.fail(`illegal default function (arguments must be variables, got ${termKind(arg)})`, arg.loc);
    }
    if (head.kind !== 'function') head.kind = isGroundPath(head.ref) ? 'complete' : 'partial-object';
    if (this.isKeyword('if') || this.isPunct('{')) this.fail('default rules cannot have a body');
    return { head, body: [], default: true, loc };
  }

  /** After `if`: a braced body, or a single literal (`p if x > 1`). */
  private parseIfBody(): Expr[] {
    if (!this.isPunct('{')) {
      return [this.parseLiteral()];
    }
    const m = this.mark();
    // `p if { x | body }` is a set (or object) comprehension as the only literal, not a body holding `x | body`.
    try {
      const literal = this.parseLiteral();
      if (literal.type === 'term' && (literal.term.type === 'setcompr' || literal.term.type === 'objectcompr')) {
        return [literal];
      }
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
    }
    this.reset(m);
    try {
      return this.parseBraceBody();
    } catch (bodyError) {
      if (!(bodyError instanceof ParseFailure)) throw bodyError;
      // `p if {"a": 1}[k] == 1`: a literal that starts with an object or set.
      this.reset(m);
      try {
        const literal = this.parseLiteral();
        if (literal.type === 'term' && literal.term.type === 'set') throw bodyError;
        return [literal];
      } catch (literalError) {
        if (literalError instanceof ParseFailure) throw bodyError;
        throw literalError;
      }
    }
  }

  private parseBraceBody(): Expr[] {
    this.expectPunct('{');
    const body = this.parseQuery('}');
    this.next();
    return body;
  }

  /** `else [= value] [if] [{ body } | literal]`, possibly chained. */
  private parseElse(): ElseClause {
    const elseTok = this.next();
    const clause: ElseClause = { body: [], loc: this.loc(elseTok) };
    if (this.isPunct(':=') || this.isPunct('=')) {
      this.next();
      clause.value = this.parseTermIn(true);
    } else if (!this.isKeyword('if') && !this.isPunct('{')) {
      this.unexpected('else value term or rule body');
    }
    const hasIf = this.isKeyword('if');
    let hasBody = false;
    if (hasIf) {
      this.next();
      hasBody = true;
      if (this.tok.kind === 'eof') this.unexpected('rule body');
      clause.body = this.parseIfBody();
    } else if (this.isPunct('{')) {
      hasBody = true;
      clause.body = this.parseBraceBody();
    }
    this.facts.push({
      loc: clause.loc,
      isFunction: false,
      hasIf,
      hasBody,
      usesContains: false,
      partialSet: false,
      bare: false,
    });
    if (this.isKeyword('else')) clause.else = this.parseElse();
    return clause;
  }

  /** The head of an extra v0 body: a copy, with fresh wildcards in its arguments. */
  private copyHead(head: RuleHead): RuleHead {
    const copy = structuredClone(head);
    if (copy.args) copy.args = copy.args.map((a) => (a.type === 'var' && a.name.startsWith('$wildcard') ? this.wildcard(a.loc) : a));
    return copy;
  }

  /** The checks OPA applies to v1 modules (and to v0 modules importing `rego.v1`). */
  private checkV1Facts(): void {
    for (const f of this.facts) {
      const what = f.isFunction ? 'function' : 'rule';
      if (f.hasBody && !f.hasIf) throw new ParseFailure(`\`if\` keyword is required before ${what} body`, f.loc);
      if (f.partialSet && !f.usesContains) {
        throw new ParseFailure('`contains` keyword is required for partial set rules', f.loc);
      }
      if (f.bare) throw new ParseFailure(`${what} must have value assignment and/or body declaration`, f.loc);
    }
  }

  /** A whole source that is one query. */
  parseWholeQuery(): Expr[] {
    return this.parseQuery('eof');
  }

  /** A whole source that is one term. */
  parseWholeTerm(): Term {
    const term = this.parseTermIn(true);
    if (this.tok.kind !== 'eof') this.unexpected('end of term');
    return term;
  }

  // ---------------------------------------------------------------- bodies and literals

  /** Literals separated by `;` or line breaks, up to (not including) `end` ('}', ']' or eof). */
  parseQuery(end: '}' | ']' | 'eof'): Expr[] {
    const atEnd = (): boolean => (end === 'eof' ? this.tok.kind === 'eof' : this.isPunct(end));
    if (atEnd()) this.fail('found empty body');
    const body: Expr[] = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (this.isPunct(';')) {
        this.next();
        continue;
      }
      if (atEnd()) return body;
      if (!this.tok.newline) {
        this.checkInactiveKeyword();
        this.unexpected(end === 'eof' ? "';' or a new line" : `';', a new line or '${end}'`);
      }
    }
  }

  parseLiteral(): Expr {
    const startTok = this.tok;
    const loc = this.loc(startTok);
    let negated = false;
    if (this.isKeyword('not')) {
      this.next();
      negated = true;
    }
    let expr: Expr;
    if (this.isKeyword('some')) {
      if (negated) this.fail("illegal negation of 'some'");
      expr = this.parseSome(loc);
    } else if (this.isKeyword('every')) {
      if (negated) this.fail("illegal negation of 'every'");
      expr = this.parseEvery(loc);
    } else {
      expr = { type: 'term', term: this.parseExprTerm(), negated, with: [], loc };
    }
    while (this.isKeyword('with')) expr.with.push(this.parseWith());
    return expr;
  }

  /** `lhs [:= | = rhs]` */
  private parseExprTerm(): Term {
    const lhs = this.parseTermIn(true);
    if (this.isPunct(':=') || this.isPunct('=')) {
      const op = this.next();
      const rhs = this.parseTermIn(true);
      // v0 lets a body declare a local named input or data (`input := 1`), shadowing the document.
      const target = op.text === ':=' && this.syntax === 'v0' && lhs.type === 'ref' && lhs.path.length === 0 ? lhs.head : lhs;
      return this.call(op.text === ':=' ? ['assign'] : ['eq'], [target, rhs], lhs.loc, this.loc(op));
    }
    return lhs;
  }

  private parseWith(): WithModifier {
    const withTok = this.next();
    const t = this.tok;
    if (t.kind !== 'ident' || this.isTermKeyword(this.pos)) this.unexpected('with target path');
    const target = this.parseTerm();
    let ref: RefTerm;
    if (target.type === 'var') ref = { type: 'ref', head: target, path: [], loc: target.loc };
    else if (target.type === 'ref' && target.head.type === 'var') ref = target;
    else this.fail('expected with target path', t);
    if (!this.isKeyword('as')) this.unexpected("'as'");
    this.next();
    const value = this.parseTermIn(true);
    return { target: ref, value, loc: this.loc(withTok) };
  }

  /** `some x, y` or `some [k,] v in xs`. */
  private parseSome(loc: Location): Expr {
    this.next();
    const m = this.mark();
    const term = this.parseTermIn(true);
    if (term.type === 'call' && isMember(term)) {
      if (term.args.length === 2) return { type: 'somein', value: term.args[0], collection: term.args[1], negated: false, with: [], loc };
      return { type: 'somein', key: term.args[0], value: term.args[1], collection: term.args[2], negated: false, with: [], loc };
    }
    this.reset(m);
    const vars: VarTerm[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'ident' || this.keywords.has(t.text)) this.unexpected("variable name after 'some'");
      this.next();
      vars.push(this.varTerm(t));
      if (!this.isPunct(',')) break;
      this.next();
    }
    return { type: 'some', vars, negated: false, with: [], loc };
  }

  /** `every [k,] v in xs { body }` */
  private parseEvery(loc: Location): Expr {
    this.next();
    const startTok = this.tok;
    const term = this.parseTermIn(true);
    if (term.type !== 'call' || !isMember(term)) this.fail('expected `x[, y] in xs { ... }` expression', startTok);
    const [first, second, third] = term.args;
    const value = third ? second : first;
    const key = third ? first : undefined;
    const domain = third ?? second;
    if (key && key.type !== 'var') this.fail('expected key to be a variable', key.loc);
    if (value.type !== 'var') this.fail('expected value to be a variable', value.loc);
    if (!this.isPunct('{')) this.unexpected("'{' to start the body of every");
    const body = this.parseBraceBody();
    const expr: EveryExpr = { type: 'every', value, domain, body, negated: false, with: [], loc };
    if (key) expr.key = key;
    return expr;
  }

  // ---------------------------------------------------------------- terms and operators

  /** `a in b`, and `k, v in b` when `keyVal` (not inside lists, where `,` separates items). */
  parseTermIn(keyVal: boolean): Term {
    let lhs = this.parseBinary(0);
    if (keyVal && this.isPunct(',')) {
      const m = this.mark();
      this.next();
      let mhs: Term | undefined;
      try {
        mhs = this.parseBinary(0);
      } catch (e) {
        if (!(e instanceof ParseFailure)) throw e;
      }
      if (mhs && this.isKeyword('in')) {
        const op = this.next();
        const rhs = this.parseBinary(0);
        lhs = this.call(MEMBER_3, [lhs, mhs, rhs], lhs.loc, this.loc(op));
      } else {
        this.reset(m);
      }
    }
    while (this.isKeyword('in')) {
      const op = this.next();
      const rhs = this.parseBinary(0);
      lhs = this.call(MEMBER_2, [lhs, rhs], lhs.loc, this.loc(op));
    }
    return lhs;
  }

  /** Binary operators by level: 0 relations, 1 `|`, 2 `&`, 3 `+ -`, 4 `* / %`. */
  private parseBinary(level: number): Term {
    if (level > 4) return this.parseTerm();
    let lhs = this.parseBinary(level + 1);
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'punct') return lhs;
      const name = operatorAt(level, t.text);
      if (name === undefined) return lhs;
      this.next();
      const rhs = this.parseBinary(level + 1);
      lhs = this.call([name], [lhs, rhs], lhs.loc, this.loc(t));
    }
  }

  /** A single term with its `.x`, `[y]` and `(args)` suffixes. */
  parseTerm(): Term {
    const t = this.tok;
    const loc = this.loc(t);
    let term: Term;
    switch (t.kind) {
      case 'ident':
        if (this.isTermKeyword(this.pos)) {
          if (t.text === 'null') term = { type: 'null', loc };
          else if (t.text === 'true' || t.text === 'false') term = { type: 'boolean', value: t.text === 'true', loc };
          else this.unexpected('expression');
          this.next();
          // A literal is never followed by a ref suffix (`true.x` means nothing).
          return term;
        }
        this.next();
        term = this.varTerm(t);
        break;
      case 'number':
        this.next();
        term = { type: 'number', raw: t.text, loc };
        break;
      case 'string':
      case 'rawstring':
        this.next();
        term = { type: 'string', value: t.value, loc };
        break;
      case 'punct':
        if (t.text === '-') return this.parseNegation();
        if (t.text === '[') term = this.parseArray();
        else if (t.text === '{') term = this.parseBraces();
        else if (t.text === '(') {
          this.next();
          term = this.parseTermIn(true);
          if (!this.isPunct(')')) this.unexpected("')'");
          this.next();
        } else this.unexpected('expression');
        break;
      default:
        this.unexpected('expression');
    }
    return this.parseSuffixes(term);
  }

  /** `-1.5` is a number literal; `-x` is `minus(0, x)`. */
  private parseNegation(): Term {
    const minus = this.next();
    const loc = this.loc(minus);
    const t = this.tok;
    if (t.kind === 'number') {
      this.next();
      return this.parseSuffixes({ type: 'number', raw: `-${t.text}`, loc });
    }
    // As OPA: unary minus applies to a number or to a name (var, ref or call: `-x`, `-input.n`, `-f(x)`),
    // not to other terms (`- -1`, `-(1)`, `-[1]` are errors).
    if (t.kind !== 'ident' || this.isTermKeyword(this.pos)) this.fail('unary minus must be followed by a number or a name', t);
    const operand = this.parseTerm();
    return this.call(['minus'], [{ type: 'number', raw: '0', loc }, operand], loc, loc);
  }

  private parseSuffixes(head: Term): Term {
    let term = head;
    for (;;) {
      const t = this.tok;
      if (t.spaced || t.kind !== 'punct') break;
      if (t.text === '.') {
        this.next();
        const name = this.tok;
        if (name.kind !== 'ident' || name.spaced) this.unexpected("name after '.'");
        this.next();
        term = appendPath(term, { type: 'string', value: name.text, loc: this.loc(name) });
      } else if (t.text === '[') {
        this.next();
        const index = this.parseTermIn(false);
        this.expectPunct(']');
        term = appendPath(term, index);
      } else if (t.text === '(') {
        const name = callName(term);
        if (!name) this.fail('illegal call: only names such as f, lib.f or data.lib.f can be called', t);
        this.next();
        const args = this.parseTermList(')', []);
        // `set()` is the empty set: `{}` is the empty object.
        if (args.length === 0 && name.length === 1 && name[0] === 'set') term = { type: 'set', items: [], loc: term.loc };
        else term = this.call(name, args, term.loc, term.loc);
      } else break;
    }
    // `input` and `data` alone are refs to the whole document, as in OPA.
    if (term.type === 'var' && (term.name === 'input' || term.name === 'data')) {
      return { type: 'ref', head: term, path: [], loc: term.loc };
    }
    return term;
  }

  /** Items up to `end`, separated by commas; a trailing comma is allowed. */
  private parseTermList(end: ')' | ']' | '}', items: Term[]): Term[] {
    for (;;) {
      if (this.isPunct(end)) {
        this.next();
        return items;
      }
      items.push(this.parseTermIn(false));
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      if (this.isPunct(end)) {
        this.next();
        return items;
      }
      this.unexpected(`',' or '${end}'`);
    }
  }

  /**
   * `[...]`: an array or an array comprehension. As in OPA, `[a | b]` is a comprehension
   * when the part before `|` is a single term and the rest parses as a body.
   */
  private parseArray(): Term {
    const open = this.next();
    const loc = this.loc(open);
    if (this.isPunct(']')) {
      this.next();
      return { type: 'array', items: [], loc };
    }
    const m = this.mark();
    const head = this.parseTerm();
    if (this.isPunct('|')) {
      return this.comprehensionOr(
        ']',
        m,
        (body) => ({ type: 'arraycompr', term: head, body, loc }),
        () => ({ type: 'array', items: this.parseTermList(']', []), loc }),
      );
    }
    this.reset(m);
    return { type: 'array', items: this.parseTermList(']', []), loc };
  }

  /**
   * At the `|` after a collection's first term: the comprehension body up to `close`. When that
   * does not parse, backtracks to `m` and reads the plain collection instead (`|` is also set union, so
   * `{a | b}` may be a set holding one union); when that fails too, the comprehension's error is the one reported.
   */
  private comprehensionOr(close: '}' | ']', m: Mark, comprehension: (body: Expr[]) => Term, plain: () => Term): Term {
    this.next();
    let comprError: ParseFailure;
    try {
      const body = this.parseQuery(close);
      this.next();
      return comprehension(body);
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      comprError = e;
    }
    this.reset(m);
    try {
      return plain();
    } catch (e) {
      if (e instanceof ParseFailure) throw comprError;
      throw e;
    }
  }

  /** `{...}`: an object, a set, or a set or object comprehension. */
  private parseBraces(): Term {
    const open = this.next();
    const loc = this.loc(open);
    if (this.isPunct('}')) {
      this.next();
      return { type: 'object', items: [], loc };
    }
    const m = this.mark();
    const head = this.parseTerm();
    if (this.isPunct('|')) {
      return this.comprehensionOr(
        '}',
        m,
        (body) => ({ type: 'setcompr', term: head, body, loc }),
        () => this.parseSetOrObjectItems(loc),
      );
    }
    if (this.isPunct(':')) return this.parseObjectFrom(head, loc, true);
    this.reset(m);
    return this.parseSetOrObjectItems(loc);
  }

  private parseSetOrObjectItems(loc: Location): Term {
    const first = this.parseTermIn(false);
    if (this.isPunct(':')) return this.parseObjectFrom(first, loc, true);
    const items = [first];
    if (this.isPunct(',')) {
      this.next();
      return { type: 'set', items: this.parseTermList('}', items), loc };
    }
    if (!this.isPunct('}')) this.unexpected("',' or '}'");
    this.next();
    return { type: 'set', items, loc };
  }

  /** After the first key of an object (current token `:`): the rest, or `{k: v | body}`. */
  private parseObjectFrom(key: Term, loc: Location, mayBeComprehension: boolean): Term {
    this.next();
    const m = this.mark();
    let value = this.parseTerm();
    if (mayBeComprehension && this.isPunct('|')) {
      const head = value;
      return this.comprehensionOr(
        '}',
        m,
        (body) => ({ type: 'objectcompr', key, value: head, body, loc }),
        () => this.parseObjectRest(key, this.parseTermIn(false), loc),
      );
    }
    if (!this.isPunct(',') && !this.isPunct('}')) {
      this.reset(m);
      value = this.parseTermIn(false);
    }
    return this.parseObjectRest(key, value, loc);
  }

  private parseObjectRest(firstKey: Term, firstValue: Term, loc: Location): Term {
    const items: Array<[Term, Term]> = [[firstKey, firstValue]];
    for (;;) {
      if (this.isPunct('}')) break;
      if (!this.isPunct(',')) this.unexpected("',' or '}'");
      this.next();
      if (this.isPunct('}')) break;
      const k = this.parseTermIn(false);
      this.expectPunct(':');
      const v = this.parseTermIn(false);
      items.push([k, v]);
    }
    this.next();
    return { type: 'object', items, loc };
  }

  // ---------------------------------------------------------------- term builders

  private varTerm(t: Token): VarTerm {
    if (t.text === '_') return this.wildcard(this.loc(t));
    return { type: 'var', name: t.text, loc: this.loc(t) };
  }

  private wildcard(loc: Location): VarTerm {
    return { type: 'var', name: `$wildcard${this.wildcards++}`, loc };
  }

  private call(name: string[], args: Term[], loc: Location, nameLoc: Location): CallTerm {
    return { type: 'call', name, args, loc, nameLoc };
  }
}

// ---------------------------------------------------------------- helpers

function operatorAt(level: number, text: string): string | undefined {
  switch (level) {
    case 0:
      return RELATION_OPS[text];
    case 1:
      return text === '|' ? 'or' : undefined;
    case 2:
      return text === '&' ? 'and' : undefined;
    case 3:
      return ARITH_OPS[text];
    default:
      return FACTOR_OPS[text];
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'string':
    case 'rawstring':
      return `string ${t.text.length > 24 ? `${t.text.slice(0, 21)}...` : t.text}`;
    case 'number':
      return `number ${t.text}`;
    default:
      return `'${t.text}'`;
  }
}

function isMember(call: CallTerm): boolean {
  return call.name.length === 2 && call.name[0] === 'internal' && (call.name[1] === 'member_2' || call.name[1] === 'member_3');
}

/** `x.y` on a term: extends a ref, or makes one whose head is the term. */
function appendPath(term: Term, segment: Term): RefTerm {
  if (term.type === 'ref') {
    term.path.push(segment);
    return term;
  }
  return { type: 'ref', head: term, path: [segment], loc: term.loc };
}

/** The dotted name of a callable term (`f`, `io.jwt.decode`), or undefined. */
function callName(term: Term): string[] | undefined {
  if (term.type === 'var') return [term.name];
  if (term.type !== 'ref' || term.head.type !== 'var') return undefined;
  const name = [term.head.name];
  for (const seg of term.path) {
    if (seg.type !== 'string') return undefined;
    name.push(seg.value);
  }
  return name;
}

function headName(head: RuleHead): string {
  const first = head.ref[0];
  return first.type === 'var' ? first.name : 'rule';
}

/**
 * Rule kinds as OPA decides them (see RuleHead in ast.ts):
 * - `p[x]` with neither value, `if` nor `contains` is a v0 partial set (`p.q { }` too: key "q");
 * - a path with variables (`p[x] := v`, `p[x].y if`) is a partial object;
 * - any other path is a complete rule.
 */
function classifyHead(head: RuleHead, hasIf: boolean, usesContains: boolean): void {
  if (usesContains || head.args) return;
  if (!hasIf && head.ref.length === 2 && head.value === undefined) {
    head.key = head.ref[1];
    head.ref = [head.ref[0]];
    head.kind = 'partial-set';
    return;
  }
  head.kind = isGroundPath(head.ref) ? 'complete' : 'partial-object';
}

function isGroundPath(ref: Term[]): boolean {
  for (let i = 1; i < ref.length; i++) if (!isGround(ref[i])) return false;
  return true;
}

function isGround(term: Term): boolean {
  switch (term.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return term.items.every(isGround);
    case 'object':
      return term.items.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return false;
  }
}

/** The first var, ref or call inside a default value (comprehensions are closed, so allowed). */
function findNonConstant(term: Term): string | undefined {
  switch (term.type) {
    case 'var':
    case 'ref':
    case 'call':
      return termKind(term);
    case 'array':
    case 'set':
      for (const item of term.items) {
        const bad = findNonConstant(item);
        if (bad) return bad;
      }
      return undefined;
    case 'object':
      for (const [k, v] of term.items) {
        const bad = findNonConstant(k) ?? findNonConstant(v);
        if (bad) return bad;
      }
      return undefined;
    default:
      return undefined;
  }
}

function termKind(term: Term): string {
  return term.type;
}
