/**
 * Writing a large results document (docs/files-and-errors.md): `node --import tsx
 * bench/large-write.ts MB [pieces|stringify]` builds a results-shaped document (classes × 10
 * restarts × 960 features of FIVs) of about MB megabytes of JSON and writes it once, in pieces
 * through writeJsonAtomic (default) or as one JSON.stringify string; prints time and peak RSS.
 * Run each way in its own process so the peaks do not mix.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJsonAtomic } from '../src/engine/write-atomic';

const mb = Number(process.argv[2] ?? 300);
const how = process.argv[3] ?? 'pieces';

function documentOf(targetMB: number) {
  const features = 960;
  const restarts = 10;
  // About 20 characters of JSON per number.
  const classes = Math.ceil((targetMB * 1e6) / (features * (restarts + 1) * 20));
  let x = 0.5;
  const next = () => (x = (x * 9301 + 49297) % 233280) / 233280 - 0.5;
  return {
    schemaVersion: '1.1',
    classes: Array.from({ length: classes }, (_, i) => ({
      index: i,
      name: `class ${i}`,
      fiv: Array.from({ length: restarts }, () => Array.from({ length: features }, next)),
      ofiv: Array.from({ length: features }, next),
    })),
  };
}

const doc = documentOf(mb);
const out = path.join(os.tmpdir(), `deepresolve-large-write-${process.pid}.json`);
const before = process.memoryUsage().rss;
let peak = before;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const start = Date.now();
try {
  if (how === 'stringify') fs.writeFileSync(out, JSON.stringify(doc));
  else writeJsonAtomic(out, doc);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(`${how}: ${(fs.statSync(out).size / 1e6).toFixed(0)} MB of JSON in ${((Date.now() - start) / 1000).toFixed(1)} s; RSS ${(before / 1e6).toFixed(0)} MB before, +${((peak - before) / 1e6).toFixed(0)} MB at the peak`);
} catch (err) {
  console.log(`${how}: failed after ${((Date.now() - start) / 1000).toFixed(1)} s: ${(err as Error).message}`);
} finally {
  clearInterval(timer);
  fs.rmSync(out, { force: true });
}
