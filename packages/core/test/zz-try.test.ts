import { writeFileSync } from 'node:fs';
import { loadArtifact } from '../src/policy/source';
const cases: Record<string,string> = {
  v0body: 'package authz\nallow { input.x == 1 }\n',
  v0set: 'package authz\ndeny[msg] { msg := "x" }\n',
  typo: 'package authz\nallow if { input.x == 1 }\n',
  parse: 'package authz\nallow if { input.x == }\n',
  typeerr: 'package authz\nallow if { count(1, 2) }\n',
};
test('x', async () => {
  for (const [name, src] of Object.entries(cases)) {
    const f = `/tmp/dx/${name}.rego`; writeFileSync(f, src);
    try { const a = await loadArtifact({ kind: 'file', path: f, format: 'rego' } as any, { entrypoint: name === 'typo' ? 'authz/alow' : 'authz/allow', v0Compatible: false }); console.log(name, 'OK', a.entrypoints); }
    catch (e: any) { console.log(name, e.name, e.code, JSON.stringify(e.message)); }
  }
});
