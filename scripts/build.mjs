// One build for everything: the extension host, the analysis worker and the CLI (Node, CommonJS)
// and the notebook renderer (browser, ES module). The backend's .wasm files are copied next to
// the Node bundles so the packaged extension needs no node_modules.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeEntries = {
  // dist/extension.js and dist/cli.js are small entry points that switch source maps on when
  // DEEPRESOLVE_DEBUG is set, then load the real bundles (src/extension-entry.ts says why).
  extension: 'src/extension-entry.ts',
  'extension-main': 'src/extension.ts',
  worker: 'src/worker/worker.ts',
  cli: 'src/cli-entry.ts',
  // Writes a bundle's V8 code cache (below, after the build): src/code-cache.ts.
  'code-cache': 'src/code-cache.ts',
  'cli-main': 'src/cli.ts',
  // Worker threads of the hidden-space ascent (no TensorFlow.js inside).
  'hidden-pair-worker': 'src/engine/ascent/hidden-pair-worker.ts',
  // Worker threads of the ONNX Runtime lanes (ascent/native/lanes.ts): no TensorFlow.js inside.
  'native-lane-worker': 'src/engine/ascent/native/lane-worker.ts',
  // Worker threads of the TensorFlow.js ascents (ascent/pool.ts): TensorFlow.js and the wasm
  // backend inside, finding dist/wasm next to the bundle.
  'ascent-worker': 'src/engine/ascent/worker.ts',
  // The HDF5 reader thread (load/hdf5-reader.ts): the only place the HDF5 library runs, so that
  // a corrupt file that makes it loop or crash costs a thread, not the analysis.
  'hdf5-reader': 'src/engine/load/hdf5-reader.ts',
  // The Jupyter kernel process (src/jupyter), loaded by `deepresolve kernel run`.
  kernel: 'src/jupyter/main.ts',
  // A batch's model processes (src/batch/pool.ts forks them: one model at a time each).
  'batch-child': 'src/batch/child.ts',
};
const browserEntries = {
  renderer: 'renderers/index.ts',
};
const present = (entries) => Object.fromEntries(Object.entries(entries).filter(([, file]) => fs.existsSync(path.join(root, file))));

const common = {
  absWorkingDir: root,
  bundle: true,
  outdir: dist,
  // Source maps in the package too, so a DEEPRESOLVE_DEBUG=1 stack trace names TypeScript lines;
  // without the sources' text there (a fraction of the size), which a trace does not need.
  sourcemap: 'linked',
  sourcesContent: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const builds = [
  {
    ...common,
    entryPoints: present(nodeEntries),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // vscode is provided by the host; tfjs-node is optional and native; zeromq (the Jupyter
    // kernel's sockets) loads its prebuilt native addon from its own package folder.
    // onnxruntime-node (the native direct ascent) is an N-API addon: copied beside the bundles below.
    external: ['vscode', '@tensorflow/tfjs-node', 'zeromq', 'onnxruntime-node'],
    // vega-canvas's Node build awaits an optional native 'canvas' at top level, which CommonJS
    // cannot bundle; SVG rendering needs no canvas, so take the browser build (no canvas in Node).
    alias: { 'vega-canvas': './node_modules/vega-canvas/build/vega-canvas.browser.js' },
    // h5wasm and vega are ES modules that use import.meta.url; give them the bundle's own URL.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  },
  {
    ...common,
    entryPoints: present(browserEntries),
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
  },
].filter((b) => Object.keys(b.entryPoints).length);

fs.mkdirSync(path.join(dist, 'wasm'), { recursive: true });
const wasmSrc = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const f of fs.readdirSync(wasmSrc).filter((f) => f.endsWith('.wasm'))) {
  fs.copyFileSync(path.join(wasmSrc, f), path.join(dist, 'wasm', f));
}

// The shipped motif collection (JASPAR 2024, CC BY 4.0: its README travels with it).
fs.mkdirSync(path.join(dist, 'motifs'), { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'motifs'))) fs.copyFileSync(path.join(root, 'motifs', f), path.join(dist, 'motifs', f));

// ONNX Runtime for the native direct ascent (src/engine/ascent/native), as dist/node_modules so
// that the bundles' require('onnxruntime-node') finds it in the packaged extension too: its
// JavaScript, onnxruntime-common, and the N-API binaries of one platform only (this machine's, or
// ORT_TARGET=platform/arch, e.g. darwin/arm64), so a platform's package carries one platform's binaries (~47 MB on Linux x64), not all ~290 MB.
const ortTarget = process.env.ORT_TARGET ?? `${process.platform}/${process.arch}`;
const ortDist = path.join(dist, 'node_modules');
fs.rmSync(ortDist, { recursive: true, force: true });
// The N-API level of the binaries' folder is the package's (napi-v3 up to 1.20, napi-v6 since).
const ortBin = path.join(root, 'node_modules/onnxruntime-node/bin');
const napi = fs.existsSync(ortBin) ? fs.readdirSync(ortBin).find((d) => /^napi-v\d+$/.test(d)) : undefined;
const ortBinaries = napi && path.join(ortBin, napi, ortTarget);
if (ortBinaries && fs.existsSync(ortBinaries)) {
  const copy = (from, to, filter = () => true) => fs.cpSync(path.join(root, 'node_modules', from), path.join(ortDist, to), { recursive: true, filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts') && filter(f) });
  for (const pkg of ['onnxruntime-node', 'onnxruntime-common']) copy(`${pkg}/package.json`, `${pkg}/package.json`);
  copy('onnxruntime-node/dist', 'onnxruntime-node/dist');
  copy('onnxruntime-common/dist/cjs', 'onnxruntime-common/dist/cjs');
  // The binding loads libonnxruntime.so.1 (Linux); the versioned file beside it is the same library twice.
  copy(`onnxruntime-node/bin/${napi}/${ortTarget}`, `onnxruntime-node/bin/${napi}/${ortTarget}`, (f) => !/libonnxruntime\.so\.\d+\.\d+\.\d+$/.test(f));
} else {
  console.warn(`no ONNX Runtime binaries for ${ortTarget}: the package's direct ascent will run on TensorFlow.js`);
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (fs.existsSync(path.join(dist, 'cli.js'))) fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
  // The CLI bundle's V8 code cache, for this Node only (src/code-cache.ts): compiling the bundle
  // was 0.13 s of every CLI run. Not in the package, whose users run other Nodes.
  const cliMain = path.join(dist, 'cli-main.js');
  for (const f of [`${cliMain}.v8cache`, `${cliMain}.v8cache.json`]) fs.rmSync(f, { force: true });
  if (!production && fs.existsSync(cliMain)) {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(dist, 'code-cache.js'))}).writeCodeCache(${JSON.stringify(cliMain)})`], { stdio: 'inherit' });
    } catch {
      console.warn('no code cache for dist/cli-main.js: the CLI compiles its bundle at each start');
    }
  }
}
