/**
 * How many random sequences model-derived logos need (docs/motifs.md, "Sequences drawn"):
 * sampled logos (200 windows kept) from 10,000 / 20,000 / 40,000 sequences, on the three ENCODE
 * Keras 1.2 models' top filters (similarity to the filter's weight PWM, JASPAR rank of the factor)
 * and on the two-convolution validation model's second-convolution channels that match a planted
 * motif (similarity to the planted motif, JASPAR rank of the planted record), with the seconds.
 * Run: node --import tsx bench/logo-sequences.ts (writes bench/results/logo-sequences.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../src/engine/backend';
import { modelLogos } from '../src/engine/feature-logos';
import { loadModel } from '../src/engine/load';
import { firstLayerPwms } from '../src/engine/pwm';
import { comparePwms } from '../test/validation/compare';
import { readFixture, TWO_CONV_FIXTURE_ROOT } from '../test/validation/fixture';
import { jasparRank } from '../test/validation/jaspar';
import { probabilities } from '../test/validation/motifs';

const COUNTS = [10000, 20000, 40000];

async function logosAt(modelJson: string, layer: number, channels: number[], sequences: number) {
  const loaded = await loadModel(modelJson);
  const t = Date.now();
  const out = await modelLogos(loaded, layer, channels, { sequences, top: 200, seed: 1 });
  return { logos: out.logos, seconds: (Date.now() - t) / 1000 };
}

async function encode(folder: string, k: number, id: string) {
  const file = path.join(__dirname, '..', 'test', 'fixtures', 'keras1', folder, '16_G_best_archit.json');
  const pwm = firstLayerPwms((await loadModel(file)).model, 1)![k].matrix;
  const rows = [];
  for (const sequences of COUNTS) {
    const { logos, seconds } = await logosAt(file, 1, [k], sequences);
    const m = logos.get(k)!.probabilities;
    rows.push({ sequences, seconds, columns: m.length, similarityToWeights: comparePwms(m, pwm).similarity, jaspar: jasparRank(m, id) });
  }
  return { model: folder, filter: k, rows };
}

async function twoConv() {
  const fixture = readFixture(TWO_CONV_FIXTURE_ROOT);
  const file = path.join(TWO_CONV_FIXTURE_ROOT, 'model.json');
  const loaded = await loadModel(file);
  const layer = loaded.model.layers.findIndex((l) => l.name === 'pool');
  const channels = Array.from({ length: fixture.architecture.conv2!.filters }, (_, c) => c);
  const pfms = fixture.motifs.map((m) => probabilities(m.counts));
  const rows = [];
  for (const sequences of COUNTS) {
    const { logos, seconds } = await logosAt(file, layer, channels, sequences);
    const perMotif = fixture.motifs.map((motif, i) => {
      // The channels whose logo is most similar to this motif among the six, and the best of them.
      const hits = channels
        .filter((c) => logos.has(c))
        .map((c) => {
          const sims = pfms.map((p) => comparePwms(logos.get(c)!.probabilities, p).similarity);
          return { channel: c, similarity: sims[i], mostSimilar: sims.indexOf(Math.max(...sims)) === i, jaspar: jasparRank(logos.get(c)!.probabilities, motif.jaspar) };
        })
        .filter((h) => h.mostSimilar && h.similarity >= 0.7);
      return { motif: motif.name, channels: hits.length, firstNamed: hits.filter((h) => h.jaspar.rank === 1).length, best: hits.sort((a, b) => b.similarity - a.similarity)[0] ?? null };
    });
    rows.push({ sequences, seconds, perMotif });
  }
  return rows;
}

(async () => {
  await useBackend('wasm');
  const encodeRows = [await encode('ctcf-gm12878', 7, 'MA0139.2'), await encode('rest-gm12878', 7, 'MA0138.3'), await encode('foxa1-a549', 4, 'MA0148.5')];
  const out = { backend: 'wasm', windows: 200, encode: encodeRows, twoConv: await twoConv(), date: new Date().toISOString() };
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'logo-sequences.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 1));
})();
