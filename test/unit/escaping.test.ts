/**
 * Names from files never reach an output as live markup (issue 13): the hostile battery of
 * test/helpers/hostile.ts as class names (labels file), model and layer names, motif names and IDs
 * (a MEME file), file names and magic arguments, pushed through every magic (real worker thread,
 * real model) and through the CLI's summary and --notebook. Every output item is checked by what
 * reads it: Markdown is rendered by markdown-it with raw HTML and linkify on (as VS Code's notebook
 * Markdown renderer) and the HTML parsed; SVG is parsed as XML; Vega-Lite specs are walked and
 * compiled to Vega, whose expressions must hold no name; plain text must hold no control character.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { oneLine } from '../../src/engine/errors';
import type { Results } from '../../src/engine/results';
import { quotePath, starterCells } from '../../src/commands/starter-cells';
import { parseMagicLine } from '../../src/notebook/magics';
import { outputBundle, resultsNotebook, textSummary } from '../../src/notebook/output-bundle';
import type { Output } from '../../src/notebook/output-items';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { fromResults } from '../../renderers/data';
import { RESULT_MIME, unpackView, VIEW_NAMES } from '../../renderers/pack';
import { toCsv, VIEWS } from '../../renderers/views/index';
import { csvCell, escapeHtml, escapeMarkdown, label, mdText, notificationText, truncate, visible, visibleLines } from '../../src/shared/escape';
import { WorkerClient } from '../../src/worker/client';
import { CONTROL_CHARACTERS, HOSTILE_LAYER_NAMES, HOSTILE_MODEL_DIR, HOSTILE_NAMES, LONG_NAME, writeHostileNotebook, writeHostileWorkspace, type HostileNotebook, type HostileWorkspace } from '../helpers/hostile';
import { compiledProblems, elements, markdown, problems, shown, specProblems, VEGALITE_MIME } from '../helpers/output-checks';

const ROOT = path.resolve(__dirname, '..', '..');

let checked = 0;
const counts: Record<string, number> = {};
function check(outputs: Output[], where: string) {
  const found: string[] = [];
  for (const o of outputs) {
    for (const item of o.items) {
      checked++;
      counts[item.mime] = (counts[item.mime] ?? 0) + 1;
      found.push(...problems(item.mime, item.value, where));
    }
  }
  assert.deepEqual(found, [], found.join('\n'));
}

describe('the escaping rule (src/shared/escape.ts)', () => {
  test('VS Code notifications: a name shaped like a link stays text (no command:, https: or file: link), and reads the same', () => {
    // VS Code's pattern for links in notification messages (src/vs/base/common/linkedText.ts).
    const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
    const names = [...HOSTILE_NAMES, '[Trust](command:workbench.trust.manage)', 'a [b](https://evil/) c [d](file:///etc/passwd "t")', '[[x]](command:y)'];
    for (const name of names) {
      const shownText = notificationText(name);
      assert.equal(shownText.match(LINK), null, `${JSON.stringify(name)} -> ${JSON.stringify(shownText)}`);
      assert.equal(shownText.replace(/\u2060/g, ''), visible(name));
    }
    assert.ok(LINK.test('[Trust](command:workbench.trust.manage)'), 'the pattern finds the raw link');
  });

  test('Markdown: each hostile name renders as its own text, with no element, link or attribute', () => {
    for (const name of HOSTILE_NAMES) {
      const html = markdown.render(`| name |\n| --- |\n| ${mdText(name)} |\n\n**Class ${mdText(name)}**`);
      const { els } = elements(html);
      assert.deepEqual(els.map((e) => e.name), ['table', 'thead', 'tr', 'th', 'tbody', 'tr', 'td', 'p', 'strong'], `${JSON.stringify(name.slice(0, 40))}: ${html}`);
      assert.ok(els.every((e) => !Object.keys(e.attribs).length), html);
      const cell = els.find((e) => e.name === 'td')!.text;
      assert.equal(cell, shown(name).trim(), JSON.stringify(name.slice(0, 40)));
      assert.equal(els.find((e) => e.name === 'strong')!.text, `Class ${shown(name)}`);
    }
  });

  test('Markdown outside tables too: a paragraph and a heading stay text; linkify finds nothing', () => {
    for (const name of HOSTILE_NAMES) {
      const { els, text } = elements(markdown.render(`# DeepResolve: ${mdText(name)}\n\nLayer ${escapeMarkdown(name)}, done.`));
      assert.deepEqual(els.map((e) => e.name), ['h1', 'p'], name.slice(0, 40));
      assert.ok(text.includes(`Layer ${visible(name)}, done.`));
    }
    // Numbers stay readable in the source; a dot between letters is escaped (evil.com would be a link).
    assert.equal(escapeMarkdown('0.300 -1.5e-3, x'), '0.300 -1.5e-3, x');
    assert.equal(escapeMarkdown('evil.com'), 'evil&#46;com');
  });

  test('HTML and attributes: escapeHtml leaves one text node equal to the input', () => {
    for (const name of HOSTILE_NAMES) {
      const { els } = elements(`<p title="${escapeHtml(name)}">${escapeHtml(name)}</p>`);
      assert.equal(els.length, 1);
      assert.equal(els[0].attribs.title, name);
      assert.equal(els[0].text, name);
    }
  });

  test('control and bidi characters become U+FFFD; line breaks a space (or kept, in multi-line text); long names cut', () => {
    assert.equal(visible('a\u202Eb\u200Fc\u0000d\u001b[31me\u2066f\u2069'), 'a\ufffdb\ufffdc\ufffdd\ufffd[31me\ufffdf\ufffd');
    assert.equal(visible('a\nb\r\nc\td\u2028e'), 'a b c d e');
    assert.equal(visibleLines('a\r\nb\u001b\nc'), 'a\nb\ufffd\nc');
    assert.equal(label(LONG_NAME), `${LONG_NAME.slice(0, 79)}…`);
    assert.equal(Array.from(label(LONG_NAME)).length, 80);
    // A surrogate pair is never split; short names are untouched.
    assert.equal(truncate('😀'.repeat(100), 3), '😀😀…');
    assert.equal(label('filter 7 · CTCF'), 'filter 7 · CTCF');
  });

  test('CSV: formula-looking names are quoted with a leading apostrophe; numbers stay numbers', () => {
    assert.equal(csvCell("@SUM(1+1)*cmd|'/C calc'!A0"), "'@SUM(1+1)*cmd|'/C calc'!A0");
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell(-0.5), '-0.5');
    assert.equal(csvCell('a,"b"'), '"a,""b"""');
    assert.equal(toCsv([{ a: '-x', b: 2 }]), "a,b\n'-x,2\n");
  });
});

/** The real worker (src/worker/worker.ts, through tsx), as in worker-thread.test.ts. */
const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/worker/worker.ts'))});`;

