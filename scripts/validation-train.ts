/**
 * `npm run validate:train`: simulates the synthetic data, trains the synthetic model, measures
 * its held-out AUROC per class and overwrites test/fixtures/synthetic/ (model.json, weights.bin,
 * generator.json). Seeded throughout; takes several minutes on two cores with the wasm backend.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/engine/backend';
import { auroc } from '../test/validation/auroc';
import { logitInteractions } from '../test/validation/interaction';
import { scannerAuroc } from '../test/validation/oracle';
import { ARCHITECTURE, MIN_AUROC, TEST_DATA, TRAIN_DATA, TRAINING } from '../test/validation/config';
import { FIXTURE_ROOT, type FixtureRecord } from '../test/validation/fixture';
import { JASPAR_ATTRIBUTION, MOTIFS } from '../test/validation/motifs';
import { RULES } from '../test/validation/rules';
import { saveLayersModel } from '../test/validation/save';
import { simulate } from '../test/validation/simulate';
import { predict, trainModel, type TrainLog } from '../test/validation/train';

async function main() {
  // wasm: its matrix product is far faster than the cpu backend's on this training.
  const backend = await useBackend('wasm');
  const train = simulate(TRAIN_DATA);
  const test = simulate(TEST_DATA);
  const log: TrainLog[] = [];
  const model = await trainModel(train, ARCHITECTURE, TRAINING, (l) => {
    log.push(l);
    console.log(`epoch ${l.epoch}/${TRAINING.epochs}  loss ${l.loss.toFixed(4)}  ${l.seconds.toFixed(0)} s`);
  });
  const p = predict(model, test);
  const k = RULES.length;
  const n = TEST_DATA.count;
  const scores: Record<string, number> = {};
  RULES.forEach((r, c) => {
    scores[r.name] = auroc(Array.from({ length: n }, (_, i) => p[i * k + c]), Array.from({ length: n }, (_, i) => test.labels[i * k + c]));
    console.log(`held-out AUROC ${r.name.padEnd(6)} ${scores[r.name].toFixed(4)}${scores[r.name] < MIN_AUROC ? `  (below ${MIN_AUROC})` : ''}`);
  });
  const scanner = scannerAuroc(test, MOTIFS);
  console.log(`ideal scanner AUROC per motif: ${Object.entries(scanner).map(([m, v]) => `${m} ${v.toFixed(3)}`).join(', ')}`);
  const interactions = logitInteractions(test, p, RULES);
  for (const [name, v] of Object.entries(interactions)) console.log(`log-odds interaction ${name.padEnd(6)} ${v.contrast.toFixed(2)} (${(100 * v.relative).toFixed(0)}% of the larger main effect)`);
  const record: FixtureRecord = {
    description:
      'Synthetic DeepResolve validation model (docs/validation.md): random background with planted JASPAR motifs, classes defined by logic rules over motif presence. Regenerate with npm run validate:train.',
    attribution: JASPAR_ATTRIBUTION,
    motifs: MOTIFS,
    classes: RULES.map((r, c) => ({
      name: r.name,
      uses: r.uses,
      forbids: r.forbids,
      kind: r.kind,
      positiveRate: Array.from({ length: train.settings.count }, (_, i) => train.labels[i * k + c]).reduce((a, b) => a + b, 0) / train.settings.count,
    })),
    data: { train: TRAIN_DATA, test: TEST_DATA },
    architecture: ARCHITECTURE,
    training: { ...TRAINING, backend, log },
    auroc: scores,
    scannerAuroc: scanner,
    interactions,
    tfjs: tf.version_core,
    createdAt: new Date().toISOString(),
  };
  await saveLayersModel(model, FIXTURE_ROOT);
  fs.writeFileSync(path.join(FIXTURE_ROOT, 'generator.json'), JSON.stringify(record, null, 1) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), FIXTURE_ROOT)}/{model.json,weights.bin,generator.json}`);
  const low = Object.entries(scores).filter(([, v]) => !(v >= MIN_AUROC));
  if (low.length) {
    console.error(`classes below AUROC ${MIN_AUROC}: ${low.map(([c, v]) => `${c} ${v.toFixed(3)}`).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
