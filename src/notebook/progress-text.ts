/** The running cell's progress line and the notification's message (pure, shared, tested). */
import type { AscentProgress } from '../engine/ascent';
import { visible } from '../shared/escape';

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** "42% — 126 of 300 (class, restart) pairs done, about 12 s left". */
export function progressMessage(p: AscentProgress): string {
  if (p.stage) return `${p.stage}…`;
  const pct = Math.floor(p.fraction * 100);
  const left = p.etaSeconds === null ? 'estimating time left' : `about ${duration(p.etaSeconds)} left`;
  return `${pct}% — ${p.pairsDone} of ${p.pairsTotal} (class, restart) pairs done, ${left}`;
}

/** A text bar for the cell output: "[########............] 42% …". The label may name files: made visible. */
export function progressLine(what: string, p: AscentProgress | undefined, width = 24): string {
  const label = visible(what);
  if (!p) return `${label}…`;
  const filled = Math.min(width, Math.max(0, Math.round(p.fraction * width)));
  return `${label}  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progressMessage(p)}`;
}
