/**
 * The house rules that a reader cannot see file by file: no import circles among the project's
 * modules (static imports; a lazy `import()` is how a module defers a heavy dependency and is
 * allowed to point back), and the `vscode` module only in the extension-host layer, so the engine,
 * worker, CLI, Jupyter kernel and renderer run without VS Code.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const DIRS = ['src', 'renderers'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Static import/export specifiers of a file (type-only imports included: they still tie modules). */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile() && /\.tsx?$/.test(c)) return c;
  }
  if (base.endsWith('.js')) return resolveLocal(from, spec.slice(0, -3));
  return undefined;
}

const files = DIRS.flatMap((d) => sources(path.join(ROOT, d)));
const graph = new Map(files.map((f) => [f, specifiers(f).map((s) => resolveLocal(f, s)).filter((x): x is string => !!x)]));

test('the module graph of src/ and renderers/ has no import circle', () => {
  assert.ok(files.length > 100, `found ${files.length} source files`);
  // Tarjan's strongly connected components: any component of more than one file is a circle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(path.relative(ROOT, w));
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) circles.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  assert.deepEqual(circles, [], `import circles:\n${circles.map((c) => c.join(' <-> ')).join('\n')}`);
});

test("the 'vscode' module is imported only by the extension-host layer", () => {
  // The extension host: its entry, the commands, the language providers and the notebook controller.
  const host = (rel: string) =>
    rel === 'src/extension.ts' || rel.startsWith('src/commands/') || rel.startsWith('src/language/') || rel === 'src/notebook/controller.ts';
  const users = files
    .filter((f) => specifiers(f).includes('vscode') || /\brequire\(['"]vscode['"]\)|import\(['"]vscode['"]\)/.test(fs.readFileSync(f, 'utf8')))
    .map((f) => path.relative(ROOT, f));
  assert.ok(users.includes('src/notebook/controller.ts'), 'the check sees the controller import vscode');
  assert.deepEqual(users.filter((u) => !host(u)), []);
  // And no file outside the host layer imports a host file (it would pull vscode in transitively).
  const pulls = files
    .filter((f) => !host(path.relative(ROOT, f)))
    .flatMap((f) => (graph.get(f) ?? []).filter((g) => host(path.relative(ROOT, g))).map((g) => `${path.relative(ROOT, f)} -> ${path.relative(ROOT, g)}`));
  const vscodeUsers = new Set(users);
  assert.deepEqual(pulls.filter((p) => vscodeUsers.has(p.split(' -> ')[1])), []);
});
