/**
 * The Rego abstract syntax tree: what the parser produces and the compiler consumes.
 * It follows OPA's own AST closely (terms, expressions, rules, modules) so that OPA's
 * documentation of those concepts applies here unchanged.
 */

/** Where a node starts in its source file. Lines and columns count from 1. */
export interface Location {
  file: string;
  line: number;
  col: number;
}

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | CallTerm;

export interface NullTerm {
  type: 'null';
  loc: Location;
}
export interface BooleanTerm {
  type: 'boolean';
  value: boolean;
  loc: Location;
}
/** `raw` is the literal's source text (Rego numbers are arbitrary precision). */
export interface NumberTerm {
  type: 'number';
  raw: string;
  loc: Location;
}
/** Both `"quoted"` and `` `raw` `` strings; `value` is the decoded text. */
export interface StringTerm {
  type: 'string';
  value: string;
  loc: Location;
}
/** A variable, `_` included (the parser renames each `_` to a fresh `$wildcardN`). */
export interface VarTerm {
  type: 'var';
  name: string;
  loc: Location;
}
/**
 * `head.a[x]["b"]`: `head` is a var (`input`, `data`, a local, an import alias) or any other
 * term (`[1,2][i]`, `f(x).y`); each `.name` in the path is a string term, each `[t]` the term t.
 */
export interface RefTerm {
  type: 'ref';
  head: Term;
  path: Term[];
  loc: Location;
}
export interface ArrayTerm {
  type: 'array';
  items: Term[];
  loc: Location;
}
export interface ObjectTerm {
  type: 'object';
  items: Array<[Term, Term]>;
  loc: Location;
}
export interface SetTerm {
  type: 'set';
  items: Term[];
  loc: Location;
}
export interface ArrayComprehension {
  type: 'arraycompr';
  term: Term;
  body: Expr[];
  loc: Location;
}
export interface SetComprehension {
  type: 'setcompr';
  term: Term;
  body: Expr[];
  loc: Location;
}
export interface ObjectComprehension {
  type: 'objectcompr';
  key: Term;
  value: Term;
  body: Expr[];
  loc: Location;
}
/**
 * A call of a builtin or a user function, operators included, named as OPA names them:
 * `x := y` assign, `x = y` eq (unification), `==` equal, `!=` neq, `<` lt, `<=` lte, `>` gt,
 * `>=` gte, `+` plus, `-` minus, `*` mul, `/` div, `%` rem, `&` and, `|` or,
 * `x in xs` internal.member_2, `k, v in xs` internal.member_3, unary `-x` is minus(0, x)
 * folded into a negative number literal when x is a number literal.
 * `name` is the dotted path as written (`count`, `io.jwt.decode`, `data.lib.f`, `lib.f` through an import).
 */
export interface CallTerm {
  type: 'call';
  name: string[];
  args: Term[];
  loc: Location;
  nameLoc: Location;
}

/** `with target as value` attached to an expression. `target` is a ref to input or data. */
export interface WithModifier {
  target: RefTerm;
  value: Term;
  loc: Location;
}

export type Expr = TermExpr | SomeDeclExpr | SomeInExpr | EveryExpr;

interface ExprBase {
  loc: Location;
  /** `not expr` */
  negated: boolean;
  with: WithModifier[];
}
/** A plain expression: a term (`input.x`, `true`) or a call term (`x == 1`, `count(y) > 2`). */
export interface TermExpr extends ExprBase {
  type: 'term';
  term: Term;
}
/** `some x, y` (declares locals). */
export interface SomeDeclExpr extends ExprBase {
  type: 'some';
  vars: VarTerm[];
}
/** `some v in xs` / `some k, v in xs`: `key`, `value` may be any term pattern (`some [a, b] in xs`). */
export interface SomeInExpr extends ExprBase {
  type: 'somein';
  key?: Term;
  value: Term;
  collection: Term;
}
/** `every v in xs { ... }` / `every k, v in xs { ... }` */
export interface EveryExpr extends ExprBase {
  type: 'every';
  key?: VarTerm;
  value: VarTerm;
  domain: Term;
  body: Expr[];
}

/**
 * A rule head. `ref` is the rule's path below its package: `p` is [var p]; `a.b.c` is
 * [var a, string b, string c]; `p[x].y` is [var p, var x, string y].
 * - complete rule: `p := 1`, `p = 1`, `p if ...` (value true), `default p := false`
 * - partial set: `p contains x`, v0 `p[x] { ... }` (`key` set, `value` absent)
 * - partial object / ref head with variables: `p[k] := v`, `p[x].y := v` (vars inside `ref`)
 * - function: `f(x) := y`, `f(x) if ...` (`args` set)
 */
export interface RuleHead {
  ref: Term[];
  kind: 'complete' | 'partial-set' | 'partial-object' | 'function';
  args?: Term[];
  /** The element of a partial set rule. */
  key?: Term;
  /** The value; absent means `true` (complete rules and functions) or "not a value rule" (sets). */
  value?: Term;
  /** `:=` (true) or `=` (false); matters only for error messages. */
  assign: boolean;
  loc: Location;
}

export interface Rule {
  head: RuleHead;
  /** Empty body means `true`. */
  body: Expr[];
  default: boolean;
  /** `else [= value] [if] { body }` chain of a complete rule or function. */
  else?: ElseClause;
  loc: Location;
}

export interface ElseClause {
  /** Absent means `true`. */
  value?: Term;
  body: Expr[];
  else?: ElseClause;
  loc: Location;
}

export interface Import {
  /** `data.x.y`, `input.x`, `future.keywords.in`, `rego.v1`, as path segments. */
  path: string[];
  alias?: string;
  loc: Location;
}

export interface Module {
  file: string;
  /** Package path below `data`: `package a.b` is ['a', 'b']. */
  package: string[];
  packageLoc: Location;
  imports: Import[];
  rules: Rule[];
  /** The syntax the module was parsed with (v0 when `v0Compatible` was asked for and no `rego.v1` import). */
  syntax: 'v0' | 'v1';
  /** `# METADATA` blocks, in source order (absent when there are none). */
  annotations?: Annotation[];
}

export type AnnotationScope = 'rule' | 'document' | 'package' | 'subpackages';

/**
 * A `# METADATA` comment block: YAML attached to the statement after it (the package or a rule). `value` is what
 * `rego.metadata.rule()` returns for it, OPA's annotation object (scope, title, description, organizations,
 * related_resources, authors, schemas, entrypoint, custom, as present).
 */
export interface Annotation {
  scope: AnnotationScope;
  value: Record<string, unknown>;
  /** The rule it is attached to; absent for package and subpackages scopes. */
  rule?: Rule;
  /** Where `# METADATA` stands. */
  loc: Location;
}
