/**
 * The kernel process (dist/kernel.js, started by `deepresolve kernel run --connection-file F`,
 * which kernel.json names): the kernel and, on demand, the analysis worker (dist/worker.js); it
 * stops when Jupyter shuts it down, on SIGTERM, or when the process that started it is gone.
 * SIGINT interrupts the running cell instead of ending the kernel.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { debugEnabled } from '../engine/errors';
import { WorkerClient } from '../worker/client';
import type { Connection } from './connection';
import { Kernel } from './kernel';

/** How often the kernel checks that the process that started it still runs. */
const PARENT_POLL_MS = 3000;

function log(line: string) {
  process.stderr.write(`[DeepResolve kernel] ${line}\n`);
}

function createWorker(): Worker {
  // As in the extension: a heap limit makes a runaway analysis a worker error, not a dead kernel.
  const execArgv = debugEnabled() ? ['--enable-source-maps'] : [];
  return new Worker(path.join(__dirname, 'worker.js'), { name: 'deepresolve-analysis', resourceLimits: { maxOldGenerationSizeMb: 2048 }, execArgv });
}

/** Stops the kernel when the Jupyter server that started it died without shutting it down. */
function watchParent(kernel: Kernel) {
  const parent = Number(process.env.JPY_PARENT_PID) || process.ppid;
  const timer = setInterval(() => {
    let alive = true;
    try {
      process.kill(parent, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) {
      log(`the process that started the kernel (${parent}) is gone: stopping`);
      void kernel.stop();
    }
  }, PARENT_POLL_MS);
  timer.unref();
}

/** Runs the kernel on a connection file's contents (read by the CLI) until it is shut down. */
export async function runKernel(connection: Connection): Promise<number> {
  const client = new WorkerClient({ create: createWorker, log });
  const kernel = new Kernel({ connection, client, folder: process.cwd(), notebook: process.env.JPY_SESSION_NAME, log });
  await kernel.start();
  process.on('SIGINT', () => kernel.interrupt());
  process.on('SIGTERM', () => void kernel.stop());
  watchParent(kernel);
  await kernel.stopped;
  // Nothing should keep the process alive now; if something does, end it anyway.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
