/**
 * The features[] of a result: names, the weight PWMs of first-layer filters, and model-derived
 * logos as --feature-logos asks (settings.ts: auto, filters, optimised, all, none), for every
 * channel in a class's top --logo-top by |OFIV| or for all. Runs after the ascent, where the
 * analysis runs, with progress and cancellation.
 */
import type { AscentProgress } from '../ascent/pairs';
import { listLayers } from '../layers';
import type { LoadedModel } from '../load/model';
import { firstLayerPwms } from '../pwm';
import type { ClassResult, FeatureInfo } from '../results';
import type { Settings } from '../settings';
import { modelLogos, type LogoOutcome } from './index';
import { logoSourceLayer } from './source';

/** Work the sampling may cost by default (floating-point operations of the forward passes). */
export const LOGO_FLOP_BUDGET = 4e11;
export const MIN_SEQUENCES = 500;
/**
 * At most this many by default, however cheap the model. Measured (bench/logo-sequences.ts):
 * 20,000 against 10,000 keeps the ENCODE top filters' logos as close to their weight PWMs
 * (0.748/0.878/0.875 against 0.744/0.883/0.862) and names more second-convolution channels of the
 * two-convolution validation model by their planted factor; 40,000 makes the ENCODE logos longer
 * and further from the weights (0.654/0.885/0.680).
 */
export const MAX_SEQUENCES = 20000;

/** Floating-point operations of one forward pass of one sequence up to layer `upTo`: 2 per weight per output position. */
export function forwardFlops(loaded: LoadedModel, upTo: number): number {
  return listLayers(loaded.model)
    .filter((l) => l.index <= upTo)
    .reduce((a, l) => a + 2 * loaded.model.layers[l.index].countParams() * l.outputShape.slice(0, -1).reduce<number>((x, d) => x * (d ?? 1), 1), 0);
}

/** Sequences sampled when the settings leave it open: what fits the budget, within [MIN_SEQUENCES, MAX_SEQUENCES]. */
export function defaultSequences(loaded: LoadedModel, layerIndex: number): number {
  const flops = forwardFlops(loaded, logoSourceLayer(loaded.model, layerIndex));
  return Math.max(MIN_SEQUENCES, Math.min(MAX_SEQUENCES, Math.round(LOGO_FLOP_BUDGET / Math.max(flops, 1))));
}

/** Channels in any class's top `n` by |OFIV|, ascending. */
export function topChannels(classes: Pick<ClassResult, 'ofiv'>[], n: number): number[] {
  const picked = new Set<number>();
  for (const c of classes) {
    const order = c.ofiv.map((_, k) => k).sort((a, b) => Math.abs(c.ofiv[b]) - Math.abs(c.ofiv[a]) || a - b);
    for (const k of order.slice(0, n)) picked.add(k);
  }
  return [...picked].sort((a, b) => a - b);
}

export interface FeatureHooks {
  signal?: AbortSignal;
  onProgress?: (p: AscentProgress) => void;
}

/** Why channels got no logo, grouped: "3 never activate (dead ReLU), 1 too rarely active". */
function summary(outcome: LogoOutcome): string {
  const reasons = [...outcome.missing.values()];
  if (new Set(reasons).size === 1) return reasons[0];
  const count = (test: (r: string) => boolean) => reasons.filter(test).length;
  const dead = count((r) => r.startsWith('never activates'));
  const rare = count((r) => r.startsWith('activates in only'));
  const other = reasons.length - dead - rare;
  return [dead ? `${dead} never activate (dead ReLU)` : '', rare ? `${rare} too rarely active` : '', other ? `${other} with no letter preference or a constant output` : ''].filter(Boolean).join(', ');
}

/** Where the forward passes ran: ' on ONNX Runtime (2 threads)', or TensorFlow.js and why. */
function engineNote(outcome: LogoOutcome): string {
  const e = outcome.engine;
  if (!e) return '';
  if (e.name === 'onnxruntime') return ` on ONNX Runtime (${e.threads} thread${e.threads === 1 ? '' : 's'})`;
  return e.fallback ? ` on TensorFlow.js (${e.fallback})` : ' on TensorFlow.js';
}

/** features[] for the analysis of `layerIndex` with `channels` features; notes for the reader are pushed to `notes`. */
export async function buildFeatures(loaded: LoadedModel, layerIndex: number, channels: number, classes: ClassResult[], settings: Settings, notes: string[], hooks: FeatureHooks = {}): Promise<FeatureInfo[]> {
  const mode = settings.featureLogos;
  const pwms = mode === 'none' ? null : firstLayerPwms(loaded.model, layerIndex);
  const derive = mode === 'optimised' || mode === 'all' || (mode === 'auto' && !pwms);
  const features: FeatureInfo[] = Array.from({ length: channels }, (_, k) => (pwms ? { index: k, name: `filter ${k}`, pwm: pwms[k].matrix, ic: pwms[k].ic } : { index: k, name: `feature ${k}` }));
  if (mode === 'none') {
    notes.push('sequence logos not computed (--feature-logos none): features are not named by known motifs');
    return features;
  }
  if (!derive) {
    if (!pwms) notes.push("features are not first-layer filters (or the input is not one-hot DNA): no filter PWMs; --feature-logos optimised derives logos from the model");
    return features;
  }
  const wanted = mode === 'all' ? features.map((f) => f.index) : topChannels(classes, settings.logoTop);
  const sequences = settings.logoSequences ?? defaultSequences(loaded, layerIndex);
  const started = Date.now();
  const outcome = await modelLogos(loaded, layerIndex, wanted, { sequences, seconds: settings.logoSeconds, top: settings.logoWindows, seed: settings.seed, native: settings.native, workers: settings.workers }, {
    signal: hooks.signal,
    onProgress: (p) => {
      const elapsed = (Date.now() - started) / 1000;
      const fraction = p.done / p.total;
      const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : null;
      hooks.onProgress?.({
        pairsDone: 0,
        pairsTotal: 0,
        fraction,
        active: 0,
        chunkSize: 0,
        elapsedSeconds: elapsed,
        etaSeconds: eta,
        stage: `sequence logos of ${wanted.length} channel${wanted.length === 1 ? '' : 's'}: ${Math.floor(fraction * 100)}% of ${p.total} random sequences${eta === null ? '' : `, about ${Math.max(1, Math.round(eta))} s left`}`,
      });
    },
  });
  for (const k of wanted) {
    const logo = outcome.logos.get(k);
    if (logo) features[k] = { ...features[k], logo };
    else features[k] = { ...features[k], noLogo: outcome.missing.get(k) ?? 'no logo' };
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const which = mode === 'all' ? 'every channel' : `each class's top ${settings.logoTop} channels by |OFIV|`;
  const field = outcome.field && !outcome.field.whole ? ` (receptive field ${outcome.field.size} bp, stride ${outcome.field.stride})` : '';
  // The time budget (--logo-seconds) cut the sampling short: say how far it got.
  const drawn = outcome.stopped === 'time' ? `${outcome.sequences} of ${sequences} random sequences (--logo-seconds ${settings.logoSeconds} reached)` : `${sequences} random sequences`;
  notes.push(
    `model-derived sequence logos: ${outcome.logos.size} of ${wanted.length} channels (${which}) of layer '${outcome.layer ?? loaded.model.layers[layerIndex].name}'${field}, ` +
      `from the ${settings.logoWindows} most activating peak windows of ${drawn}, in ${seconds} s${engineNote(outcome)}` +
      (outcome.missing.size ? `; no logo: ${summary(outcome)}` : ''),
  );
  return features;
}
