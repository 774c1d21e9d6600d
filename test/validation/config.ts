/**
 * Settings of the synthetic data, model and training used by `npm run validate:train`
 * (scripts/validation-train.ts). The fixture records the settings it was made with
 * (test/fixtures/synthetic/generator.json); the checks read that record, not this file.
 */
import type { ArchitectureSettings } from './architecture';
import type { SimulatorSettings } from './simulate';
import type { TrainSettings } from './train';
import { RULES } from './rules';

/**
 * Label noise ε (each observed label is the rule's label flipped with probability ε), as in real
 * ChIP-seq labels; training uses the noisy labels, the held-out AUROC is measured against the rule
 * (and also against noisy held-out labels). 0 for the committed fixture: noise makes AND
 * non-additive in log-odds on the data, but DeepResolve still finds one optimum for `A&B`, and with
 * ε ≥ 0.05 no filter learns the rare F motif (`A&F` AUROC < 0.9); docs/validation.md, findings.
 */
export const LABEL_NOISE = 0;

export const TRAIN_DATA: SimulatorSettings = { length: 200, gc: 0.42, count: 8000, seed: 20190101, minSiteScore: 0.75, labelNoise: LABEL_NOISE, noiseSeed: 20190201 };
export const TEST_DATA: SimulatorSettings = { length: 200, gc: 0.42, count: 2000, seed: 20190102, minSiteScore: 0.75, labelNoise: LABEL_NOISE, noiseSeed: 20190202 };

export const ARCHITECTURE: ArchitectureSettings = { length: 200, filters: 32, width: 15, hidden: 32, classes: RULES.length, seed: 7 };

export const TRAINING: TrainSettings = { epochs: 40, batchSize: 32, learningRate: 0.003, weightDecay: 1e-4, seed: 7 };

/**
 * The two-convolution model (issue 15: logos of deeper channels): Conv1D(32, width 15) → max-pool 2
 * → Conv1D(32, width 5) → max-pool over all positions → Dense(32) → Dense(7). The second
 * convolution sees 15 + 1 + 4·2 = 24 bp, the first 15 bp. Same data as the one-convolution model.
 */
export const TWO_CONV_ARCHITECTURE: ArchitectureSettings = { ...ARCHITECTURE, width: 15, conv2: { filters: 32, width: 5, pool: 2 } };

/**
 * Its training: the first convolution starts from the one-convolution fixture's filters (trained
 * on the same sequences) and learns at a tenth of the rate, the rest from Glorot-uniform; the
 * epoch kept is the best on a validation set simulated apart (its own seed). Trained from scratch
 * like the one-convolution model, four variants missed AUROC 0.9 on A&F and B^C (docs/validation.md).
 */
export const TWO_CONV_TRAINING: TrainSettings = { ...TRAINING, conv1From: 'test/fixtures/synthetic', conv1Rate: 0.1, validation: { count: 2000, seed: 20190103, patience: 6 } };

/** Held-out AUROC every class must reach (the issue: ≥ 0.9 where the rule allows). */
export const MIN_AUROC = 0.9;
