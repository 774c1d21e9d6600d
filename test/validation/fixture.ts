/** The record written next to the trained synthetic model, and reading it back. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArchitectureSettings } from './architecture';
import type { Interaction } from './interaction';
import type { PlantedMotif } from './motifs';
import type { SimulatorSettings } from './simulate';
import type { TrainLog, TrainSettings } from './train';

export interface FixtureRecord {
  description: string;
  attribution: string;
  motifs: PlantedMotif[];
  /** positiveRate: by the rule on the training set; observedPositiveRate: of the (noisy) training labels. */
  classes: { name: string; uses: string[]; forbids: string[]; kind: string; positiveRate: number; observedPositiveRate?: number }[];
  data: { train: SimulatorSettings; test: SimulatorSettings };
  architecture: ArchitectureSettings;
  training: TrainSettings & { backend: string; log: TrainLog[] };
  /** Held-out AUROC per class against the rule's (noiseless) labels, measured with the saved layers model. */
  auroc: Record<string, number>;
  /** Held-out AUROC per class against noisy held-out labels (the same ε as in training). */
  aurocObserved?: Record<string, number>;
  /** Held-out AUROC of the ideal log-odds scanner per motif (oracle.ts): the attainable bound. */
  scannerAuroc: Record<string, number>;
  /** Interaction of the model's log-odds in the two motifs of each two-motif rule (interaction.ts). */
  interactions: Record<string, Interaction>;
  tfjs: string;
  createdAt: string;
}

export const FIXTURE_ROOT = path.resolve(__dirname, '../fixtures/synthetic');
/** The two-convolution model (config.ts, TWO_CONV_ARCHITECTURE). */
export const TWO_CONV_FIXTURE_ROOT = path.resolve(__dirname, '../fixtures/synthetic-two-conv');

export function readFixture(dir = FIXTURE_ROOT): FixtureRecord {
  return JSON.parse(fs.readFileSync(path.join(dir, 'generator.json'), 'utf8')) as FixtureRecord;
}
