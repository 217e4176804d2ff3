import { RegoCompileError } from '../../src/errors';
import { parseModule, parseQuery, V0_SYNTAX_HINT } from '../../src/parse';

function errorOf(parse: () => unknown): RegoCompileError {
  try {
    parse();
  } catch (e) {
    if (e instanceof RegoCompileError) return e;
    throw e;
  }
  throw new Error('expected a parse error');
}

const moduleError = (source: string): string => errorOf(() => parseModule(source, 'policy.rego')).message;

describe("parse errors carry file:line:col, OPA's code and a plain message", () => {
  test.each([
    ['', 'policy.rego:1:1: rego_parse_error: unexpected end of file, expected package declaration'],
    ['p := 1', "policy.rego:1:1: rego_parse_error: unexpected 'p', expected package declaration"],
    ['package a\npackage b', 'policy.rego:2:1: rego_parse_error: unexpected second package declaration'],
    ['package a\np := "abc', 'policy.rego:2:6: rego_parse_error: unterminated string'],
    ['package a\np := "abc\n"', 'policy.rego:2:6: rego_parse_error: unterminated string'],
    ['package a\np := "a\\qb"', "policy.rego:2:8: rego_parse_error: invalid escape sequence '\\q'"],
    ['package a\np := "\\u12g4"', 'policy.rego:2:7: rego_parse_error: invalid \\u escape: expected 4 hex digits'],
    ['package a\np := `abc', 'policy.rego:2:6: rego_parse_error: unterminated raw string'],
    ['package a\np := 007', 'policy.rego:2:6: rego_parse_error: expected number without leading zero'],
    ['package a\np := 1e', 'policy.rego:2:6: rego_parse_error: invalid number: exponent has no digits'],
    ['package a\np := @', "policy.rego:2:6: rego_parse_error: illegal character '@'"],
    ['package a\np if {\n  x := 1\n  }}', "policy.rego:4:4: rego_parse_error: unexpected '}', expected rule, import or end of file"],
    ['package a\np if {\n  x :=\n}', "policy.rego:4:1: rego_parse_error: unexpected '}', expected expression"],
    ['package a\n\np if {\n\tx := 1 +\n}', "policy.rego:5:1: rego_parse_error: unexpected '}', expected expression"],
    ['package a\np if { x y }', "policy.rego:2:10: rego_parse_error: unexpected 'y', expected ';', a new line or '}'"],
    ['package a\np if { x', "policy.rego:2:9: rego_parse_error: unexpected end of file, expected ';', a new line or '}'"],
    ['package a\np := [1, 2', "policy.rego:2:11: rego_parse_error: unexpected end of file, expected ',' or ']'"],
    ['package a\np := {1 2}', "policy.rego:2:9: rego_parse_error: unexpected number 2, expected ',' or '}'"],
    ['package a\np := f(1', "policy.rego:2:9: rego_parse_error: unexpected end of file, expected ',' or ')'"],
    ['package a\np := (1 + 2', "policy.rego:2:12: rego_parse_error: unexpected end of file, expected ')'"],
    ['package a\np := input.', "policy.rego:2:12: rego_parse_error: unexpected end of file, expected name after '.'"],
    ['package a\nx == 1', "policy.rego:2:3: rego_parse_error: unexpected '==', expected ':=', '=', 'if' or '{' after the rule head"],
    ['package a\np', 'policy.rego:2:1: rego_parse_error: rule p needs a value (:= or =) or a body (if ...)'],
    ['package a\np if', 'policy.rego:2:5: rego_parse_error: unexpected end of file, expected expression'],
    ['package a\np := [x | ]', 'policy.rego:2:11: rego_parse_error: found empty body'],
    [
      'package a\nimport foo.bar',
      'policy.rego:2:8: rego_parse_error: unexpected import path, must begin with one of: data, future, input, rego, got: foo',
    ],
    [
      'package a\nimport future.keywords.foo',
      'policy.rego:2:1: rego_parse_error: unexpected keyword foo in import, must be one of: in, every, if, contains',
    ],
    ['package a\nimport rego.v2', 'policy.rego:2:1: rego_parse_error: invalid import rego.v2, must be `rego.v1`'],
    ['package a\nimport rego.v1 as r', 'policy.rego:2:1: rego_parse_error: `rego` imports cannot be aliased'],
    // Valid Rego v0 (`if` is no keyword there): the error says so.
    [
      'package a\nimport data.x.if',
      `policy.rego:2:1: rego_parse_error: unexpected import path, must not end with a keyword, got: if; ${V0_SYNTAX_HINT}`,
    ],
    [
      'package a\np contains x if { x := 1 } else := 1',
      'policy.rego:2:28: rego_parse_error: else keyword cannot be used on multi-value rules',
    ],
    [
      'package a\np[x] := 1 if x := 1\nelse := 2',
      'policy.rego:3:1: rego_parse_error: else keyword cannot be used on rules with variables in head',
    ],
    ['package a\np if { a } else := 1 if { b } { c }', 'policy.rego:2:31: rego_parse_error: expected else keyword'],
    ['package a\nelse := 1 if true', "policy.rego:2:1: rego_parse_error: unexpected 'else', expected rule, import or end of file"],
    ['package a\np if { true } else', 'policy.rego:2:19: rego_parse_error: unexpected end of file, expected else value term or rule body'],
    ['package a\ndefault p := x', 'policy.rego:2:1: rego_parse_error: illegal default rule (value cannot contain var)'],
    ['package a\ndefault p := input.x', 'policy.rego:2:1: rego_parse_error: illegal default rule (value cannot contain ref)'],
    ['package a\ndefault p := 1 + 2', 'policy.rego:2:1: rego_parse_error: illegal default rule (value cannot contain call)'],
    ['package a\ndefault p := 1 if true', 'policy.rego:2:16: rego_parse_error: default rules cannot have a body'],
    [
      'package a\ndefault f("a") := 1',
      'policy.rego:2:11: rego_parse_error: illegal default function (arguments must be variables, got string)',
    ],
    [
      'package a\nf(x) contains 1',
      'policy.rego:2:6: rego_parse_error: the contains keyword can only be used with multi-value rule definitions (e.g., f contains <VALUE> { ... })',
    ],
    ['package a\np if not some x in xs', "policy.rego:2:10: rego_parse_error: illegal negation of 'some'"],
    ['package a\np if { some 1 }', "policy.rego:2:13: rego_parse_error: unexpected number 1, expected variable name after 'some'"],
    [
      'package a\np if every x in xs',
      "policy.rego:2:19: rego_parse_error: unexpected end of file, expected '{' to start the body of every",
    ],
    ['package a\np if every [x] in xs { true }', 'policy.rego:2:12: rego_parse_error: expected value to be a variable'],
    ['package a\np if every x { true }', 'policy.rego:2:12: rego_parse_error: expected `x[, y] in xs { ... }` expression'],
    ['package a\np if x with 1 as 2', 'policy.rego:2:13: rego_parse_error: unexpected number 1, expected with target path'],
    ['package a\np if x with input.a 2', "policy.rego:2:21: rego_parse_error: unexpected number 2, expected 'as'"],
    [
      'package a\np := [1][0](1)',
      'policy.rego:2:12: rego_parse_error: illegal call: only names such as f, lib.f or data.lib.f can be called',
    ],
    ['package a\np := {x | }', 'policy.rego:2:11: rego_parse_error: found empty body'],
  ])('%j', (source, message) => {
    expect(moduleError(source)).toBe(message);
  });

  test('the error exposes code, location and text separately', () => {
    const e = errorOf(() => parseModule('package a\n\n  p := ]', 'dir/x.rego'));
    expect(e.code).toBe('rego_parse_error');
    expect(e.location).toEqual({ file: 'dir/x.rego', line: 3, col: 8 });
    expect(e.text).toBe("rego_parse_error: unexpected ']', expected expression");
  });

  test('CRLF sources report the same positions as LF ones', () => {
    expect(moduleError('package a\r\np if {\r\n  x :=\r\n}\r\n')).toBe(
      "policy.rego:4:1: rego_parse_error: unexpected '}', expected expression",
    );
  });

  test('columns count UTF-16 code units (as editors do) after multi-byte text', () => {
    expect(moduleError('package a\np := ["é😀", ]]')).toBe(
      "policy.rego:2:15: rego_parse_error: unexpected ']', expected rule, import or end of file",
    );
  });

  test('queries', () => {
    expect(errorOf(() => parseQuery('x := ', 'q')).message).toBe('q:1:6: rego_parse_error: unexpected end of file, expected expression');
    expect(errorOf(() => parseQuery('', 'q')).message).toBe('q:1:1: rego_parse_error: found empty body');
  });

  test('absurd nesting is an error, not a crash', () => {
    const deep = `package a\np := ${'['.repeat(50000)}${']'.repeat(50000)}`;
    expect(errorOf(() => parseModule(deep, 'deep.rego')).message).toBe('deep.rego: rego_parse_error: expression nested too deeply');
  });
});
