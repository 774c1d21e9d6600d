/**
 * ONNX Runtime (npm onnxruntime-node: N-API, its CPU binaries inside the npm package) loaded on
 * first use. Not every platform or install has it (the extension's package may leave it out; a
 * machine may refuse its shared library), so `onnxRuntime()` gives null with the reason and the
 * direct ascent stays on TensorFlow.js.
 */

/** The few names of onnxruntime-node this project uses (the package ships no type declarations). */
export interface OrtTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(
      bytes: Uint8Array,
      options?: { intraOpNumThreads?: number; interOpNumThreads?: number; executionMode?: 'sequential' | 'parallel'; graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'; enableCpuMemArena?: boolean; logSeverityLevel?: 0 | 1 | 2 | 3 | 4 },
    ): Promise<OrtSession>;
  };
}

let loaded: { ort: OrtModule } | { error: string } | undefined;

export function onnxRuntime(): { ort: OrtModule } | { error: string } {
  if (loaded) return loaded;
  try {
    // A plain require, kept out of the bundle (scripts/build.mjs): the package finds its own binaries.
    loaded = { ort: require('onnxruntime-node') as OrtModule };
  } catch (err) {
    loaded = { error: `ONNX Runtime unavailable (${String((err as Error).message ?? err).split('\n')[0]})` };
  }
  return loaded;
}
