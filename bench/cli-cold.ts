/**
 * The real CLI, cold (issue 16's "1 DeepSEA class × 10 restarts, cold, ≤ 1.0 s including model
 * load"): the DeepSEA bench model saved as TF.js files (model.json + weights.bin, 211 MB), then
 * `node dist/cli.js resolve model.json --classes 0 --restarts 10` run in a new process each time,
 * with an empty Gram cache (DEEPRESOLVE_CACHE_DIR pointed at a fresh folder), timed from spawn
 * to exit. Reports the median (and every run), the load average before and after, the median of
 * each phase (DEEPRESOLVE_TIMING marks: src/engine/timing.ts), and the floor under it: `node -e 0`
 * and `node dist/cli.js --version` (Node's start plus loading the bundle).
 *
 * Standalone, to compare two builds on the same model:
 *   node --import tsx bench/cli-cold.ts [--runs 5] [--cli A/dist/cli.js,B/dist/cli.js] [--model DIR] [--keep DIR] [-- CLI OPTIONS...]
 * Several builds are run in turn, run by run, so that a change in the machine's load hits both.
 * --model reuses a saved model folder (else one is saved to a temporary folder and removed after);
 * --keep DIR leaves each run's results.json there ([build-B-]run-N.json), e.g. to diff two builds' results.
 * bench/scenario.ts runs it as the rows deepsea-1x10-cli-cold (the CLI's defaults: model-derived
 * logos of the top channels) and deepsea-1x10-cli-cold-filters (--feature-logos filters: the
 * analysis the deepsea-1x10 row times, without logos). Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

/** Saves the DeepSEA bench model (bench/models.ts, seeded weights) as TF.js files in `dir`; returns its model.json. */
export async function saveDeepSea(dir: string): Promise<string> {
  const { useBackend } = await import('../src/engine/backend');
  const { deepSea } = await import('./models');
  const { saveTfjsModel } = await import('../test/helpers/tfjs-save');
  await useBackend('wasm');
  const model = deepSea();
  try {
    return await saveTfjsModel(model, dir);
  } finally {
    model.dispose();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Wall seconds of one process, spawn to exit, and its phase marks (src/engine/timing.ts); throws with its stderr when it fails. */
function run(args: string[], env: NodeJS.ProcessEnv = process.env): { seconds: number; marks: [string, number][]; peakRssMB?: number } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`);
  const marks = [...(r.stderr || '').matchAll(/^deepresolve-timing (\S+) (.*)$/gm)].map((m): [string, number] => [m[2], Number(m[1]) / 1000]);
  const rss = /^deepresolve-peak-rss (\d+)$/m.exec(r.stderr || '');
  return { seconds, marks, peakRssMB: rss ? Number(rss[1]) : undefined };
}
const timed = (args: string[]) => run(args).seconds;

/**
 * Seconds of each phase (from the previous mark to this one), median over runs; 'exit' is from
 * the last mark to the process's end as the parent saw it (printing, freeing, the exit itself).
 */
function breakdown(runs: ReturnType<typeof run>[]): Record<string, number> {
  const phases = new Map<string, number[]>();
  for (const r of runs) {
    let before = 0;
    for (const [name, at] of [...r.marks, ['exit', r.seconds] as [string, number]]) {
      phases.set(name, [...(phases.get(name) ?? []), at - before]);
      before = at;
    }
  }
  return Object.fromEntries([...phases].map(([name, xs]) => [name, Number(median(xs).toFixed(3))]));
}

export interface ColdOptions {
  runs?: number;
  /** CLI builds to time (dist/cli.js of each); several are run in turn, run by run, so that they see the same load. */
  clis?: string[];
  model?: string;
  /** Extra CLI options after `--classes 0 --restarts 10`. */
  extra?: string[];
  keep?: string;
}

/** One row per build: the median wall time of its runs, the floor under it, and what the last run computed. */
export async function coldCli(options: ColdOptions = {}) {
  const runs = options.runs ?? 5;
  const clis = (options.clis ?? [path.join(root, 'dist', 'cli.js')]).map((c) => path.resolve(c));
  for (const cli of clis) if (!fs.existsSync(cli)) throw new Error(`${cli}: no such file (run npm run build first)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-cli-cold-'));
  try {
    const model = options.model ? path.join(options.model, 'model.json') : await saveDeepSea(path.join(work, 'deepsea'));
    const extra = options.extra ?? [];
    const floor = clis.map((cli) => ({ nodeSeconds: median([0, 1, 2].map(() => timed(['-e', '0']))), cliVersionSeconds: median([0, 1, 2].map(() => timed([cli, '--version']))) }));
    const load = os.loadavg();
    const measured: ReturnType<typeof run>[][] = clis.map(() => []);
    const outFile = (b: number, i: number) => path.join(options.keep ?? work, `${clis.length > 1 ? `build-${b}-` : ''}run-${i}.json`);
    for (let i = 0; i < runs; i++) {
      clis.forEach((cli, b) => {
        // A fresh, empty cache folder each run: the Gram matrix is computed every time (cold).
        const cache = fs.mkdtempSync(path.join(work, 'cache-'));
        measured[b].push(run([cli, 'resolve', model, '--classes', '0', '--restarts', '10', ...extra, '--out', outFile(b, i)], { ...process.env, DEEPRESOLVE_CACHE_DIR: cache, DEEPRESOLVE_TIMING: '1' }));
        fs.rmSync(cache, { recursive: true, force: true });
      });
    }
    const loadAfter = os.loadavg();
    return clis.map((cli, b) => {
      const last = JSON.parse(fs.readFileSync(outFile(b, runs - 1), 'utf8'));
      const objectives: number[] = last.classes.flatMap((c: { objectives: number[] }) => c.objectives);
      const seconds = measured[b].map((m) => m.seconds);
      return {
        cli,
        seconds: median(seconds),
        runs: seconds.map((s) => Number(s.toFixed(3))),
        phases: breakdown(measured[b]),
        // The CLI's own peak RSS (median over runs; absent for a build without the marks).
        ...(measured[b].every((m) => m.peakRssMB !== undefined) ? { maxRssMB: median(measured[b].map((m) => m.peakRssMB!)) } : {}),
        command: `DEEPRESOLVE_CACHE_DIR=$(mktemp -d) node ${path.relative(root, cli)} resolve deepsea/model.json --classes 0 --restarts 10 ${extra.join(' ')}`.trim(),
        loadBefore: load,
        loadAfter,
        ...floor[b],
        analysisSeconds: last.timing.seconds,
        ascent: last.settings.ascentUsed,
        engine: last.settings.ascentEngine,
        pairs: last.timing.pairs,
        meanIterations: last.timing.iterations / last.timing.pairs,
        meanObjective: objectives.reduce((a, b) => a + b, 0) / objectives.length,
      };
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const option = (name: string) => {
    const i = own.indexOf(name);
    return i >= 0 ? own[i + 1] : undefined;
  };
  const keep = option('--keep');
  if (keep) fs.mkdirSync(keep, { recursive: true });
  coldCli({ runs: Number(option('--runs') ?? 5), clis: option('--cli')?.split(','), model: option('--model'), keep, extra: dash >= 0 ? argv.slice(dash + 1) : [] }).then(
    (rows) => process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'),
    (err) => {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
