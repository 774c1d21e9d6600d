/**
 * The TensorFlow.js ascents on worker threads (src/engine/ascent/pool.ts): the same numbers as one thread,
 * for the direct and the hidden-space ascent, on the cpu and wasm backends, for models from our
 * loaders; progress, cancellation (no worker left behind) and failures.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ascendOnWorkers, ascentPoolWorkers, poolTuning } from '../../src/engine/ascent/pool';
import type { AscentProgress } from '../../src/engine/ascent/pairs';
import { useBackend } from '../../src/engine/backend';
import { CancelledError, UserError } from '../../src/engine/errors';
import { loadModel } from '../../src/engine/load/index';
import type { LoadedModel } from '../../src/engine/load/model';
import { resolveFeatures } from '../../src/engine/resolve';
import type { Settings } from '../../src/engine/settings';
import { batchNormCnn, deepTailModel, loaded } from '../helpers/models';
import { kerasJson, layerWeights, tempDir, writeKerasH5 } from '../helpers/write-models';

const ROOT = path.resolve(__dirname, '..', '..');
const KERAS1 = path.join(ROOT, 'test/fixtures/keras1/ctcf-gm12878/16_G_best_archit.json');

/** Conv1D → BatchNorm → MaxPool → Conv1D → GlobalMaxPool → Dense → Dropout → Dense(sigmoid), through a Keras 2 HDF5 file. */
async function keras2Model(): Promise<LoadedModel> {
  const model = batchNormCnn();
  const file = await writeKerasH5(path.join(tempDir('ascent-pool-'), 'model.h5'), layerWeights(model), { full: true, architecture: kerasJson(model) });
  // The analysis layer: the first convolution, so that batch norm and the second convolution are in the head.
  return loadModel(file);
}

/** One run on this thread and one on two workers; the pool must have run and left no worker. */
async function bothWays(model: LoadedModel, settings: Partial<Settings>) {
  poolTuning.minSeconds = Infinity;
  // The TensorFlow.js pool: the native engine (which uses every core itself) is off here.
  const one = await resolveFeatures({ loaded: model, settings: { native: 'off', ...settings, workers: 1 } });
  poolTuning.minSeconds = 0;
  const started = ascentPoolWorkers.started;
  const progress: AscentProgress[] = [];
  const two = await resolveFeatures({ loaded: model, settings: { native: 'off', ...settings, workers: 2 } }, { onProgress: (p) => progress.push(p) });
  assert.equal(ascentPoolWorkers.started - started, 1, 'two threads: this one and one worker');
  assert.equal(ascentPoolWorkers.running, 0, 'no worker left running');
  assert.ok(!two.notes.some((n) => n.includes('one thread')), two.notes.join('; '));
  assert.equal(two.settings.ascentUsed, one.settings.ascentUsed);
  return { one, two, progress };
}

