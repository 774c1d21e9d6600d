/**
 * A notebook as the VS Code extension saves it (kernelspec 'deepresolve', cells in the
 * 'deepresolve' language, paths relative to the notebook) executed unchanged by Debian's
 * `jupyter nbconvert --to notebook --execute` with the DeepResolve kernel: %help, %layers,
 * %resolve and %features on the example CTCF model, an error cell, and an %export after it. The
 * numbers are checked against the CLI's own analysis of the same model (another front door), and
 * its top feature against biology: a CTCF ChIP-seq model's strongest feature is the CTCF motif.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { elements, markdown, problems } from '../helpers/output-checks';
import { JUPYTER, ROOT, cli, ensureBuilt, installKernel, jupyterWorld, requireJupyter, runAsync, type JupyterWorld } from './jupyter-env';

const RESULT_MIME = 'application/vnd.deepresolve.result+json';
const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
const RESOLVE = '%resolve models/16_G_best_archit.json --labels models/labels.txt --restarts 3';

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: string;
  execution_count: number | null;
  source: string | string[];
  outputs: Output[];
}

let world: JupyterWorld;
let executed: { metadata: Record<string, any>; cells: Cell[] };
let cliResults: any;

/** nbformat keeps text as a string or a list of lines. */
const joined = (v: unknown) => (Array.isArray(v) ? v.join('') : String(v));

function vscodeCell(source: string, tags?: string[]) {
  return { cell_type: 'code', execution_count: null, metadata: { vscode: { languageId: 'deepresolve' }, ...(tags ? { tags } : {}) }, outputs: [], source };
}

