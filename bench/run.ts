/**
 * npm run bench: DeepResolve speed on this machine (issue 6). Each scenario runs in a child
 * process; results go to bench/results/latest.json and a table on stdout (copied into README).
 * Options: --full adds all 919 DeepSEA classes and all 164 Basset classes; --backends wasm,cpu
 * picks backends; --only NAME,NAME runs only those scenarios; --no-torch skips the PyTorch side;
 * --out NAME writes bench/results/NAME.{json,md} instead of latest.{json,md}; --torch-threads 1,2
 * runs the PyTorch side once per thread count and compares with its fastest (default: 2).
 *
 * The PyTorch side (issue 16): a scenario whose row names a `torchJob` is followed at once by the
 * same work in PyTorch (bench/torch-ascent.py, 2 threads) when /usr/bin/python3 has torch
 * (`apt-get install python3-torch libopenblas0-pthread`: without an optimised BLAS, Debian's torch
 * multiplies with the reference one, and the bench says so); the row gets both times and their ratio.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASSET_HEAD_FLOPS, BPNET_HEAD_FLOPS, DEEP_TAIL_HEAD_FLOPS, DEEPSEA_HEAD_FLOPS } from './models';

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
  ['deepsea-1x10-cli-cold', ['wasm']],
  ['deepsea-1x10-cli-cold-filters', ['wasm']],
  ['deepsea-1x10-cached-gram', ['wasm']],
  ['deepsea-1x10-direct', ['wasm']],
  ['deepsea-1x10-direct-native', ['wasm']],
  ['deepsea-1x10-direct-native-t1', ['wasm']],
  ['deepsea-1x10-direct-w1', ['wasm']],
  ['bpnet-4x10-native', ['wasm']],
  ['bpnet-4x10-native-t1', ['wasm']],
  ['bpnet-4x10-30it', ['wasm']],
  ['bpnet-4x10-30it-native', ['wasm']],
  ['basset-1x10-native', ['wasm']],
  ['basset-1x10-native-t1', ['wasm']],
  ['basset-1x10-30it', ['wasm']],
  ['basset-1x10-30it-native', ['wasm']],
  ['basset-1x10-30it-native-t1', ['wasm']],
  ['bpnet-4x10-30it-native-t1', ['wasm']],
  ['deepsea-1x10-explicit', ['wasm']],
  ['deepsea-100x10', ['wasm']],
  ['deeptail-1x10', ['wasm']],
  ['deeptail-1x10-explicit', ['wasm']],
  ['deeptail-1x10-direct', ['wasm']],
  ['deeptail-100x10', ['wasm']],
  ['deeptail-100x10-tfjs', ['wasm']],
  ['deeptail-100x10-w1', ['wasm']],
  ...(full ? ([['deepsea-919x10', ['wasm']], ['deeptail-919x10', ['wasm']], ['basset-164x10-native', ['wasm']]] as [string, string[]][]) : []),
  ['motifs-960-vs-jaspar', ['js']],
  ['logos-deepsea-960', ['wasm']],
  ['logos-deepsea-20', ['wasm']],
  ['render-heatmap-919x960', ['chromium']],
  ['render-similarity-919', ['chromium']],
  ['finders-919x960', ['chromium']],
  ['encode-all', backends],
  ['encode-all-direct', backends],
];
const only = option('--only')?.split(',');
const PYTHON = '/usr/bin/python3';
/** PyTorch's version and the BLAS library it multiplies with (the first one mapped after a product). */
const torchInfo = (() => {
  if (args.includes('--no-torch')) return null;
  const probe = "import re, torch; torch.ones(64, 64) @ torch.ones(64, 64); print(torch.__version__); print(next((l.split()[-1] for l in open('/proc/self/maps') if re.search(r'blas|mkl', l)), 'unknown'))";
  try {
    const [version, blas] = execFileSync(PYTHON, ['-c', probe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    return { version, blas };
  } catch {
    return null;
  }
})();
const torchVersion = torchInfo?.version ?? null;
// Debian's python3-torch multiplies with whatever libblas.so.3 points to: the reference BLAS when
// no optimised one is installed, ~9× slower on DeepSEA's dense layer (measured: 14 against 128
// passes/s), which would make every ratio to PyTorch flatter us.
const referenceBlas = !!torchInfo && /\/blas\/libblas\.so/.test(torchInfo.blas);
if (args.includes('--no-torch')) process.stderr.write('--no-torch: the PyTorch columns stay empty\n');
else if (!torchVersion) process.stderr.write(`no PyTorch in ${PYTHON}: the PyTorch columns stay empty (apt-get install python3-torch libopenblas0-pthread)\n`);
else if (referenceBlas) process.stderr.write(`PyTorch multiplies with the reference BLAS (${torchInfo!.blas}): its times are not a fair comparison (apt-get install libopenblas0-pthread)\n`);

const torchThreads = (option('--torch-threads') ?? '2').split(',').map(Number);

/** The same work in PyTorch, right after ours (same head, passes and batch size), at each thread count: the fastest, and all. */
function torchSide(job: { model: string; passes: number; batch: number }) {
  const runs = torchThreads.map((threads) => {
    const out = execFileSync(PYTHON, [path.join(__dirname, 'torch-ascent.py'), job.model, '--passes', String(job.passes), '--batch', String(job.batch), '--threads', String(threads)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').pop()!) as { seconds: number; passesPerSecond: number; threads: number; torch: string };
  });
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return { ...best, runs: runs.map((r) => ({ threads: r.threads, seconds: r.seconds })) };
}

const loadAtStart = os.loadavg();
const root = path.resolve(__dirname, '..');
const rows: Record<string, unknown>[] = [];
for (const [name, on] of plan) {
  if (only && !only.includes(name)) continue;
  for (const backend of on) {
    process.stderr.write(`${name} on ${backend} … `);
    let row: Record<string, unknown>;
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'scenario.ts'), name, backend], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
      row = JSON.parse(out.trim().split('\n').pop()!);
    } catch (err) {
      row = { name, backend, error: String((err as Error).message).split('\n')[0] };
    }
    if (torchVersion && row.torchJob && !row.error) {
      try {
        const t = torchSide(row.torchJob as { model: string; passes: number; batch: number });
        row.torchSeconds = t.seconds;
        row.torchPassesPerSecond = t.passesPerSecond;
        row.torchThreads = t.threads;
        row.torchRuns = t.runs;
        // > 1: this project is faster than PyTorch at the same work.
        row.vsTorch = t.seconds / (row.seconds as number);
      } catch (err) {
        row.torchError = String((err as Error).message).split('\n')[0];
      }
    }
    const { ofiv: _ofiv, ...shown } = row;
    process.stderr.write(`${JSON.stringify(shown)}\n`);
    rows.push(row);
  }
}

const machine = {
  date: new Date().toISOString(),
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  memoryGB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  torch: torchVersion,
  torchBlas: torchInfo?.blas ?? null,
  load: loadAtStart,
  loadAtEnd: os.loadavg(),
  command: `npm run bench -- ${args.join(' ')}`.trim(),
  deepseaHeadFlopsPerPass: DEEPSEA_HEAD_FLOPS,
  deepTailHeadFlopsPerPass: DEEP_TAIL_HEAD_FLOPS,
};
fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
rows.forEach((r) => {
  const e = effectiveGflops(r);
  if (e !== undefined) r.effectiveGflops = e;
});
const outName = option('--out') ?? 'latest';
fs.writeFileSync(path.join(__dirname, 'results', `${outName}.json`), JSON.stringify({ machine, rows }, null, 2) + '\n');

/**
 * Effective GFLOP/s of an analysis: the direct path's work for the same iterations (pairs ×
 * iterations × FLOPs of one pass, counted from the layer shapes) per second of wall time. The
 * hidden-space paths do far less arithmetic for the same iterates, so this exceeds what the CPU
 * computes; the batch-N rows give the arithmetic rate of the direct path.
 */
function effectiveGflops(r: Record<string, unknown>): number | undefined {
  const prefix = String(r.name).split('-')[0];
  const flops = ({ deepsea: DEEPSEA_HEAD_FLOPS, deeptail: DEEP_TAIL_HEAD_FLOPS, basset: BASSET_HEAD_FLOPS, bpnet: BPNET_HEAD_FLOPS } as Record<string, number>)[prefix] ?? 0;
  if (!flops || typeof r.seconds !== 'number' || typeof r.pairs !== 'number' || typeof r.meanIterations !== 'number') return undefined;
  return (r.pairs * r.meanIterations * flops) / r.seconds / 1e9;
}

const fmt = (v: unknown, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : v === undefined ? '' : String(v));
const lines = [
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGB} GB, Node ${machine.node}; load ${machine.load.map((l) => l.toFixed(1)).join(' ')} at start, ${machine.loadAtEnd.map((l) => l.toFixed(1)).join(' ')} at the end (other work on the machine slows both sides alike only roughly)`,
  '',
  `FLOPs per pass (forward + input gradient, from the layer shapes): DeepSEA head ${(DEEPSEA_HEAD_FLOPS / 1e9).toFixed(3)} G, deep-tail head ${(DEEP_TAIL_HEAD_FLOPS / 1e9).toFixed(3)} G, Basset head (from conv1) ${(BASSET_HEAD_FLOPS / 1e9).toFixed(3)} G, BPNet head (from conv1) ${(BPNET_HEAD_FLOPS / 1e9).toFixed(3)} G. Effective GFLOP/s of an analysis = pairs × iterations × FLOPs per pass / wall time.`,
  `PyTorch: ${torchVersion ?? 'not found'} (${PYTHON}, BLAS ${torchInfo?.blas ?? '-'}${referenceBlas ? ' — the reference BLAS: not a fair comparison' : ''}, ${torchThreads.join(' and ')} thread${torchThreads.length > 1 || torchThreads[0] !== 1 ? 's' : ''}${torchThreads.length > 1 ? ', the faster' : ''}), the same passes in batches of the same size right after each row; × PyTorch = PyTorch's seconds / ours (> 1: faster than PyTorch).`,
  '',
  '| scenario | backend | ascent | engine | pass/s | GFLOP/s | effective GFLOP/s | wall s | PyTorch s | × PyTorch | iterations/pair | mean J | peak RSS MB |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) =>
    r.error
      ? `| ${r.name} | ${r.backend} | error: ${r.error} |||||||||||`
      : `| ${r.name} | ${r.backend} | ${fmt(r.ascent)} | ${fmt(r.engine)} | ${fmt(r.passesPerSecond)} | ${fmt(r.gflops)} | ${fmt(r.effectiveGflops, 0)} | ${fmt(r.seconds)} | ${fmt(r.torchSeconds)} | ${fmt(r.vsTorch, 2)} | ${fmt(r.meanIterations, 0)} | ${fmt(r.meanObjective, 4)} | ${fmt(r.maxRssMB, 0)} |`,
  ),
];
// The cold CLI rows (bench/cli-cold.ts): where the median run's time went, phase by phase.
for (const r of rows.filter((r) => r.phases && !r.error)) {
  const phases = Object.entries(r.phases as Record<string, number>).map(([name, s]) => `${name} ${s.toFixed(3)}`);
  lines.push('', `${r.name}: median ${fmt(r.seconds, 2)} s of runs ${(r.runs as number[]).join(', ')} s (load ${(r.loadBefore as number[]).map((l) => l.toFixed(1)).join(' ')}); \`node -e 0\` ${fmt(r.nodeSeconds, 3)} s, \`cli.js --version\` ${fmt(r.cliVersionSeconds, 3)} s; phases (s, medians): ${phases.join(', ')}`);
}
// The logo rows (issue 15): what the seconds bought.
for (const r of rows.filter((r) => typeof r.logos === 'number' && !r.error)) {
  lines.push('', `${r.name}: ${r.channels} DeepSEA conv3 channels, ${r.sequences} of ${r.maxSequences} random sequences${r.stopped ? ` (stopped: ${r.stopped})` : ''} on ${r.engine}, ${fmt(r.seconds)} s; ${r.logos} logos, ${r.noLogo} without (receptive field ${r.receptiveField} bp, mean width ${fmt(r.meanWidth)})`);
}
// The finders row (issue 14): each query's time from input event to list drawn, and how many entries it listed.
for (const r of rows.filter((r) => Array.isArray(r.queries) && !r.error)) {
  const q = (r.queries as { picker: string; query: string; ms: number; listed: number }[]).map((x) => `${x.picker} '${x.query}' ${x.ms} ms (${x.listed} listed)`);
  lines.push('', `${r.name}: input to list drawn, median of 5: ${q.join('; ')}`);
}
fs.writeFileSync(path.join(__dirname, 'results', `${outName}.md`), lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');
