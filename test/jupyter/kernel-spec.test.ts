/**
 * `deepresolve kernel install|uninstall` as Jupyter sees it: `jupyter kernelspec list --json`
 * (Debian's jupyter_client) finds the spec where it was put, with the argv, names, language and
 * interrupt mode Jupyter reads, and the logos it shows; uninstall removes it; bad requests are
 * one line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { CLI, JUPYTER, cli, ensureBuilt, jupyterWorld, requireJupyter, type JupyterWorld } from './jupyter-env';

before(() => {
  requireJupyter();
  ensureBuilt();
});

interface SpecList {
  kernelspecs: Record<string, { resource_dir: string; spec: Record<string, unknown> }>;
}

function kernelspecs(world: JupyterWorld): SpecList['kernelspecs'] {
  const r = spawnSync(JUPYTER, ['kernelspec', 'list', '--json'], { env: world.env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as SpecList).kernelspecs;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', `${file} is not a PNG`);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

test('install --prefix: jupyter kernelspec list shows the spec Jupyter will start', () => {
  const world = jupyterWorld('spec-prefix');
  const r = cli(world, ['kernel', 'install', '--prefix', world.prefix]);
  assert.equal(r.code, 0, r.stderr);
  const dir = path.join(world.prefix, 'share/jupyter/kernels/deepresolve');
  assert.equal(r.stdout.trim(), `Installed the Jupyter kernel spec 'deepresolve' in ${dir}`);
  const found = kernelspecs(world).deepresolve;
  assert.ok(found, 'jupyter kernelspec list has no deepresolve kernel');
  assert.equal(found.resource_dir, dir);
  assert.deepEqual(found.spec.argv, [process.execPath, CLI, 'kernel', 'run', '--connection-file', '{connection_file}']);
  assert.equal(found.spec.display_name, 'DeepResolve');
  assert.equal(found.spec.language, 'deepresolve-magic');
  assert.equal(found.spec.interrupt_mode, 'message');
  assert.deepEqual(pngSize(path.join(dir, 'logo-32x32.png')), [32, 32]);
  assert.deepEqual(pngSize(path.join(dir, 'logo-64x64.png')), [64, 64]);
});

test('install --user (the default) writes into the Jupyter data folder; --name and --display-name; uninstall removes it', () => {
  const world = jupyterWorld('spec-user');
  assert.equal(cli(world, ['kernel', 'install']).code, 0);
  const r = cli(world, ['kernel', 'install', '--user', '--name', 'DeepResolve-Test', '--display-name', 'DeepResolve (test)']);
  assert.equal(r.code, 0, r.stderr);
  const specs = kernelspecs(world);
  // jupyter_core's user data folder is JUPYTER_DATA_DIR when set; kernel names are lower-cased.
  assert.equal(specs.deepresolve?.resource_dir, path.join(world.env.JUPYTER_DATA_DIR!, 'kernels/deepresolve'));
  assert.equal(specs['deepresolve-test']?.resource_dir, path.join(world.env.JUPYTER_DATA_DIR!, 'kernels/deepresolve-test'));
  assert.equal(specs['deepresolve-test'].spec.display_name, 'DeepResolve (test)');

  const u = cli(world, ['kernel', 'uninstall', '--name', 'deepresolve-test']);
  assert.equal(u.code, 0, u.stderr);
  const after = kernelspecs(world);
  assert.equal(after['deepresolve-test'], undefined);
  assert.ok(after.deepresolve, 'the other spec stays');
  assert.equal(fs.existsSync(path.join(world.env.JUPYTER_DATA_DIR!, 'kernels/deepresolve-test')), false);
});

test('bad kernel commands are one line and exit code 1', () => {
  const world = jupyterWorld('spec-errors');
  const dataKernels = path.join(world.env.JUPYTER_DATA_DIR!, 'kernels');
  const missingConnection = path.join(world.dir, 'nope.json');
  const cases: [string[], string][] = [
    [['kernel', 'install', '--user', '--prefix', world.prefix], 'deepresolve: kernel: --user and --prefix name two places; give one'],
    [['kernel', 'install', '--name', 'has space'], "deepresolve: --name has space: a kernel name is letters, digits, '.', '_' and '-' only"],
    [['kernel', 'uninstall'], `deepresolve: ${path.join(dataKernels, 'deepresolve')}: no kernel spec 'deepresolve' is installed there`],
    [['kernel', 'instal'], "deepresolve: kernel: unknown action 'instal' (install, uninstall or run; did you mean 'install'?)"],
    [['kernel', 'run'], 'deepresolve: kernel run needs --connection-file FILE (Jupyter starts the kernel with it, as kernel.json says)'],
    [['kernel', 'run', '--connection-file', missingConnection], `deepresolve: ${missingConnection}: cannot read the connection file (ENOENT)`],
  ];
  for (const [args, line] of cases) {
    const r = cli(world, args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `${line}\n`, args.join(' '));
  }
  const bad = path.join(world.dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ transport: 'tcp', ip: '127.0.0.1', shell_port: 'x' }));
  const r = cli(world, ['kernel', 'run', '--connection-file', bad]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `deepresolve: ${bad}: 'shell_port' must be a port number, got "x"\n`);
});
