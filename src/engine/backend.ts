/**
 * Backend selection. `auto` prefers native TensorFlow (when the optional @tensorflow/tfjs-node
 * is installed and loads), then WebAssembly (ships with the extension), then plain JavaScript.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// Named imports, not bare ones: the bundler drops bare imports of packages marked side-effect free,
// and these modules register their backends and kernels when loaded.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { UserError } from './errors';

import { BACKENDS, type BackendChoice, type BackendName } from './backend-names';

export { BACKENDS, type BackendChoice, type BackendName };

/** Versions of the TensorFlow.js parts in use, recorded in every result. */
export const TFJS_VERSIONS = { core: tf.version_core, cpu: version_cpu, wasm: version_wasm };

// tfjs prints an advert for tfjs-node on first use of the cpu backend; our users cannot act on it.
tf.env().set('PROD', true);

/** Where the backend's .wasm files are: next to the bundle (dist/wasm) or in node_modules. */
function wasmDirectory(): string | undefined {
  const candidates = [path.join(__dirname, 'wasm')];
  try {
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // not resolvable from a bundle: the dist/wasm candidate must do
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')));
}

async function tryTensorflow(): Promise<boolean> {
  try {
    // Optional dependency: absent on most machines. Loading it registers the 'tensorflow' backend.
    await import('@tensorflow/tfjs-node' as string);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

// Set at load time: tfjs initialises its highest-priority backend (wasm) on the first tensor
// operation if nobody chose one, and it must find its .wasm files then too.
const WASM_DIR = wasmDirectory();
if (WASM_DIR) setWasmPaths(WASM_DIR + path.sep);

async function tryWasm(): Promise<boolean> {
  if (!WASM_DIR) return false;
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Runs `build` (building a model and loading its weights) on the plain-JavaScript backend while
 * the wasm backend is active, then makes wasm active again. On the cpu backend a tensor's data is
 * the array it was made from: the zero-filled initial weights TF.js creates before loading cost
 * untouched memory, and the loaded weights are not copied. Each weight then moves to the wasm
 * backend in one copy the first time an operation there uses it, and one that only is read
 * (W₁ for the Gram matrix) never does. Built on wasm, every weight was written into its memory
 * twice, zeros and then the file's values: 0.8–1.0 s of DeepSEA's load (211 MB), now ~0.5 s.
 * The weights are the same bits either way. Only for a process that runs nothing else on
 * TensorFlow.js meanwhile (LoadOptions.alone): another task's operations scheduled during
 * `build` would run on the cpu backend.
 */
export async function buildOnPlainBackend<T>(build: () => Promise<T>): Promise<T> {
  const active = tf.getBackend();
  if (active !== 'wasm') return build();
  await tf.setBackend('cpu');
  try {
    return await build();
  } finally {
    await tf.setBackend(active);
  }
}

/** Activates a backend and returns the name of the one in use. */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  if (!BACKENDS.includes(choice)) {
    throw new UserError(`unknown backend '${choice}' (choose one of ${BACKENDS.join(', ')})`);
  }
  const current = tf.getBackend() as BackendName | undefined;
  if (choice !== 'auto' && current === choice) return choice;
  const attempts: Record<BackendName, () => Promise<boolean>> = {
    tensorflow: tryTensorflow,
    wasm: tryWasm,
    cpu: () => tf.setBackend('cpu'),
  };
  if (choice !== 'auto') {
    if (await attempts[choice]()) return choice;
    const why = choice === 'tensorflow' ? ' (@tensorflow/tfjs-node is not installed or did not load)' : '';
    throw new UserError(`backend '${choice}' is not available on this machine${why}`);
  }
  for (const name of ['tensorflow', 'wasm', 'cpu'] as BackendName[]) {
    if (await attempts[name]()) return name;
  }
  throw new UserError('no TensorFlow.js backend could be started');
}
