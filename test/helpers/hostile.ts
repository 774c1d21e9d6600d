/**
 * Hostile names for the escaping tests (test/unit/escaping.test.ts, test/renderer/hostile.test.ts)
 * and for an end-to-end test that opens a hostile notebook in VS Code: strings that would run
 * script, draw markup, form links, break tables, read backwards or confuse a terminal if an output
 * passed them on as they are. `writeHostileWorkspace` puts them into the files a user gets from
 * elsewhere (labels file, model folder and layer names, motif file) and `writeHostileNotebook`
 * runs the CLI on them (`deepresolve resolve … --notebook`), so a saved notebook carries them in
 * every output the CLI writes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { saveTfjsModel } from './tfjs-save';

const ROOT = path.resolve(__dirname, '..', '..');

/** 5,000 characters, no spaces (a labels file trims them), not a number. */
export const LONG_NAME = `L${'0123456789'.repeat(500).slice(1)}`;

/**
 * The battery. Each can be a class name in a labels file (one per line: no ',' or tab, which make
 * the file a label matrix, no leading '#', which makes it a comment) and a motif name.
 */
export const HOSTILE_NAMES: readonly string[] = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[x](javascript:alert(1))',
  '![x](http://evil/x.png)',
  '<https://evil>',
  'javascript:alert(1)',
  '|',
  'a | b || c',
  '``code`` `x`',
  '*_~strong~_*',
  LONG_NAME,
  'RLO\u202Eevil',
  'RLM\u200Fevil LRI\u2066x\u2069',
  'NUL\u0000evil',
  'ESC\u001b[31mred\u001b]8;;http://evil\u0007',
  `"'&amp;`,
  '</svg><script>alert(1)</script>',
  'evil.com www.evil.org a@b.co',
  '<svg onload=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  // A spreadsheet formula (CSV exports): must stay text.
  "@SUM(1+1)*cmd|'/C calc'!A0",
];

/** Substrings that show a hostile name got through unescaped (looked for in markup, never in data). */
export const HOSTILE_MARKERS = ['alert(1)', 'onerror', 'onload', 'javascript:', 'evil'];

/** Control and bidi characters from the battery; no output shown to a reader may contain one. */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Layer names TF.js allows (a letter or digit, then letters, digits and - . _ /) that Markdown
 * would still read as links or emphasis; markup in a layer name is refused by TF.js itself.
 */
export const HOSTILE_LAYER_NAMES = { conv: 'evil.com/__strong__', flatten: 'f/_em_/www.evil.org', out: 'javascript/evil.net' } as const;

/** A model folder name (the model's name in every output): markup, quotes and a bidi override. */
export const HOSTILE_MODEL_DIR = '<img src=x onerror=alert(2)> "\'& \u202Emodel';

/** The consensus of each first-layer filter; the motif file has one motif per filter with this consensus. */
export const FILTER_CONSENSUS = ['ACGTA', 'GGCCT', 'TTAGC'];

/**
 * Conv1D (3 filters of width 5, each all +1 on its consensus letter, −1 elsewhere, so its PWM is
 * the consensus) → Flatten → Dense(classes): a model whose features match the hostile motifs.
 */
export function hostileModel(classes: number): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [20, 4], filters: FILTER_CONSENSUS.length, kernelSize: 5, activation: 'relu', name: HOSTILE_LAYER_NAMES.conv }),
      tfl.layers.flatten({ name: HOSTILE_LAYER_NAMES.flatten }),
      tfl.layers.dense({ units: classes, activation: 'sigmoid', name: HOSTILE_LAYER_NAMES.out }),
    ],
  });
  const kernel = Array.from({ length: 5 }, (_, pos) => Array.from({ length: 4 }, (_, letter) => FILTER_CONSENSUS.map((c) => ('ACGT'[letter] === c[pos] ? 1 : -1))));
  const conv = model.layers[0];
  conv.setWeights([tf.tensor3d(kernel), tf.zeros([FILTER_CONSENSUS.length])]);
  const dense = model.layers[2];
  const [w] = dense.getWeights();
  // Seeded, varied weights so classes differ (similarity, negative features).
  let s = 5;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  dense.setWeights([tf.tensor2d(Array.from({ length: w.shape[0] }, () => Array.from({ length: classes }, next))), tf.zeros([classes])]);
  return model;
}

