/** `isDeterministic`: plans whose answers a host may remember per input. */
import { compile, isDeterministic, planModules } from '../../src';

const deterministic = (source: string): boolean =>
  isDeterministic(planModules({ modules: [{ path: 'p.rego', source: `package p\n${source}` }], entrypoints: ['p'] }).plan);

describe('isDeterministic', () => {
  test.each([
    ['plain rules', 'r := input.a == 1\ns := sprintf("%v", [input.b])', true],
    ['host builtins that are functions of their arguments', 'r := regex.match("^a", input.s)\nt := time.parse_rfc3339_ns(input.t)', true],
    ['time.now_ns', 'r := time.now_ns()', false],
    ['time.now_ns in a function', 'f(x) := x + time.now_ns()\nr := f(1)', false],
    ['time.now_ns inside a comprehension', 'r := [t | some _ in input.xs; t := time.now_ns()]', false],
    ['rand.intn', 'r := rand.intn("k", 10)', false],
    ['uuid.rfc4122', 'r := uuid.rfc4122("k")', false],
    ['io.jwt.decode_verify (reads the clock)', 'r := io.jwt.decode_verify(input.t, {"secret": "s"})', false],
    ['print', 'r if { print("hi"); true }', false],
    [
      'time.now_ns replaced by a value with `with` still counts as called',
      'n := time.now_ns()\nr if { n == 5 with time.now_ns as 5 }',
      false,
    ],
  ])('%s', (_name, source, expected) => {
    expect(deterministic(source)).toBe(expected);
  });

  test('per entry point: a clock elsewhere in the package does not count', () => {
    const source = 'package p\nr := input.a\nnow := time.now_ns()\nt := [r, now]';
    const result = compile({ modules: [{ path: 'p.rego', source }], entrypoints: ['p/r', 'p/now', 'p/t'] });
    expect(result.deterministic).toEqual({ 'p/r': true, 'p/now': false, 'p/t': false });
  });
});
