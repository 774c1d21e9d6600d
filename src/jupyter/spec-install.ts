/**
 * `deepresolve kernel install` / `uninstall`: the kernel spec folder Jupyter finds kernels by
 * (kernel.json and logos in KERNELS/NAME), where jupyter_core looks for it: the user's Jupyter
 * data folder (the default, no root needed) or PREFIX/share/jupyter/kernels.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import { checkOutputPath } from '../engine/output-path';
import { writeFileAtomic } from '../engine/write-atomic';
import { DISPLAY_NAME, JUPYTER_LANGUAGE, KERNEL_NAME } from './spec';

export interface SpecLocation {
  /** PREFIX/share/jupyter/kernels instead of the user's folder (a virtualenv, conda env, or a test). */
  prefix?: string;
  /** Kernel spec name (default 'deepresolve'). */
  name?: string;
}

export interface InstallOptions extends SpecLocation {
  displayName?: string;
  /** The command that starts the kernel, before `kernel run --connection-file {connection_file}`. */
  command: string[];
  /** Folder with logo-32x32.png and logo-64x64.png. */
  logos: string;
}

/** jupyter_client's rule for kernel names. */
const NAME = /^[a-z0-9._-]+$/i;
const LOGOS = ['logo-32x32.png', 'logo-64x64.png'];

/** The user's Jupyter data folder, as jupyter_core computes it (jupyter --data-dir). */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  const home = env.HOME ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'jupyter');
}

export function specDir(where: SpecLocation, env: NodeJS.ProcessEnv = process.env): string {
  const name = where.name ?? KERNEL_NAME;
  if (!NAME.test(name)) throw new UserError(`--name ${name}: a kernel name is letters, digits, '.', '_' and '-' only`);
  const kernels = where.prefix !== undefined ? path.join(path.resolve(where.prefix), 'share', 'jupyter', 'kernels') : path.join(jupyterDataDir(env), 'kernels');
  return path.join(kernels, name.toLowerCase());
}

export function kernelJson(options: InstallOptions): Record<string, unknown> {
  return {
    argv: [...options.command, 'kernel', 'run', '--connection-file', '{connection_file}'],
    display_name: options.displayName ?? DISPLAY_NAME,
    language: JUPYTER_LANGUAGE,
    // Interrupts come as interrupt_request on the control channel (works on every platform);
    // the kernel also stops a run on SIGINT.
    interrupt_mode: 'message',
    metadata: { debugger: false },
  };
}

/** Writes the spec (replacing one of the same name); returns its folder. */
export function installSpec(options: InstallOptions, env: NodeJS.ProcessEnv = process.env): string {
  const dir = specDir(options, env);
  const specFile = path.join(dir, 'kernel.json');
  // Checked before anything is written (writeFileAtomic makes the folders).
  checkOutputPath(specFile, 'the kernel spec');
  for (const logo of LOGOS) writeFileAtomic(path.join(dir, logo), fs.readFileSync(path.join(options.logos, logo)));
  writeFileAtomic(specFile, JSON.stringify(kernelJson(options), null, 1) + '\n');
  return dir;
}

/** Removes an installed spec; returns its folder. */
export function uninstallSpec(where: SpecLocation, env: NodeJS.ProcessEnv = process.env): string {
  const dir = specDir(where, env);
  if (!fs.existsSync(path.join(dir, 'kernel.json'))) throw new UserError(`${dir}: no kernel spec '${where.name ?? KERNEL_NAME}' is installed there`);
  try {
    fs.rmSync(dir, { recursive: true });
  } catch (err) {
    throw new UserError(`${dir}: cannot remove the kernel spec (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return dir;
}
