const { compile, hostBuiltins } = require('/work/wt/corpus/packages/rego/dist');
const { loadPolicy } = require('/work/wt/corpus/node_modules/@open-policy-agent/opa-wasm');
(async () => {
  const src = `package a
p if not count(input.missing) > 0
p2 if not semver.compare(input.missing, "1.2.3") == -1
p3 if not semver.compare(input.x, "1.2.3") == -1
p4 if not upper(input.x) == "A"
p5 if not lower(input.x)
`;
  const eps = ['a/p', 'a/p2', 'a/p3', 'a/p4', 'a/p5'];
  const { wasm } = compile({ modules: [{ path: 'a.rego', source: src }], entrypoints: eps });
  const policy = await loadPolicy(wasm, undefined, hostBuiltins);
  for (const e of eps) console.log(e, JSON.stringify(policy.evaluate({ x: 5 }, e)));
})();
