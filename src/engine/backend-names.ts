/**
 * Backend names, apart from backend.ts so that the extension host and the option parser can use
 * them without loading TensorFlow.js.
 */
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;