describe('every magic with hostile names (real worker, real model)', () => {
  let ws: HostileWorkspace;
  let client: WorkerClient;
  let ctx: RunContext;
  const errors: string[] = [];
  const rel = (file: string) => quotePath(path.relative(ws.dir, file));

  async function magic(line: string): Promise<Output[]> {
    const out = await runMagic(parseMagicLine(line), ctx);
    check(out, line.slice(0, 120));
    return out;
  }
  /** A magic that must fail: its message as the cell shows it (the controller shows oneLine(err)). */
  async function failing(line: string): Promise<string> {
    let message = '';
    try {
      await runMagic(parseMagicLine(line), ctx);
    } catch (e) {
      message = oneLine(e);
    }
    assert.notEqual(message, '', `${line} should fail`);
    errors.push(message);
    checked++;
    counts['error'] = (counts['error'] ?? 0) + 1;
    // An error quotes what the user typed in full (no 80-character cut), but never a control character.
    assert.doesNotMatch(message, CONTROL_CHARACTERS, line);
    return message;
  }

  before(async () => {
    ws = await writeHostileWorkspace(fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-magics-')));
    client = new WorkerClient({ create: () => new Worker(ENTRY, { eval: true }) });
    ctx = { session: new Session(ws.dir), client, defaults: { backend: 'cpu', restarts: 2 } };
  });
  after(() => client?.dispose());

  test('%load_model, %layers (model and layer names), %resolve with the labels and motif files', async () => {
    const loaded = await magic(`%load_model ${rel(ws.model)} --as m`);
    assert.match(String(loaded[0].items.at(-1)!.value), /^Loaded m \(tfjs-layers\)/);
    const layers = await magic('%layers m');
    const md = String(layers[0].items.find((i) => i.mime === 'text/markdown')!.value);
    const { els } = elements(markdown.render(md));
    // The layer names are cells, as text: Markdown made no link of www.evil.org and no emphasis of _em_.
    const cells = els.filter((e) => e.name === 'td').map((e) => e.text);
    for (const n of Object.values(HOSTILE_LAYER_NAMES)) assert.ok(cells.includes(n), `${n} in ${cells}`);
    const resolved = await magic(`%resolve m --labels labels.txt --motifs ${rel(ws.motifs)} --restarts 2 --as r`);
    const results = ctx.session.result('r').results;
    assert.deepEqual(results.classes.map((c) => c.name), HOSTILE_NAMES, 'the results keep the names exactly');
    assert.ok(results.features.every((f) => f.matches?.length === 3), 'every filter matched three hostile motifs');
    const summary = String(resolved[0].items.find((i) => i.mime === 'text/plain')!.value);
    assert.ok(summary.includes('<script>alert(1)</script>: top'), summary);
  });

  test('%features for every class: the title names the class as text', async () => {
    for (let i = 0; i < HOSTILE_NAMES.length; i++) {
      const out = await magic(`%features ${i} r --top 2`);
      const md = String(out[0].items.find((item) => item.mime === 'text/markdown')!.value);
      const strong = elements(markdown.render(md)).els.find((e) => e.name === 'strong')!;
      assert.ok(strong.text.startsWith(`Class ${shown(HOSTILE_NAMES[i])} (`) && strong.text.endsWith('top 2 of 3 features by OFIV'), strong.text);
    }
  });

  test('%interactions, %similarity, %logos, %motifs (stored and --db FILE), %export, %backend', async () => {
    for (let i = 0; i < HOSTILE_NAMES.length; i += 4) await magic(`%interactions ${i} r`);
    await magic('%similarity r');
    await magic('%logos 0-2 r');
    const motifs = await magic('%motifs r');
    const { els } = elements(markdown.render(String(motifs[0].items[0].value)));
    const cells = els.filter((e) => e.name === 'td').map((e) => e.text);
    for (const n of HOSTILE_NAMES.slice(0, 9)) assert.ok(cells.includes(shown(n).trim()), `motif ${JSON.stringify(n)} in the table`);
    assert.ok(cells.includes('<b>MX0</b>'), 'a motif ID with markup is a cell of text');
    await magic('%motifs 1 r');
    const db = await magic(`%motifs --db ${rel(ws.motifs)} r`);
    assert.ok(elements(markdown.render(String(db[0].items[0].value))).text.includes(`against ${shown(path.basename(ws.motifs))}`));
    const csv = await magic(`%export ${quotePath('out <img src=x onerror=alert(1)>.csv')} r`);
    assert.match(String(csv[0].items[0].value), /^Wrote OFIV \(3 features × 21 classes\)/);
    const written = fs.readFileSync(path.join(ws.dir, 'out <img src=x onerror=alert(1)>.csv'), 'utf8');
    assert.ok(written.split('\n')[0].includes(`'@SUM(1+1)*cmd|'/C calc'!A0`), 'a formula-looking class name is quoted in the CSV');
    await magic('%export out.json r');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(ws.dir, 'out.json'), 'utf8')).classes.map((c: { name: string }) => c.name), HOSTILE_NAMES);
    await magic('%backend cpu');
  });

  test('%help with hostile arguments, and error outputs that quote names from files', async () => {
    await magic('%help');
    for (const name of HOSTILE_NAMES) {
      const message = await failing(`%help ${quotePath(name)}`);
      assert.ok(message.startsWith('no magic %') || message.startsWith('line'), message);
    }
    await failing('%backend "<img src=x onerror=alert(1)> \u001b[31m"');
    await failing('%features "NUL\u0000nope" r');
    await failing('%logos 0-2 "<script>alert(1)</script>"');
    await failing('%load_model "models/\u202Emissing<b>.json"');
    // A model file whose (Lambda) layer is named with markup and a terminal escape: refused, and the message quotes the name.
    const lambdaDir = path.join(ws.dir, 'lambda <b>');
    fs.mkdirSync(lambdaDir);
    const topology = { class_name: 'Sequential', config: { name: 'x', layers: [{ class_name: 'Lambda', config: { name: '<img src=x onerror=alert(1)>\u001b[2J', batch_input_shape: [null, 20, 4] } }] } };
    fs.writeFileSync(path.join(lambdaDir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: [] }));
    const lambda = await failing(`%load_model ${rel(path.join(lambdaDir, 'model.json'))}`);
    assert.match(lambda, /layer '<img src=x onerror=alert\(1\)>\ufffd\[2J' is a Lambda layer/);
  });

  test('Resolve features: the starter notebook names the model file as text', () => {
    const cells = starterCells(ws.model, HOSTILE_MODEL_DIR);
    const { els, text } = elements(markdown.render(cells[0].text));
    assert.deepEqual([...new Set(els.map((e) => e.name))], ['h1', 'p', 'code']);
    assert.ok(text.includes(`DeepResolve: ${shown(HOSTILE_MODEL_DIR)}`));
  });

  after(() => console.log(`# magics: ${checked} output items checked ${JSON.stringify(counts)}`));
});

