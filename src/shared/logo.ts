/**
 * The one rule for which logo a feature shows (views, text tables, %logos, %motifs): a first-layer
 * filter's weight PWM when it has one, else its model-derived logo (results' features[].logo,
 * docs/motifs.md). Pure: shared by the engine's front ends and the renderer.
 */

export interface ShownLogo {
  matrix: number[][];
  ic?: number[];
  /** 'filter': weights of a first-layer filter; 'model': derived from the model (most activating windows). */
  source: 'filter' | 'model';
}

interface WithLogos {
  pwm?: number[][];
  ic?: number[];
  logo?: { probabilities: number[][]; ic: number[] };
}

export function shownLogo(f: WithLogos): ShownLogo | null {
  if (f.pwm?.length) return { matrix: f.pwm, ic: f.ic, source: 'filter' };
  if (f.logo?.probabilities.length) return { matrix: f.logo.probabilities, ic: f.logo.ic, source: 'model' };
  return null;
}
