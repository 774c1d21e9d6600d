/**
 * Phase marks, for measuring where a run's time goes (bench/cli-cold.ts breaks the CLI's cold run
 * down with them). With DEEPRESOLVE_TIMING=1 each mark is one line on stderr,
 * `deepresolve-timing <ms since the process started> <phase that just ended>`; otherwise nothing.
 */
const on = !!process.env.DEEPRESOLVE_TIMING;

export function mark(phase: string): void {
  if (on) process.stderr.write(`deepresolve-timing ${performance.now().toFixed(1)} ${phase}\n`);
}

/** The process's peak resident memory so far, as `deepresolve-peak-rss <MB>` (with the marks). */
export function markPeakMemory(): void {
  if (on) process.stderr.write(`deepresolve-peak-rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}\n`);
}
