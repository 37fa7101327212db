import { duration } from './format.js';

export type ProgressSample = { done: number; total: number; events: number; elapsedMs: number };

/** `[#####-----] 12,345/50,000 commits · 23,456 events/s · ETA 3.0s`: pure, for the TTY bar and the plain lines alike. */
export const progressLine = (p: ProgressSample, options: { width?: number } = {}): string => {
  const width = options.width ?? 30;
  const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(ratio * width);
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(p.events / seconds) : 0;
  const commitRate = seconds > 0 ? p.done / seconds : 0;
  const eta = commitRate > 0 ? duration(((p.total - p.done) / commitRate) * 1000) : '?';
  const n = (v: number): string => v.toLocaleString('en-US');
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n(p.done)}/${n(p.total)} commits · ${n(p.events)} events · ${n(rate)} events/s · ETA ${eta}`;
};

export type ProgressReporter = { update(p: ProgressSample): void; finish(): void };

/**
 * On a terminal, one line redrawn in place at most 10 times a second; otherwise (logs, CI) a plain line every
 * few seconds. Written to stderr, so stdout stays the command's result (`--json`).
 */
export const createProgressReporter = (options: { tty: boolean; write: (text: string) => void; intervalMs?: number; now?: () => number }): ProgressReporter => {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? (options.tty ? 100 : 5000);
  let last = -Infinity;
  let drawn = false;
  return {
    update: (p) => {
      if (now() - last < interval) return;
      last = now();
      drawn = true;
      options.write(options.tty ? `\r\u001b[2K${progressLine(p)}` : `${progressLine(p, { width: 20 })}\n`);
    },
    finish: () => {
      if (drawn && options.tty) options.write('\n');
      drawn = false;
    },
  };
};
