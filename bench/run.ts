/**
 * npm run bench: DeepResolve speed on this machine (issue 6). Each scenario runs in a child
 * process; results go to bench/results/latest.json and a table on stdout (copied into README).
 * Options: --full adds all 919 DeepSEA classes; --backends wasm,cpu picks backends;
 * --only NAME,NAME runs only those scenarios.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEEP_TAIL_HEAD_FLOPS, DEEPSEA_HEAD_FLOPS } from './models';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const full = args.includes('--full');
const backends = (option('--backends') ?? 'wasm,cpu').split(',');
try {
  require.resolve('@tensorflow/tfjs-node');
  if (!backends.includes('tensorflow')) backends.unshift('tensorflow');
} catch {
  // tfjs-node is optional and not installable everywhere
}

const plan: [string, string[]][] = [
  ['batch-1', backends],
  ['batch-16', backends],
  ['batch-64', backends],
  ['batch-256', backends.filter((b) => b !== 'cpu')],
  ['deepsea-1x10', backends],
  ['deepsea-1x10-cached-gram', ['wasm']],
  ['deepsea-1x10-direct', ['wasm']],
  ['deepsea-1x10-direct-w1', ['wasm']],
  ['deepsea-1x10-explicit', ['wasm']],
  ['deepsea-100x10', ['wasm']],
  ['deeptail-1x10', ['wasm']],
  ['deeptail-1x10-explicit', ['wasm']],
  ['deeptail-1x10-direct', ['wasm']],
  ['deeptail-100x10', ['wasm']],
  ['deeptail-100x10-w1', ['wasm']],
  ...(full ? ([['deepsea-919x10', ['wasm']], ['deeptail-919x10', ['wasm']]] as [string, string[]][]) : []),
  ['motifs-960-vs-jaspar', ['js']],
  ['render-heatmap-919x960', ['chromium']],
  ['render-similarity-919', ['chromium']],
  ['encode-all', backends],
  ['encode-all-direct', backends],
];
const only = option('--only')?.split(',');

const root = path.resolve(__dirname, '..');
const rows: Record<string, unknown>[] = [];
for (const [name, on] of plan) {
  if (only && !only.includes(name)) continue;
  for (const backend of on) {
    process.stderr.write(`${name} on ${backend} … `);
    let row: Record<string, unknown>;
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'scenario.ts'), name, backend], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
      row = JSON.parse(out.trim().split('\n').pop()!);
    } catch (err) {
      row = { name, backend, error: String((err as Error).message).split('\n')[0] };
    }
    process.stderr.write(`${JSON.stringify(row)}\n`);
    rows.push(row);
  }
}

const machine = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  memoryGB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  load: os.loadavg(),
  deepseaHeadFlopsPerPass: DEEPSEA_HEAD_FLOPS,
  deepTailHeadFlopsPerPass: DEEP_TAIL_HEAD_FLOPS,
};
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
rows.forEach((r) => {
  const e = effectiveGflops(r);
  if (e !== undefined) r.effectiveGflops = e;
});
fs.writeFileSync(path.join(__dirname, 'results', 'latest.json'), JSON.stringify({ machine, rows }, null, 2) + '\n');

/**
 * Effective GFLOP/s of an analysis: the direct path's work for the same iterations (pairs ×
 * iterations × FLOPs of one pass, counted from the layer shapes) per second of wall time. The
 * hidden-space paths do far less arithmetic for the same iterates, so this exceeds what the CPU
 * computes; the batch-N rows give the arithmetic rate of the direct path.
 */
function effectiveGflops(r: Record<string, unknown>): number | undefined {
  const flops = String(r.name).startsWith('deepsea-') ? DEEPSEA_HEAD_FLOPS : String(r.name).startsWith('deeptail-') ? DEEP_TAIL_HEAD_FLOPS : 0;
  if (!flops || typeof r.seconds !== 'number' || typeof r.pairs !== 'number' || typeof r.meanIterations !== 'number') return undefined;
  return (r.pairs * r.meanIterations * flops) / r.seconds / 1e9;
}

const fmt = (v: unknown, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : v === undefined ? '' : String(v));
const lines = [
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGB} GB, Node ${machine.node}; load ${machine.load.map((l) => l.toFixed(1)).join(' ')} at start`,
  '',
  `FLOPs per pass (forward + input gradient, from the layer shapes): DeepSEA head ${(DEEPSEA_HEAD_FLOPS / 1e9).toFixed(3)} G, deep-tail head ${(DEEP_TAIL_HEAD_FLOPS / 1e9).toFixed(3)} G. Effective GFLOP/s of an analysis = pairs × iterations × FLOPs per pass / wall time.`,
  '',
  '| scenario | backend | ascent | pass/s | GFLOP/s | effective GFLOP/s | wall s | iterations/pair | mean J | peak RSS MB |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) =>
    r.error
      ? `| ${r.name} | ${r.backend} | error: ${r.error} ||||||||`
      : `| ${r.name} | ${r.backend} | ${fmt(r.ascent)} | ${fmt(r.passesPerSecond)} | ${fmt(r.gflops)} | ${fmt(r.effectiveGflops, 0)} | ${fmt(r.seconds)} | ${fmt(r.meanIterations, 0)} | ${fmt(r.meanObjective, 4)} | ${fmt(r.maxRssMB, 0)} |`,
  ),
];
fs.writeFileSync(path.join(__dirname, 'results', 'latest.md'), lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');
