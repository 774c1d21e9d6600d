/**
 * The measurement behind the default bound on the cost of model-derived logos (docs/motifs.md,
 * "Cost"): the same logos with sampling unbounded, with adaptive stopping (stability.ts) from
 * 2,000 or 5,000 sequences, and with a time budget, on the three ENCODE Keras 1.2 models' top
 * filters (similarity to the weight PWM, JASPAR best match, sequences drawn, seconds) and on the
 * DeepSEA-shaped bench model's 960 conv3 channels (seconds, logos, and how many logos differ from
 * the unbounded run's).
 * Run: node --import tsx bench/logo-default.ts [--skip-deepsea] (writes bench/results/logo-default.json).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useBackend } from '../src/engine/backend';
import { modelLogos, type LogoSettings } from '../src/engine/feature-logos';
import { defaultSequences } from '../src/engine/feature-logos/features';
import { loadModel } from '../src/engine/load';
import type { LoadedModel } from '../src/engine/load/model';
import { firstLayerPwms } from '../src/engine/pwm';
import { comparePwms } from '../test/validation/compare';
import { jasparRank } from '../test/validation/jaspar';
import { deepSea } from './models';

const VARIANTS: [string, Partial<LogoSettings>][] = [
  ['unbounded', {}],
  ['stop from 2000', { stopFrom: 2000 }],
  ['stop from 5000', { stopFrom: 5000 }],
  ['60 s', { seconds: 60 }],
];

async function timed(loaded: LoadedModel, layer: number, channels: number[], settings: LogoSettings) {
  const t = Date.now();
  const out = await modelLogos(loaded, layer, channels, settings);
  return { out, seconds: (Date.now() - t) / 1000 };
}

async function encode(folder: string, k: number, id: string) {
  const file = path.join(__dirname, '..', 'test', 'fixtures', 'keras1', folder, '16_G_best_archit.json');
  const loaded = await loadModel(file);
  const pwm = firstLayerPwms(loaded.model, 1)![k].matrix;
  const sequences = defaultSequences(loaded, 1);
  const rows = [];
  for (const [variant, extra] of VARIANTS) {
    const { out, seconds } = await timed(loaded, 1, [k], { sequences, top: 200, seed: 1, ...extra });
    const m = out.logos.get(k)!.probabilities;
    rows.push({ variant, sequences: out.sequences, stopped: out.stopped, seconds, columns: m.length, similarityToWeights: comparePwms(m, pwm).similarity, jaspar: jasparRank(m, id) });
    process.stderr.write(`${folder} ${variant}: ${JSON.stringify(rows[rows.length - 1])}\n`);
  }
  return { model: folder, filter: k, rows };
}

async function deepSeaRows() {
  const model = deepSea();
  const loaded: LoadedModel = { model, name: 'deepsea', path: '-', format: 'tfjs-layers' } as LoadedModel;
  const layer = model.layers.findIndex((l) => l.name === 'conv3');
  const channels = Array.from({ length: 960 }, (_, k) => k);
  const sequences = defaultSequences(loaded, layer);
  const rows = [];
  let reference: Map<number, { probabilities: number[][] }> | null = null;
  for (const [variant, extra] of VARIANTS) {
    const { out, seconds } = await timed(loaded, layer, channels, { sequences, top: 200, seed: 0, ...extra });
    reference ??= out.logos;
    const differ = channels.filter((c) => JSON.stringify(out.logos.get(c)?.probabilities) !== JSON.stringify(reference!.get(c)?.probabilities)).length;
    rows.push({ variant, sequences: out.sequences, stopped: out.stopped, seconds, logos: out.logos.size, differFromUnbounded: differ, engine: out.engine?.name });
    process.stderr.write(`deepsea conv3 ${variant}: ${JSON.stringify(rows[rows.length - 1])}\n`);
  }
  return rows;
}

(async () => {
  await useBackend('wasm');
  const load = os.loadavg();
  const encodeRows = [await encode('ctcf-gm12878', 7, 'MA0139.2'), await encode('rest-gm12878', 7, 'MA0138.3'), await encode('foxa1-a549', 4, 'MA0148.5')];
  const deepsea = process.argv.includes('--skip-deepsea') ? null : await deepSeaRows();
  const out = { backend: 'wasm', windows: 200, load, loadAtEnd: os.loadavg(), encode: encodeRows, deepsea, date: new Date().toISOString() };
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'logo-default.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 1));
})();
