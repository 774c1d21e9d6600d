/** The running cell's progress line and the notification's message (pure, shared, tested). */
import type { AscentProgress } from '../engine/ascent/pairs';
import { isBatchProgress, type BatchProgress } from '../batch/progress';
import { label, visible } from '../shared/escape';

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** "42% — 126 of 300 (class, restart) pairs done, about 12 s left"; for a batch, models instead of pairs. */
export function progressMessage(p: AscentProgress): string {
  if (isBatchProgress(p)) return batchMessage(p);
  if (p.stage) return `${p.stage}…`;
  const pct = Math.floor(p.fraction * 100);
  const left = p.etaSeconds === null ? 'estimating time left' : `about ${duration(p.etaSeconds)} left`;
  return `${pct}% — ${p.pairsDone} of ${p.pairsTotal} (class, restart) pairs done, ${left}`;
}

/** "42% — 3 of 10 models done (1 failed, 2 current, skipped), running ctcf-gm12878 (40%), about 1 min left". Names are from files: made visible. */
function batchMessage(p: BatchProgress): string {
  const b = p.batch;
  const pct = Math.floor(p.fraction * 100);
  const extra = [b.failed ? `${b.failed} failed` : '', b.skipped ? `${b.skipped} current, skipped` : ''].filter(Boolean).join(', ');
  const shown = b.running.slice(0, 2).map((r) => `${label(r.name, 40)} (${Math.floor(r.fraction * 100)}%)`);
  const runningText = shown.length ? `, running ${shown.join(', ')}${b.running.length > 2 ? ` and ${b.running.length - 2} more` : ''}` : '';
  const finished = b.done + b.skipped + b.failed;
  const left = finished === b.total ? '' : p.etaSeconds === null ? ', estimating time left' : `, about ${duration(p.etaSeconds)} left`;
  return `${pct}% — ${finished} of ${b.total} model${b.total === 1 ? '' : 's'} done${extra ? ` (${extra})` : ''}${runningText}${left}`;
}

/** A text bar for the cell output: "[########............] 42% …". The label may name files: made visible. */
export function progressLine(what: string, p: AscentProgress | undefined, width = 24): string {
  const label = visible(what);
  if (!p) return `${label}…`;
  const filled = Math.min(width, Math.max(0, Math.round(p.fraction * width)));
  return `${label}  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progressMessage(p)}`;
}
