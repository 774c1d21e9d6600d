/**
 * The classes of the synthetic model: logic rules over motif presence, one sigmoid output each.
 * Each rule names the check it serves (docs/validation.md).
 */
import type { PlantedMotif } from './motifs';

type Role = PlantedMotif['role'];
export type Presence = Record<Role, boolean>;

export interface ClassRule {
  name: string;
  /** Motifs that make the class (positive roles) and that forbid it (negative roles). */
  uses: Role[];
  forbids: Role[];
  kind: 'single' | 'and' | 'or' | 'and-not' | 'xor';
  label: (p: Presence) => boolean;
}

export const RULES: ClassRule[] = [
  { name: 'A', uses: ['A'], forbids: [], kind: 'single', label: (p) => p.A },
  { name: 'A&B', uses: ['A', 'B'], forbids: [], kind: 'and', label: (p) => p.A && p.B },
  { name: 'B|C', uses: ['B', 'C'], forbids: [], kind: 'or', label: (p) => p.B || p.C },
  { name: 'C&!D', uses: ['C'], forbids: ['D'], kind: 'and-not', label: (p) => p.C && !p.D },
  // The two classes that share A; E and F are rare and independent, so their labels rarely co-occur.
  { name: 'A&E', uses: ['A', 'E'], forbids: [], kind: 'and', label: (p) => p.A && p.E },
  { name: 'A&F', uses: ['A', 'F'], forbids: [], kind: 'and', label: (p) => p.A && p.F },
  // Exactly one of B and C: unlike AND, not expressible as a sum in log-odds (docs/validation.md).
  { name: 'B^C', uses: ['B', 'C'], forbids: [], kind: 'xor', label: (p) => p.B !== p.C },
];

export const SHARING_PAIR: [string, string] = ['A&E', 'A&F'];
/** Classes of the non-additivity check: the AND class, and XOR (non-additive in log-odds). */
export const NON_ADDITIVE_CLASSES = ['A&B', 'B^C'];
