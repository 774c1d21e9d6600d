/**
 * A small writer of ONNX graphs (the messages of the official onnx.proto, package onnx-proto):
 * nodes, float32/int64 initializers, one model's bytes. The native direct ascent builds its
 * forward + input-gradient graph with it (head-graph.ts) for ONNX Runtime to run.
 */
import { onnx } from 'onnx-proto';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

type Attribute = number | number[] | { floats: number[] } | { float: number };

export const OPSET = 13;

export class OnnxBuilder {
  private nodes: onnx.INodeProto[] = [];
  private initializers: onnx.ITensorProto[] = [];
  private count = 0;
  private ints = new Map<string, string>();

  fresh(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }

  /** A float32 constant (initializer) of the given shape. */
  floats(values: Float32Array | number[], dims: number[], prefix = 'w'): string {
    const name = this.fresh(prefix);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.initializers.push({ name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** An int64 constant (shapes, axes, pads), shared between nodes that use the same one. */
  int64s(values: number[]): string {
    const key = values.join(',');
    const known = this.ints.get(key);
    if (known) return known;
    const name = this.fresh('i');
    this.initializers.push({ name, dataType: INT64, dims: [values.length], int64Data: values });
    this.ints.set(key, name);
    return name;
  }

  /** A float32 scalar, broadcast by the operators that take it. */
  scalar(value: number): string {
    return this.floats([value], [], 'c');
  }

  /** Adds a node; returns its output names (`outputs` of them). */
  node(op: string, inputs: string[], attributes: Record<string, Attribute> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()));
    const attribute: onnx.IAttributeProto[] = Object.entries(attributes).map(([name, v]) => {
      if (typeof v === 'number') return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if ('floats' in v) return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: v.floats };
      return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.float };
    });
    this.nodes.push({ opType: op, input: inputs, output: names, attribute, name: names[0] });
    return names;
  }

  /** One-output node. */
  op(op: string, inputs: string[], attributes: Record<string, Attribute> = {}): string {
    return this.node(op, inputs, attributes)[0];
  }

  /** Renames a value to a graph output name (Identity). */
  output(value: string, name: string) {
    this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `out_${name}` });
  }

  /** The model's bytes: float32 inputs and outputs with symbolic batch size N. */
  encode(inputs: [string, number[]][], outputs: [string, number[]][]): Uint8Array {
    const info = ([name, dims]: [string, number[]]): onnx.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, ...dims.map((d) => ({ dimValue: d }))] } } },
    });
    const model: onnx.IModelProto = {
      irVersion: 7,
      producerName: 'deepresolve',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: 'head', node: this.nodes, initializer: this.initializers, input: inputs.map(info), output: outputs.map(info) },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}