before(async () => {
  requireJupyter();
  ensureBuilt();
  world = jupyterWorld('nbconvert');
  installKernel(world);
  fs.mkdirSync(path.join(world.dir, 'models'));
  for (const f of fs.readdirSync(path.join(ROOT, 'examples/ctcf-gm12878'))) fs.copyFileSync(path.join(ROOT, 'examples/ctcf-gm12878', f), path.join(world.dir, 'models', f));
  const notebook = {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: '# CTCF model\nWhat drives its prediction?' },
      vscodeCell('%help'),
      vscodeCell('%layers models/16_G_best_archit.json'),
      vscodeCell(`# three restarts: a quick look\n${RESOLVE}`),
      vscodeCell('%features CTCF'),
      // nbconvert stops at an error unless the cell says it raises one.
      vscodeCell('%features NOPE', ['raises-exception']),
      vscodeCell('%export results.json'),
    ],
    metadata: { kernelspec: { name: 'deepresolve', display_name: 'DeepResolve', language: 'deepresolve' }, language_info: { name: 'deepresolve' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(world.dir, 'analysis.ipynb'), JSON.stringify(notebook, null, 1));
  const r = await runAsync(JUPYTER, ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=300', 'analysis.ipynb', '--output', 'executed.ipynb'], { cwd: world.dir, env: world.env });
  assert.equal(r.code, 0, `nbconvert failed:\n${r.stderr}`);
  executed = JSON.parse(fs.readFileSync(path.join(world.dir, 'executed.ipynb'), 'utf8'));
  // The same analysis through the CLI.
  const c = cli(world, ['resolve', 'models/16_G_best_archit.json', '--labels', 'models/labels.txt', '--restarts', '3', '--out', 'cli.json']);
  assert.equal(c.code, 0, c.stderr);
  cliResults = JSON.parse(fs.readFileSync(path.join(world.dir, 'cli.json'), 'utf8'));
});

const code = () => executed.cells.filter((c) => c.cell_type === 'code');
const cellOf = (start: string) => code().find((c) => joined(c.source).includes(start))!;

test('every cell ran once, in order; the kernel wrote its language into the notebook', () => {
  assert.deepEqual(code().map((c) => c.execution_count), [1, 2, 3, 4, 5, 6]);
  assert.equal(executed.metadata.kernelspec.name, 'deepresolve');
  assert.equal(executed.metadata.language_info.name, 'deepresolve-magic');
});

test('outputs are safe for what reads them (Markdown, SVG as XML, Vega-Lite, the renderer payload)', () => {
  for (const [i, c] of code().entries()) {
    for (const o of c.outputs.filter((x) => x.output_type === 'display_data')) {
      for (const [mime, value] of Object.entries(o.data!)) {
        assert.deepEqual(problems(mime, mime.endsWith('json') ? value : joined(value), `cell ${i + 1}`), []);
      }
    }
  }
});

test('%help lists every magic docs/magics.md documents', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/magics.md'), 'utf8');
  const documented = [...doc.matchAll(/^### `%(\w+)/gm)].map((m) => m[1]);
  assert.ok(documented.length >= 10);
  const [out] = cellOf('%help').outputs;
  const text = joined(out.data!['text/plain']);
  for (const magic of documented) assert.match(text, new RegExp(`^  %${magic} `, 'm'), `%help lists %${magic}`);
});

test('%layers: a Markdown table and text naming every layer of the architecture file', () => {
  const [out] = cellOf('%layers').outputs;
  assert.deepEqual(Object.keys(out.data!).sort(), ['text/markdown', 'text/plain']);
  const arch = JSON.parse(fs.readFileSync(path.join(world.dir, 'models/16_G_best_archit.json'), 'utf8')) as { config: { config: { name: string } }[] };
  const text = joined(out.data!['text/plain']);
  // Names are escaped in the Markdown (character references): compare the rendered text.
  const rendered = elements(markdown.render(joined(out.data!['text/markdown']))).text;
  for (const layer of arch.config.map((l) => l.config.name)) {
    assert.match(text, new RegExp(`\\b${layer}\\b`));
    assert.ok(rendered.includes(layer), `the Markdown table names ${layer}`);
  }
  // The layer the CLI analysed is the one marked as the default.
  assert.match(text, new RegExp(`^\\*\\s+\\d+\\s+${cliResults.model.layer.name}\\b`, 'm'));
});

test('%resolve: the VS Code kernel’s MIME bundle (renderer payload, Vega-Lite v5, SVG, text) with the CLI’s numbers', () => {
  const outs = cellOf('%resolve').outputs;
  assert.equal(outs.length, 1, 'the progress display became the result');
  const data = outs[0].data!;
  assert.deepEqual(Object.keys(data).sort(), [RESULT_MIME, VEGALITE_MIME, 'image/svg+xml', 'text/plain'].sort());
  assert.equal((data[VEGALITE_MIME] as { $schema: string }).$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
  assert.deepEqual(outs[0].metadata, { deepresolve: { result: 'r1', view: 'importance', class: 0 } });
  // The text names the result and the CLI's three largest features (|OFIV|), with the same importances.
  const ofiv: number[] = cliResults.classes[0].ofiv;
  const top = ofiv.map((v, k) => [v, k]).sort((a, b) => Math.abs(b[0]) - Math.abs(a[0])).slice(0, 3);
  const text = joined(data['text/plain']);
  assert.match(text, /^r1: /);
  assert.ok(text.includes(`top ${top.map(([v, k]) => `${cliResults.features[k].name} ${v.toFixed(3)}`).join(', ')}`), text);
});

test('%features CTCF: the top feature is the CLI’s, and the view names it by its motif, CTCF', () => {
  const [table, view] = cellOf('%features CTCF').outputs;
  const ofiv: number[] = cliResults.classes[0].ofiv;
  const top = ofiv.indexOf(Math.max(...ofiv));
  const feature = cliResults.features[top];
  const motif = feature.matches.find((m: { qValue: number }) => m.qValue <= 0.05)?.name;
  assert.equal(motif, 'CTCF', 'a CTCF model’s strongest feature matches the CTCF motif');
  // First data row of the Markdown table.
  const rows = joined(table.data!['text/markdown']).split('\n').filter((l) => l.startsWith('|'));
  assert.match(rows[2], new RegExp(`^\\| ${feature.name} \\| ${ofiv[top].toFixed(3)} \\|`));
  assert.equal(view.metadata?.deepresolve && (view.metadata.deepresolve as { view: string }).view, 'importance');
  assert.ok(joined(view.data!['image/svg+xml']).includes(`${feature.name} · ${motif}`), 'the SVG labels the feature with its motif');
});

test('an error cell: one error output with the one-line message; the next cell still runs', () => {
  const outs = cellOf('%features NOPE').outputs;
  assert.equal(outs.length, 1);
  const [e] = outs;
  assert.equal(e.output_type, 'error');
  assert.equal(e.ename, 'DeepResolve');
  assert.match(e.evalue!, /^unknown class 'NOPE' \(give an index 0-0, a class name or top\)$/);
  assert.deepEqual(e.traceback, [`DeepResolve: ${e.evalue}`]);
  // %export ran after it, in the notebook's folder, with the session's result.
  const exported = JSON.parse(fs.readFileSync(path.join(world.dir, 'results.json'), 'utf8'));
  assert.match(joined(cellOf('%export').outputs[0].data!['text/plain']), new RegExp(`^Wrote results of r1 to ${path.join(world.dir, 'results.json')}`));
  assert.deepEqual(exported.classes[0].ofiv, cliResults.classes[0].ofiv, 'same model, settings and seed: the same numbers as the CLI');
});
