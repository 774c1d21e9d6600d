/**
 * The analysis worker restarted (hard cancel, crash, "Restart Analysis Worker") loads ONNX
 * Runtime again. onnxruntime-node 1.20 could not, once the only thread that had loaded it ended
 * ('Module did not self-register': the direct ascent fell back to TensorFlow.js for the rest of
 * the VS Code session after one restart), and corrupted the heap when threads that had loaded it
 * came and went (`free(): invalid pointer`); this project ships 1.31, which does both. Its own
 * file: no other thread of this process may hold the library.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { WorkerClient } from '../../src/worker/client';

const ROOT = path.resolve(__dirname, '..', '..');
const MODEL = path.join(ROOT, 'test/fixtures/e2e/workspace/models/tiny/model.json');
const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/worker/worker.ts'))});`;

test('restarted, the analysis worker runs the direct ascent on ONNX Runtime again, each time', async () => {
  const client = new WorkerClient({ create: () => new Worker(ENTRY, { eval: true }) });
  try {
    const engines: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { results } = await client.run({ kind: 'resolve', backend: 'cpu', model: { path: MODEL }, settings: { restarts: 2, classes: '0', maxIter: 5, ascent: 'direct', workers: 1 } }).promise;
      engines.push(String(results.settings.ascentEngine));
      assert.ok(results.notes.some((n) => n.startsWith("direct ascent on ONNX Runtime's native CPU kernels")), `run ${i + 1}: ${results.notes.join('; ')}`);
      await client.stop();
    }
    assert.deepEqual(engines, Array(6).fill('onnxruntime'));
    assert.equal(client.starts, 6);
  } finally {
    await client.dispose();
  }
});
