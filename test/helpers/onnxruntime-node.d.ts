/** The few ONNX Runtime names the tests use as a second oracle (the npm package ships no .d.ts). */
declare module 'onnxruntime-node' {
  export class Tensor {
    constructor(type: 'float32', data: Float32Array, dims: readonly number[]);
    readonly dims: readonly number[];
    readonly data: Float32Array;
  }
  export class InferenceSession {
    static create(path: string): Promise<InferenceSession>;
    run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  }
}
