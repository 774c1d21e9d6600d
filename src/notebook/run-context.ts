/** What a magic runs with: the session, the worker, the user's defaults and the front door's callbacks. */
import type { AscentProgress } from '../engine/ascent/pairs';
import type { BackendChoice } from '../engine/backend-names';
import type { WorkerClient } from '../worker/client';
import type { Session } from './session';

/** Defaults from the user's settings (deepresolve.*); options in the magic win. */
export interface Defaults {
  backend?: BackendChoice;
  restarts?: number;
  l2?: number;
  lr?: number;
  maxMemoryMB?: number;
  motifDatabase?: string;
}

export interface RunContext {
  session: Session;
  client: Pick<WorkerClient, 'run'>;
  defaults: Defaults;
  signal?: AbortSignal;
  /** Progress of a long step, with a label saying what runs. */
  onProgress?: (label: string, p: AscentProgress) => void;
  /** Called when a long step starts (to show progress UI before the first report). */
  onStart?: (label: string) => void;
  log?: (line: string) => void;
  /** Folders a magic may write in without asking (default: the notebook's folder); docs/security.md. */
  writeFolders?: string[];
  /** Asks whether to write `file` outside writeFolders (`why` says so in one line); absent: refused. */
  confirmWrite?: (file: string, why: string) => Promise<boolean>;
}