/** A MEME file: one motif per filter consensus, named by the battery (IDs hostile too). */
export function hostileMeme(names: readonly string[] = HOSTILE_NAMES): string {
  const motifs = FILTER_CONSENSUS.flatMap((consensus, f) =>
    // Three motifs per filter, so that every filter's top matches are hostile names.
    [0, 1, 2].map((j) => {
      const name = names[(f * 3 + j) % names.length];
      const id = j === 0 ? `<b>MX${f}</b>` : `MX${f}.${j}`;
      const rows = [...consensus].map((c) => 'ACGT'.split('').map((l) => (l === c ? 0.97 : 0.01).toFixed(2)).join(' '));
      // MEME names are the words after the ID: the parser joins them with single spaces.
      return [`MOTIF ${id} ${name.replace(/\s+/g, ' ')}`, `letter-probability matrix: alength= 4 w= ${consensus.length} nsites= 20 E= 0`, ...rows, ''].join('\n');
    }),
  );
  return ['MEME version 4', '', 'ALPHABET= ACGT', '', 'strands: + -', '', ...motifs].join('\n');
}

export interface HostileWorkspace {
  dir: string;
  /** models/<HOSTILE_MODEL_DIR>/model.json */
  model: string;
  /** labels.txt: HOSTILE_NAMES, one per line (the model has one class per name). */
  labels: string;
  /** A motif file with markup, quotes and a bidi override in its name: FILTER_CONSENSUS motifs named by the battery. */
  motifs: string;
}

/** Writes the hostile model, labels file and motif file into `dir`. */
export async function writeHostileWorkspace(dir: string): Promise<HostileWorkspace> {
  await useBackend('cpu');
  fs.mkdirSync(dir, { recursive: true });
  const model = await saveTfjsModel(hostileModel(HOSTILE_NAMES.length), path.join(dir, 'models', HOSTILE_MODEL_DIR));
  const labels = path.join(dir, 'labels.txt');
  fs.writeFileSync(labels, HOSTILE_NAMES.join('\n') + '\n');
  const motifs = path.join(dir, `motifs <i>"'&amp; \u202E.meme`);
  fs.writeFileSync(motifs, hostileMeme());
  return { dir, model, labels, motifs };
}

export interface HostileNotebook extends HostileWorkspace {
  notebook: string;
  results: string;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI from the sources (through tsx, so it is never a stale build) on a hostile workspace:
 * `deepresolve resolve MODEL --labels labels.txt --motifs FILE --restarts 2 --backend cpu --out
 * results.json --notebook hostile.ipynb`. Throws with the CLI's stderr when it fails.
 */
export async function writeHostileNotebook(dir: string, notebookName = 'hostile.ipynb'): Promise<HostileNotebook> {
  const ws = await writeHostileWorkspace(dir);
  const notebook = path.join(dir, notebookName);
  const results = path.join(dir, 'results.json');
  const args = ['resolve', ws.model, '--labels', ws.labels, '--motifs', ws.motifs, '--restarts', '2', '--backend', 'cpu', '--out', results, '--notebook', notebook];
  const script = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src', 'cli.ts'))}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; });`;
  const r = spawnSync(process.execPath, ['-e', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // The CLI keeps Gram matrices in a cache folder: a private one, not the user's.
    env: { ...process.env, DEEPRESOLVE_CACHE_DIR: path.join(dir, '.cache') },
  });
  if (r.status !== 0) throw new Error(`deepresolve ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ...ws, notebook, results, stdout: r.stdout, stderr: r.stderr };
}