describe('ascent pool', () => {
  const tuning = { ...poolTuning };
  after(() => Object.assign(poolTuning, tuning));

  for (const backend of ['cpu', 'wasm'] as const) {
    describe(`${backend} backend`, () => {
      before(async () => {
        await useBackend(backend);
      });

      test('direct ascent: the same results on two workers as on one thread (dropout, batch norm in the head)', async () => {
        const model = loaded(deepTailModel());
        const { one, two, progress } = await bothWays(model, { restarts: 7, seed: 3, backend, ascent: 'direct', keepTraces: true, keepFeatureMaps: true, batchSize: 4 });
        assert.equal(two.settings.ascentUsed, 'direct');
        assert.deepEqual(two.classes, one.classes);
        // Progress: a start-up stage, then fractions across workers, ending at 1.
        assert.ok(progress.some((p) => p.stage === 'starting 1 worker thread'));
        assert.ok(progress.some((p) => p.stage === 'running on this thread and 1 worker thread'));
        const running = progress.filter((p) => p.stage === undefined);
        assert.ok(running.length >= 1);
        running.forEach((p) => assert.equal(p.pairsTotal, 21));
        assert.equal(running[running.length - 1].fraction, 1);
        assert.equal(running[running.length - 1].pairsDone, 21);
      });

      test('hidden-space ascent on TensorFlow.js: the same results on two workers', async () => {
        const model = loaded(deepTailModel());
        const { one, two } = await bothWays(model, { restarts: 7, seed: 5, backend, ascent: 'hidden', keepTraces: true });
        assert.equal(two.settings.ascentUsed, 'hidden');
        assert.deepEqual(two.classes, one.classes);
        // A second run finds G kept from the first (no store asked) and still uses the workers.
        const again = await bothWays(model, { restarts: 3, seed: 6, backend, ascent: 'hidden', starts: 'explicit' });
        assert.deepEqual(again.two.classes, again.one.classes);
      });
    });
  }

  test('real Keras 1 model (ctcf, wasm): the same OFIV on two workers', async () => {
    await useBackend('wasm');
    const model = await loadModel(KERAS1);
    const { one, two } = await bothWays(model, { restarts: 6, seed: 1, backend: 'wasm', ascent: 'direct' });
    assert.deepEqual(two.classes, one.classes);
  });

  test('Keras 2 HDF5 model with batch norm and dropout (wasm), analysed at its first convolution', async () => {
    await useBackend('wasm');
    const model = await keras2Model();
    const { one, two } = await bothWays(model, { restarts: 6, seed: 2, backend: 'wasm', layer: 'conv1d_1', ascent: 'direct' });
    assert.deepEqual(two.classes, one.classes);
  });

  test('not worth it: small work stays on this thread', async () => {
    await useBackend('cpu');
    Object.assign(poolTuning, tuning);
    const model = loaded(deepTailModel());
    const settings = { l2: 2.8, lr: 0.01, maxIter: 100, patience: 10, seed: 0, chunkSize: 8, keepTrace: false, keepFeatureMaps: false, workers: 2, backend: 'cpu' as const };
    const started = ascentPoolWorkers.started;
    assert.equal(await ascendOnWorkers('direct', model, 1, [{ cls: 0, restart: 0 }, { cls: 1, restart: 0 }], settings), null);
    assert.equal(await ascendOnWorkers('direct', model, 1, [{ cls: 0, restart: 0 }, { cls: 1, restart: 0 }], { ...settings, workers: 1 }), null);
    assert.equal(ascentPoolWorkers.started, started);
  });

  test('not enough free memory for two copies of the model: one thread, and a note says why', async () => {
    await useBackend('cpu');
    Object.assign(poolTuning, tuning, { minSeconds: 0, workerFixedBytes: 2 ** 50 });
    const model = loaded(deepTailModel());
    const notes: string[] = [];
    const settings = { l2: 2.8, lr: 0.01, maxIter: 100, patience: 10, seed: 0, chunkSize: 8, keepTrace: false, keepFeatureMaps: false, workers: 2, backend: 'cpu' as const };
    const started = ascentPoolWorkers.started;
    assert.equal(await ascendOnWorkers('direct', model, 1, [{ cls: 0, restart: 0 }, { cls: 1, restart: 0 }], settings, {}, { notes }), null);
    assert.equal(ascentPoolWorkers.started, started);
    assert.match(notes.join(), /^the ascent ran on one thread: 2 worker threads would need about \d+\.\d GB and \d+\.\d GB is free$/);
    Object.assign(poolTuning, tuning);
  });

  test('cancelling stops the workers and rejects with CancelledError', async () => {
    await useBackend('cpu');
    poolTuning.minSeconds = 0;
    const model = loaded(deepTailModel());
    const controller = new AbortController();
    const run = resolveFeatures(
      { loaded: model, settings: { restarts: 50, backend: 'cpu', ascent: 'direct', native: 'off', workers: 2, patience: 1_000_000, maxIter: 1_000_000 } },
      { signal: controller.signal, onProgress: (p) => p.stage === undefined && p.fraction > 0 && controller.abort() },
    );
    await assert.rejects(run, CancelledError);
    assert.equal(ascentPoolWorkers.running, 0);
  });

  test('a cancelled run leaves nothing that keeps the process alive', () => {
    // A separate process that cancels a pooled run and then simply returns: it must exit by itself.
    const script = `
      const { useBackend } = require(${JSON.stringify(path.join(ROOT, 'src/engine/backend.ts'))});
      const { resolveFeatures } = require(${JSON.stringify(path.join(ROOT, 'src/engine/resolve.ts'))});
      const { poolTuning, ascentPoolWorkers } = require(${JSON.stringify(path.join(ROOT, 'src/engine/ascent/pool.ts'))});
      const { linearHeadModel, loaded } = require(${JSON.stringify(path.join(ROOT, 'test/helpers/models.ts'))});
      poolTuning.minSeconds = 0;
      const controller = new AbortController();
      useBackend('cpu')
        .then(() =>
          resolveFeatures(
            { loaded: loaded(linearHeadModel()), settings: { restarts: 40, backend: 'cpu', native: 'off', workers: 2, patience: 1e6, maxIter: 1e6 } },
            { signal: controller.signal, onProgress: (p) => p.stage === undefined && controller.abort() },
          ),
        )
        .then(() => console.log('finished?'), (e) => console.log(e.name, ascentPoolWorkers.started, ascentPoolWorkers.running));
    `;
    // The timeout only catches a hang; it is not a speed requirement.
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(out.trim(), 'CancelledError 1 0');
  });

  test('a worker that dies gives one clear user error, and the others are stopped', async () => {
    await useBackend('cpu');
    poolTuning.minSeconds = 0;
    const model = loaded(deepTailModel());
    const pairs = Array.from({ length: 8 }, (_, i) => ({ cls: i % 3, restart: i }));
    const settings = { l2: 2.8, lr: 0.01, maxIter: 1_000_000, patience: 1_000_000, seed: 0, chunkSize: 8, keepTrace: false, keepFeatureMaps: false, workers: 2, backend: 'cpu' as const };
    let first = true;
    await assert.rejects(
      ascendOnWorkers('direct', model, 1, pairs, settings, {}, {
        onWorker: (w) => {
          if (first) w.once('message', () => void w.terminate());
          first = false;
        },
      }),
      (e: Error) => e instanceof UserError && /^an ascent worker thread failed: it stopped unexpectedly \(exit code \d+\) \(--workers 1 runs the ascent on one thread\)$/.test(e.message),
    );
    assert.equal(ascentPoolWorkers.running, 0);
  });

  test('an error inside a worker\'s ascent is reported as one user error', async () => {
    await useBackend('cpu');
    poolTuning.minSeconds = 0;
    const model = loaded(deepTailModel());
    // Class 7 does not exist: the worker's ascent throws.
    const pairs = [{ cls: 0, restart: 0 }, { cls: 7, restart: 0 }];
    const settings = { l2: 2.8, lr: 0.01, maxIter: 50, patience: 10, seed: 0, chunkSize: 8, keepTrace: false, keepFeatureMaps: false, workers: 2, backend: 'cpu' as const };
    await assert.rejects(ascendOnWorkers('direct', model, 1, pairs, settings), (e: Error) => e instanceof UserError && e.message.startsWith('an ascent worker thread failed: '));
    assert.equal(ascentPoolWorkers.running, 0);
  });
});
