/**
 * The direct ascent on ONNX Runtime in lanes (src/engine/ascent/native/lanes.ts): the pairs dealt
 * to worker threads and this one, each with a one-thread session, give bitwise the results of one
 * session (every lane count), report progress over all lanes, keep the finished classes when
 * cancelled, fall back to one session when a lane thread died at its start or could not make its
 * session, and hand every thread back idle — also when the head cannot be built for ONNX Runtime
 * after the lanes were started. The lane threads are reused and never ended (lanes.ts: ending a
 * thread that loaded onnxruntime-node corrupts the process): this file runs a dozen analyses in
 * lanes in one process, which the threads' old start-and-end crashed (`free(): invalid pointer`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { resolveFeatures } from '../../src/engine/resolve';
import { nativeDirectGraph } from '../../src/engine/ascent/native/ascent';
import { once } from 'node:events';
import { ascendOnLanes, laneRefusal, laneTuning, laneWorkers, startLanes } from '../../src/engine/ascent/native/lanes';
import { poolTuning } from '../../src/engine/ascent/pool';
import type { AscentProgress } from '../../src/engine/ascent/pairs';
import { seedWeights } from '../helpers/models';


/** Basset in small: conv/BN/ReLU/pool blocks, then dense layers and 4 sigmoid outputs. */
const tower = () =>
  seedWeights(
    tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [40, 4], filters: 6, kernelSize: 5, padding: 'same', name: 'conv1' }),
        tfl.layers.batchNormalization({}),
        tfl.layers.reLU({}),
        tfl.layers.maxPooling1d({ poolSize: 2 }),
        tfl.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 6, activation: 'relu' }),
        tfl.layers.dense({ units: 4, activation: 'sigmoid' }),
      ],
    }),
    3,
  );

