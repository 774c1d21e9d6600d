/**
 * OnnxOp: one ONNX node (or a step the ONNX loader needs, e.g. a padding before a convolution)
 * as a tfjs-layers layer, for ops that have no TF.js layer of the same meaning. The op runs on
 * tfjs-core ops (src/engine/ops), so tf.grad flows through it. Everything static lives in the
 * config (JSON: op type, attributes already rewritten into the stored layout, output shapes);
 * float constants are the layer's (non-trainable) weights. The class is registered with TF.js
 * serialisation, so a model that holds it survives the worker pool's toJSON → fromMemory trip.
 * Nothing here evaluates code from a file: the op type selects a function from a fixed table.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { constTensor, runOp, type ConstSpec, type OpAttrs } from '../ops';

type Shape = (number | null)[];

export interface OnnxOpConfig {
  /** The op (a key of the op table). */
  op: string;
  /** What the layer is, in Keras terms, for the engine's layer rules (e.g. 'Conv1D'); also shown by `layers`. */
  kind: string;
  attrs: OpAttrs;
  /**
   * Operand order of the op: 'd<i>' = data input i (one symbolic input may feed several operands:
   * tfjs-layers frees a tensor passed twice to one layer too early), 'w' = the next weight,
   * 'c' = the next of attrs.consts (small integer/boolean constants).
   */
  slots: string[];
  weightShapes: number[][];
  /** Output shapes with a null batch axis (one per output). */
  outputShapes: Shape[];
  name?: string;
  trainable?: boolean;
}

export class OnnxOp extends tfl.layers.Layer {
  static className = 'OnnxOp';
  readonly op: string;
  readonly kind: string;
  readonly attrs: OpAttrs;
  readonly slots: string[];
  readonly weightShapes: number[][];
  readonly outputShapes: Shape[];

  constructor(given: OnnxOpConfig | { name?: string; spec: string }) {
    super({ name: given.name, trainable: false });
    const config = 'spec' in given ? decodeSpec(given.spec) : given;
    this.op = config.op;
    this.kind = config.kind;
    this.attrs = config.attrs;
    this.slots = config.slots;
    this.weightShapes = config.weightShapes;
    this.outputShapes = config.outputShapes;
  }

  override build(): void {
    this.weightShapes.forEach((shape, i) => this.addWeight(`w${i}`, shape, 'float32', tfl.initializers.zeros(), undefined, false));
    this.built = true;
  }

  override computeOutputShape(): Shape | Shape[] {
    return this.outputShapes.length === 1 ? this.outputShapes[0] : this.outputShapes;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const data = Array.isArray(inputs) ? inputs : [inputs];
      const weights = this.weights.map((w) => w.read());
      const consts = (this.attrs.consts ?? []) as ConstSpec[];
      let w = 0;
      let c = 0;
      const operands = this.slots.map((s) => (s === 'w' ? weights[w++] : s === 'c' ? constTensor(consts[c++]) : data[Number(s.slice(1))]));
      const out = runOp(this.op, operands, this.attrs);
      return Array.isArray(out) && this.outputShapes.length === 1 ? out[0] : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { op, kind, attrs, slots, weightShapes, outputShapes } = this;
    return { ...super.getConfig(), spec: encodeSpec({ op, kind, attrs, slots, weightShapes, outputShapes }) };
  }
}

/*
 * tfjs-layers rewrites every string of a layer's config between camelCase and snake_case when it
 * serialises a model (and JSON turns ±Infinity into null), which would corrupt op names and
 * attributes. The static part therefore travels as one hex string of JSON, which both case
 * conversions leave alone; non-finite numbers are written as tagged strings.
 */
function encodeSpec(spec: Omit<OnnxOpConfig, 'name' | 'trainable'>): string {
  const json = JSON.stringify(spec, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `#num:${v}` : v));
  return Buffer.from(json, 'utf8').toString('hex');
}

function decodeSpec(hex: string): OnnxOpConfig {
  const json = Buffer.from(hex, 'hex').toString('utf8');
  return JSON.parse(json, (_k, v) => (typeof v === 'string' && v.startsWith('#num:') ? Number(v.slice(5)) : v)) as OnnxOpConfig;
}

tf.serialization.registerClass(OnnxOp);

/** What a layer is for the engine's rules: an OnnxOp's kind, else its TF.js class name. */
export function layerKind(layer: { getClassName(): string }): string {
  return layer instanceof OnnxOp ? layer.kind : layer.getClassName();
}
