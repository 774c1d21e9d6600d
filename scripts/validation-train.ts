/**
 * `npm run validate:train`: simulates the synthetic data, trains the synthetic model, measures
 * its held-out AUROC per class and overwrites test/fixtures/synthetic/ (model.json, weights.bin,
 * generator.json). Seeded throughout; takes several minutes on two cores with the wasm backend.
 *
 * For experiments: `--out DIR` writes the fixture elsewhere, and `--config JSON` overrides
 * settings of config.ts, e.g. `--config '{"train":{"labelNoise":0.05},"training":{"epochs":60},
 * "architecture":{"hidden":64},"frequencies":{"E":0.2}}'` (train/test noise and frequencies are
 * applied to both data sets' settings as given; every setting used is recorded in generator.json).
 * `--model two-conv` trains the two-convolution model (config.ts, TWO_CONV_ARCHITECTURE and
 * TWO_CONV_TRAINING: its first convolution starts from test/fixtures/synthetic's filters) into
 * test/fixtures/synthetic-two-conv/ instead (same data).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/engine/backend';
import { auroc } from '../test/validation/auroc';
import { logitInteractions } from '../test/validation/interaction';
import { scannerAuroc } from '../test/validation/oracle';
import { ARCHITECTURE, MIN_AUROC, TEST_DATA, TRAIN_DATA, TRAINING, TWO_CONV_ARCHITECTURE, TWO_CONV_TRAINING } from '../test/validation/config';
import { FIXTURE_ROOT, TWO_CONV_FIXTURE_ROOT, type FixtureRecord } from '../test/validation/fixture';
import { JASPAR_ATTRIBUTION, MOTIFS } from '../test/validation/motifs';
import { RULES } from '../test/validation/rules';
import { saveLayersModel } from '../test/validation/save';
import { simulate } from '../test/validation/simulate';
import { predict, trainModel, type TrainLog } from '../test/validation/train';

interface Overrides {
  train?: Partial<typeof TRAIN_DATA>;
  test?: Partial<typeof TEST_DATA>;
  architecture?: Partial<typeof ARCHITECTURE>;
  training?: Partial<typeof TRAINING>;
  frequencies?: Record<string, number>;
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const kind = argument('--model') ?? 'one-conv';
  if (kind !== 'one-conv' && kind !== 'two-conv') throw new Error(`--model must be one-conv or two-conv, got '${kind}'`);
  const out = path.resolve(argument('--out') ?? (kind === 'two-conv' ? TWO_CONV_FIXTURE_ROOT : FIXTURE_ROOT));
  const o = JSON.parse(argument('--config') ?? '{}') as Overrides;
  const trainData = { ...TRAIN_DATA, ...o.train };
  const testData = { ...TEST_DATA, ...o.test };
  const architecture = { ...(kind === 'two-conv' ? TWO_CONV_ARCHITECTURE : ARCHITECTURE), ...o.architecture };
  const training = { ...(kind === 'two-conv' ? TWO_CONV_TRAINING : TRAINING), ...o.training };
  const motifs = MOTIFS.map((m) => ({ ...m, frequency: o.frequencies?.[m.role] ?? m.frequency }));
  // wasm: its matrix product is far faster than the cpu backend's on this training.
  const backend = await useBackend('wasm');
  const train = simulate(trainData, motifs);
  const test = simulate(testData, motifs);
  const validation = training.validation ? simulate({ ...trainData, count: training.validation.count, seed: training.validation.seed, noiseSeed: training.validation.seed + 1 }, motifs) : undefined;
  const log: TrainLog[] = [];
  const model = await trainModel(
    train,
    architecture,
    training,
    (l) => {
      log.push(l);
      const v = l.validationAuroc === undefined ? '' : `  validation AUROC ${l.validationAuroc.toFixed(4)}`;
      console.log(`epoch ${l.epoch}/${training.epochs}  loss ${l.loss.toFixed(4)}${v}  ${l.seconds.toFixed(0)} s`);
    },
    validation,
  );
  const p = predict(model, test);
  const k = RULES.length;
  const n = testData.count;
  const column = (labels: Float32Array, c: number) => Array.from({ length: n }, (_, i) => labels[i * k + c]);
  const scores: Record<string, number> = {};
  const observed: Record<string, number> = {};
  RULES.forEach((r, c) => {
    const prediction = column(p, c);
    scores[r.name] = auroc(prediction, column(test.labels, c));
    observed[r.name] = auroc(prediction, column(test.observed, c));
    console.log(
      `held-out AUROC ${r.name.padEnd(6)} ${scores[r.name].toFixed(4)} against the rule, ${observed[r.name].toFixed(4)} against noisy labels` +
        `${scores[r.name] < MIN_AUROC ? `  (below ${MIN_AUROC})` : ''}`,
    );
  });
  const scanner = scannerAuroc(test, motifs);
  console.log(`ideal scanner AUROC per motif: ${Object.entries(scanner).map(([m, v]) => `${m} ${v.toFixed(3)}`).join(', ')}`);
  const interactions = logitInteractions(test, p, RULES);
  for (const [name, v] of Object.entries(interactions)) console.log(`log-odds interaction ${name.padEnd(6)} ${v.contrast.toFixed(2)} (${(100 * v.relative).toFixed(0)}% of the larger main effect)`);
  const rate = (labels: Float32Array, c: number) => Array.from({ length: train.settings.count }, (_, i) => labels[i * k + c]).reduce((a, b) => a + b, 0) / train.settings.count;
  const record: FixtureRecord = {
    description:
      kind === 'two-conv'
        ? 'Synthetic DeepResolve validation model with two convolution layers (docs/validation.md, issue 15): the same data as test/fixtures/synthetic, a second convolution with a wider receptive field; the first convolution started from test/fixtures/synthetic\'s filters and was fine-tuned (training.conv1From, conv1Rate). Regenerate with npm run validate:train -- --model two-conv.'
        : 'Synthetic DeepResolve validation model (docs/validation.md): random background with planted JASPAR motifs, classes defined by logic rules over motif presence, trained on noisy labels. Regenerate with npm run validate:train.',
    attribution: JASPAR_ATTRIBUTION,
    motifs,
    classes: RULES.map((r, c) => ({ name: r.name, uses: r.uses, forbids: r.forbids, kind: r.kind, positiveRate: rate(train.labels, c), observedPositiveRate: rate(train.observed, c) })),
    data: { train: trainData, test: testData },
    architecture,
    training: { ...training, backend, log },
    auroc: scores,
    aurocObserved: observed,
    scannerAuroc: scanner,
    interactions,
    tfjs: tf.version_core,
    createdAt: new Date().toISOString(),
  };
  await saveLayersModel(model, out);
  fs.writeFileSync(path.join(out, 'generator.json'), JSON.stringify(record, null, 1) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), out)}/{model.json,weights.bin,generator.json}`);
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
