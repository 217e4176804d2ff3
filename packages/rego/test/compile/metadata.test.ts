/**
 * `# METADATA` annotations and rego.metadata.chain() / rego.metadata.rule(), compiled and run on the stock SDK, with
 * the values OPA gives (its rego.metadata.chain test cases and the scopes' documented order).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltins, parseModule, RegoCompileError } from '../../src';

const RUNTIME = path.join(__dirname, '..', '..', 'runtime', 'build', 'runtime.wasm');
const runtimeBuilt = existsSync(RUNTIME);
if (!runtimeBuilt) {
  console.warn(`skipping rego.metadata tests: ${RUNTIME} is not built (npm run build:runtime -w packages/rego)`);
}

async function evaluate(sources: string[], entrypoint: string): Promise<unknown> {
  const modules = sources.map((source, i) => ({ path: `m${i}.rego`, source }));
  const { wasm } = compile({ modules, entrypoints: [entrypoint] });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins as Record<string, (...a: unknown[]) => unknown>);
  const rs = policy.evaluate(undefined, entrypoint) as Array<{ result: unknown }>;
  return rs.length === 0 ? undefined : rs[0].result;
}

function parseError(source: string): RegoCompileError {
  try {
    parseModule(source, 'a.rego');
  } catch (e) {
    if (e instanceof RegoCompileError) return e;
    throw e;
  }
  throw new Error('parsed');
}

(runtimeBuilt ? describe : describe.skip)('rego.metadata.chain() and rego.metadata.rule()', () => {
  it('chain: the rule annotation, then the package annotation (OPA regometadatachain/simple)', async () => {
    const source = `# METADATA
# description: The Rego test suite
package testing

# METADATA
# title: Testing annotations
# authors:
# - The OPA contributors
p := x if {
\tx := rego.metadata.chain()
}
`;
    expect(await evaluate([source], 'testing/p')).toEqual([
      { annotations: { authors: [{ name: 'The OPA contributors' }], scope: 'rule', title: 'Testing annotations' }, path: ['testing', 'p'] },
      { annotations: { description: 'The Rego test suite', scope: 'package' }, path: ['testing'] },
    ]);
  });

  it('chain: rule entries closest first, then document, package and subpackages from the package outwards', async () => {
    const outer = `# METADATA
# scope: subpackages
# title: root of a
package a
`;
    const inner = `# METADATA
# scope: subpackages
# organizations:
# - Acme Corp.
package a.b

# METADATA
# scope: document
# description: about p
# related_resources:
# - https://example.com/p
# - ref: https://example.com/q
#   description: the q

# METADATA
# title: far
# custom:
#   severity: 3

# METADATA
# title: near
# authors:
# - Jane Doe <jane@example.com>
# - name: Max
p := rego.metadata.chain()

q := rego.metadata.chain()

r := rego.metadata.rule()

# METADATA
# title: s
s := rego.metadata.rule()
`;
    const paths = ['a', 'b', 'p'];
    const chain = (await evaluate([outer, inner], 'a/b/p')) as Array<{ path: string[]; annotations?: Record<string, unknown> }>;
    expect(chain).toEqual([
      {
        path: paths,
        annotations: { scope: 'rule', title: 'near', authors: [{ name: 'Jane Doe', email: 'jane@example.com' }, { name: 'Max' }] },
      },
      { path: paths, annotations: { scope: 'rule', title: 'far', custom: { severity: 3 } } },
      {
        path: paths,
        annotations: {
          scope: 'document',
          description: 'about p',
          related_resources: [{ ref: 'https://example.com/p' }, { ref: 'https://example.com/q', description: 'the q' }],
        },
      },
      { path: ['a', 'b'], annotations: { scope: 'subpackages', organizations: ['Acme Corp.'] } },
      { path: ['a'], annotations: { scope: 'subpackages', title: 'root of a' } },
    ]);
    // A rule without annotations of its own still leads the chain, with its path alone.
    expect(await evaluate([outer, inner], 'a/b/q')).toEqual([
      { path: ['a', 'b', 'q'] },
      { path: ['a', 'b'], annotations: { scope: 'subpackages', organizations: ['Acme Corp.'] } },
      { path: ['a'], annotations: { scope: 'subpackages', title: 'root of a' } },
    ]);
    expect(await evaluate([outer, inner], 'a/b/r')).toEqual({});
    expect(await evaluate([outer, inner], 'a/b/s')).toEqual({ scope: 'rule', title: 's' });
  });

  it('rule() inside partial rules and functions, used in the value', async () => {
    const source = `package p

# METADATA
# title: Deny invalid numbers
# custom:
#   severity: MEDIUM
deny contains format(rego.metadata.rule()) if true

format(meta) := {"severity": meta.custom.severity, "reason": meta.title}

# METADATA
# description: doubles
double(x) := {"d": x * 2, "why": rego.metadata.rule().description}

out := double(2)
`;
    expect(await evaluate([source], 'p/deny')).toEqual([{ severity: 'MEDIUM', reason: 'Deny invalid numbers' }]);
    expect(await evaluate([source], 'p/out')).toEqual({ d: 4, why: 'doubles' });
  });

  it('entrypoint: true makes a rule annotation document-scoped', async () => {
    const source = `package p

# METADATA
# entrypoint: true
allow := rego.metadata.chain()
`;
    expect(await evaluate([source], 'p/allow')).toEqual([
      { path: ['p', 'allow'] },
      { path: ['p', 'allow'], annotations: { scope: 'document', entrypoint: true } },
    ]);
  });
});

describe('METADATA blocks', () => {
  it('only comments on the following lines at column 1 belong to the block', () => {
    const m = parseModule('package p\n\n# METADATA\n# title: t\n  # description: indented, not part of it\nx := 1\n', 'a.rego');
    expect(m.annotations?.map((a) => a.value)).toEqual([{ scope: 'rule', title: 't' }]);
    expect(parseModule('package p\n\n# just a comment\nx := 1\n', 'a.rego').annotations).toBeUndefined();
  });

  it('rejects bad YAML, an empty block and scopes that do not fit the statement, with the location', () => {
    expect(parseError('package p\n\n# METADATA\n# title: [unclosed\nx := 1\n').message).toMatch(/^a\.rego:3:1: .*invalid METADATA block/);
    expect(parseError('package p\n\n# METADATA\nx := 1\n').message).toMatch(/a\.rego:3:1: .*expected METADATA block, found whitespace/);
    expect(parseError('package p\n\n# METADATA\n# scope: package\nx := 1\n').message).toMatch(
      /annotation scope 'package' must be applied to package/,
    );
    expect(parseError('# METADATA\n# scope: rule\npackage p\n').message).toMatch(/annotation scope 'rule' must be applied to rule/);
    expect(parseError('package p\n\n# METADATA\n# scope: everything\nx := 1\n').message).toMatch(/invalid annotation scope 'everything'/);
    expect(parseError('package p\n\n# METADATA\n# title: t\nimport data.q\n').message).toMatch(/invalid annotation scope 'import'/);
  });
});
