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
  classes: { name: string; uses: string[]; forbids: string[]; kind: string; positiveRate: number }[];
  data: { train: SimulatorSettings; test: SimulatorSettings };
  architecture: ArchitectureSettings;
  training: TrainSettings & { backend: string; log: TrainLog[] };
  /** Held-out AUROC per class, measured with the saved layers model. */
  auroc: Record<string, number>;
  /** Held-out AUROC of the ideal log-odds scanner per motif (oracle.ts): the attainable bound. */
  scannerAuroc: Record<string, number>;
  /** Interaction of the model's log-odds in the two motifs of each two-motif rule (interaction.ts). */
  interactions: Record<string, Interaction>;
  tfjs: string;
  createdAt: string;
}

export const FIXTURE_ROOT = path.resolve(__dirname, '../fixtures/synthetic');

export function readFixture(dir = FIXTURE_ROOT): FixtureRecord {
  return JSON.parse(fs.readFileSync(path.join(dir, 'generator.json'), 'utf8')) as FixtureRecord;
}