const loaded = (model: tfl.LayersModel) => ({ model, name: 'm', path: '-', format: 'tfjs-layers' as const });
const settings = { backend: 'cpu' as const, layer: 'conv1', restarts: 3, maxIter: 40, seed: 5, ascent: 'direct' as const, native: 'auto' as const };
/** Every thread's exit has been seen (terminate() resolves as the 'exit' event is queued). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('direct ascent in lanes (ONNX Runtime, one thread per lane)', () => {
  const tuning = { minSeconds: laneTuning.minSeconds, progressMs: poolTuning.progressMs };
  before(async () => {
    await useBackend('cpu');
    // Lanes even for a head this small, and every progress report of the lanes passed on.
    laneTuning.minSeconds = 0;
    poolTuning.progressMs = 0;
  });
  after(() => {
    laneTuning.minSeconds = tuning.minSeconds;
    poolTuning.progressMs = tuning.progressMs;
  });

  test('2 and 3 lanes: bitwise the objectives, iterations, FIVs and OFIV of one session; threads reused, none busy after', async () => {
    const model = tower();
    const one = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, workers: 1 } });
    assert.ok(one.notes.some((n) => /native CPU kernels \(1 thread\)/.test(n)), one.notes.join('\n'));
    // 2 lanes start one thread; 3 lanes reuse it and start one more; 2 lanes again start none.
    for (const [lanes, newThreads, alive] of [[2, 1, 1], [3, 1, 2], [2, 0, 2], [3, 0, 2]]) {
      const started = laneWorkers.started;
      const r = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, workers: lanes } });
      assert.ok(r.notes.some((n) => n.includes(`(${lanes} lanes of one thread each)`)), r.notes.join('\n'));
      assert.equal(r.settings.ascentEngine, 'onnxruntime');
      assert.equal(laneWorkers.started - started, newThreads, `${lanes} lanes: threads started`);
      assert.equal(laneWorkers.alive, alive, 'lane threads alive: the most any run needed');
      assert.equal(r.classes.length, 4);
      r.classes.forEach((c, k) => {
        const ref = one.classes[k];
        assert.deepEqual(c.objectives, ref.objectives, `${lanes} lanes, class ${k}: objectives`);
        assert.deepEqual(c.iterations, ref.iterations, `${lanes} lanes, class ${k}: iterations`);
        assert.deepEqual(c.fiv, ref.fiv, `${lanes} lanes, class ${k}: FIVs`);
        assert.deepEqual(c.ofiv, ref.ofiv, `${lanes} lanes, class ${k}: OFIV`);
      });
      await settled();
      assert.equal(laneWorkers.busy, 0);
    }
  });

  test('progress over all lanes: pairs done never go back and end at every pair', async () => {
    const reports: AscentProgress[] = [];
    await resolveFeatures({ loaded: loaded(tower()), settings: { ...settings, workers: 2 } }, { onProgress: (p) => void (p.stage === undefined && reports.push(p)) });
    assert.ok(reports.length >= 2, `${reports.length} reports`);
    for (const p of reports) assert.equal(p.pairsTotal, 12);
    reports.slice(1).forEach((p, i) => assert.ok(p.pairsDone >= reports[i].pairsDone, `report ${i + 1}: ${p.pairsDone} after ${reports[i].pairsDone}`));
    assert.equal(reports.at(-1)!.pairsDone, 12);
    assert.ok(reports.at(-1)!.fraction > 0.999);
  });

  test('cancelled: the classes whose restarts all finished, equal to a full run; then a full run on the same threads', async () => {
    const model = tower();
    // One pair per step in each lane, so that the run can be stopped between classes.
    const s = { ...settings, workers: 2, batchSize: 1 };
    const full = await resolveFeatures({ loaded: loaded(model), settings: s });
    const controller = new AbortController();
    const r = await resolveFeatures(
      { loaded: loaded(model), settings: s },
      { signal: controller.signal, onProgress: (p) => void (p.stage === undefined && p.pairsDone >= 7 && controller.abort()) },
    );
    assert.equal(r.partial?.reason, 'cancelled');
    assert.ok(r.classes.length >= 1 && r.classes.length < 4, `${r.classes.length} classes kept`);
    for (const c of r.classes) {
      const ref = full.classes.find((f) => f.index === c.index)!;
      assert.deepEqual(c.objectives, ref.objectives, `class ${c.index}: objectives`);
      assert.deepEqual(c.ofiv, ref.ofiv, `class ${c.index}: OFIV`);
    }
    await settled();
    assert.equal(laneWorkers.busy, 0);
    // The cancelled lane thread serves the next run in full (a stale stop would end it early).
    const started = laneWorkers.started;
    const again = await resolveFeatures({ loaded: loaded(model), settings: s });
    assert.equal(laneWorkers.started, started);
    assert.equal(again.partial, undefined);
    assert.deepEqual(again.classes.map((c) => c.objectives), full.classes.map((c) => c.objectives));
  });

  test('a head ONNX Runtime cannot run, after the lanes were started: TensorFlow.js with a note, the lane threads given back', async () => {
    const model = seedWeights(
      tfl.sequential({
        layers: [
          tfl.layers.conv1d({ inputShape: [20, 4], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
          tfl.layers.conv1d({ filters: 3, kernelSize: 3, strides: 2, name: 'strided' }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 2 }),
        ],
      }),
      6,
    );
    const r = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, restarts: 2, maxIter: 10, workers: 2 } });
    assert.equal(r.settings.ascentEngine, 'tensorflow.js');
    assert.ok(r.notes.some((n) => /direct ascent on TensorFlow\.js: layer 'strided'/.test(n)), r.notes.join('\n'));
    await settled();
    assert.equal(laneWorkers.busy, 0);
    // The thread handed out before the graph was built is handed out again.
    const started = laneWorkers.started;
    const next = await resolveFeatures({ loaded: loaded(tower()), settings: { ...settings, workers: 2 } });
    assert.equal(next.settings.ascentEngine, 'onnxruntime');
    assert.equal(laneWorkers.started, started);
  });

  test('a lane thread that ended before its run: null (the caller runs one session), the other threads given back', async () => {
    const model = tower();
    const graph = nativeDirectGraph(model, 0, {}, 2.8, 2);
    assert.ok(!('unsupported' in graph));
    const alive = laneWorkers.alive;
    // Every idle thread, and one new one that ends at its start (it never loads ONNX Runtime).
    laneTuning.script = 'process.exit(3)';
    const crew = startLanes(alive + 2);
    laneTuning.script = undefined;
    await once(crew.at(-1)!, 'exit');
    await settled();
    const pairs = [0, 1, 2].map((cls) => ({ cls, restart: 0 }));
    const out = await ascendOnLanes(graph, crew, pairs, { l2: 2.8, lr: 1, maxIter: 5, patience: 5, seed: 1, chunkSize: 4, keepTrace: false, keepFeatureMaps: false });
    assert.equal(out, null);
    assert.equal(laneWorkers.busy, 0);
    assert.equal(laneWorkers.alive, alive, 'the thread that ended is not handed out again');
  });

  // Last: it turns lanes off for the rest of this process.
  test('a lane thread that cannot make its session: the same results on one session, and no lanes after', async () => {
    const model = tower();
    const one = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, workers: 1 } });
    // Every idle thread, and one new one that refuses its session.
    laneTuning.script = `const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => m.type === 'run' && parentPort.postMessage({ type: 'failed', stage: 'load', name: 'Error', message: 'no ONNX Runtime in this thread' }));`;
    const r = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, workers: laneWorkers.alive + 2 } });
    laneTuning.script = undefined;
    assert.equal(laneRefusal.reason, 'no ONNX Runtime in this thread');
    assert.equal(r.settings.ascentEngine, 'onnxruntime');
    assert.deepEqual(r.classes.map((c) => c.objectives), one.classes.map((c) => c.objectives));
    assert.deepEqual(r.classes.map((c) => c.ofiv), one.classes.map((c) => c.ofiv));
    const after = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, workers: 2 } });
    assert.ok(after.notes.some((n) => /native CPU kernels \(2 threads\)/.test(n)), after.notes.join('\n'));
    assert.equal(laneWorkers.busy, 0);
  });
});