describe('the CLI on hostile files: summary text and every output of --notebook', () => {
  let nb: HostileNotebook;
  before(async () => {
    nb = await writeHostileNotebook(fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-cli-')));
  });

  test('the summary on stdout holds no control character and no name over 80 characters', () => {
    assert.deepEqual(problems('text/plain', nb.stdout, 'stdout'), []);
    assert.deepEqual(problems('text/plain', nb.stderr, 'stderr'), []);
    assert.ok(nb.stdout.includes('<script>alert(1)</script>: filter'), 'names shown as text');
    assert.ok(nb.stdout.includes('RLO\ufffdevil'), 'the override is shown as U+FFFD');
  });

  test('the results JSON keeps every name in full', () => {
    const r = JSON.parse(fs.readFileSync(nb.results, 'utf8')) as Results;
    assert.deepEqual(r.classes.map((c) => c.name), HOSTILE_NAMES);
    assert.equal(r.model.layer.name, HOSTILE_LAYER_NAMES.conv);
  });

  test('every cell and output item of the notebook is safe for what reads it', async () => {
    const notebook = JSON.parse(fs.readFileSync(nb.notebook, 'utf8')) as { cells: { cell_type: string; source: string[]; outputs?: { data: Record<string, unknown> }[] }[] };
    const found: string[] = [];
    let items = 0;
    for (const [i, cell] of notebook.cells.entries()) {
      if (cell.cell_type === 'markdown') {
        items++;
        found.push(...problems('text/markdown', cell.source.join(''), `cell ${i}`, true));
        assert.ok(elements(markdown.render(cell.source.join(''))).text.includes(`DeepResolve: ${shown(path.basename(path.dirname(nb.model)))}`));
      }
      for (const o of cell.outputs ?? []) {
        for (const [mime, value] of Object.entries(o.data)) {
          items++;
          const v = Array.isArray(value) && mime.startsWith('text/') || mime === 'image/svg+xml' ? (value as string[]).join('') : value;
          found.push(...problems(mime, v, `cell ${i}`));
          if (mime === VEGALITE_MIME) found.push(...(await compiledProblems(v as object, `cell ${i}`)));
          // The payload is data: it keeps the full names.
          if (mime === RESULT_MIME) assert.ok(unpackView(v).data.classes.some((c) => c.name === LONG_NAME));
        }
      }
    }
    console.log(`# CLI notebook: ${items} cells and output items checked`);
    assert.ok(items >= 7);
    assert.deepEqual(found, [], found.join('\n'));
  });
});

describe('every view and fallback of a hostile result', () => {
  test('each view: Vega-Lite spec, compiled Vega and SVG; the text summary and the results notebook', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-views-'));
    const { results } = await writeHostileNotebook(dir).then((n) => ({ results: JSON.parse(fs.readFileSync(n.results, 'utf8')) as Results }));
    // Names the engine never writes but a results file could hold: a hostile model, layer and feature name.
    results.model.name = HOSTILE_NAMES[1];
    results.model.layer.name = HOSTILE_NAMES[16];
    results.features[0].name = HOSTILE_NAMES[13];
    const found: string[] = [];
    let n = 0;
    for (const view of VIEW_NAMES) {
      for (const classPos of [0, 1, 10, 11]) {
        const bundle = await outputBundle(results, view, { classPos, feature: 0 });
        for (const [mime, value] of Object.entries(bundle)) {
          n++;
          found.push(...problems(mime, value, `${view} class ${classPos}`));
          if (mime === VEGALITE_MIME) found.push(...(await compiledProblems(value as object, `${view} class ${classPos}`)));
        }
      }
      // The interactive renderer's own spec (no pooling) and its CSV.
      found.push(...specProblems(VIEWS[view].build(fromResults(results), { classPos: 11 }), `${view} (renderer)`));
    }
    n++;
    found.push(...problems('text/plain', textSummary(fromResults(results)), 'text summary'));
    n++;
    const nbJson = JSON.parse(await resultsNotebook(results)) as { cells: { cell_type: string; source: string[] }[] };
    found.push(...problems('text/markdown', nbJson.cells[0].source.join(''), 'results notebook heading', true));
    console.log(`# views: ${n} output items checked`);
    assert.deepEqual(found, [], found.join('\n'));
  });
});
