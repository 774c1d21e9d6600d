/**
 * Debian's Jupyter (python3-jupyter-client, jupyter-client, jupyter-nbconvert; .ci/run installs
 * them) as the real client of the kernel, in a private Jupyter world: a temporary HOME, data,
 * config and runtime folders, the kernel installed by the built CLI into a temporary prefix.
 * Always /usr/bin/python3 and /usr/bin/jupyter, never a python3 that PATH may find first.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');
export const PYTHON = '/usr/bin/python3';
export const JUPYTER = '/usr/bin/jupyter';
export const EXAMPLE_MODEL = path.join(ROOT, 'examples/ctcf-gm12878/16_G_best_archit.json');
export const EXAMPLE_LABELS = path.join(ROOT, 'examples/ctcf-gm12878/labels.txt');

export interface JupyterWorld {
  dir: string;
  prefix: string;
  env: NodeJS.ProcessEnv;
}

/** Fails with what to install when Debian's Jupyter is missing (a skipped test would hide it). */
export function requireJupyter(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import jupyter_client, nbconvert, nbclient, ipykernel'], { encoding: 'utf8' });
  assert.ok(
    probe.status === 0 && fs.existsSync(JUPYTER) && fs.existsSync('/usr/bin/jupyter-kernelspec'),
    `Debian's Jupyter is missing: apt-get install python3-jupyter-client jupyter-client python3-ipykernel jupyter-nbconvert (.ci/run does)\n${probe.stderr}`,
  );
}

/** Builds dist/ if it is not there (npm test builds it first). */
export function ensureBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/kernel.js')) || !fs.existsSync(path.join(ROOT, 'dist/cli-main.js'))) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(r.status, 0, 'npm run build failed');
  }
}

export function jupyterWorld(name: string): JupyterWorld {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `deepresolve-${name}-`));
  const prefix = path.join(dir, 'prefix');
  const env: NodeJS.ProcessEnv = {
    HOME: path.join(dir, 'home'),
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    JUPYTER_PATH: path.join(prefix, 'share/jupyter'),
    JUPYTER_DATA_DIR: path.join(dir, 'data'),
    JUPYTER_CONFIG_DIR: path.join(dir, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
    JUPYTER_PLATFORM_DIRS: '1',
    // ipykernel's debugger warns about frozen modules on every start otherwise.
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    // No __pycache__ next to the test's client scripts.
    PYTHONDONTWRITEBYTECODE: '1',
    DEEPRESOLVE_CACHE_DIR: path.join(dir, 'cache'),
  };
  fs.mkdirSync(env.HOME!, { recursive: true });
  return { dir, prefix, env };
}

/** The built CLI, in the world's environment. */
export function cli(world: JupyterWorld, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: world.dir, encoding: 'utf8', env: { ...world.env, PATH: `${path.dirname(process.execPath)}:${world.env.PATH}` } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function installKernel(world: JupyterWorld): string {
  const r = cli(world, ['kernel', 'install', '--prefix', world.prefix]);
  assert.equal(r.code, 0, r.stderr);
  return path.join(world.prefix, 'share/jupyter/kernels/deepresolve');
}

/** Runs a command to its end (asynchronously: the test runner's thread stays free). */
export function runAsync(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
