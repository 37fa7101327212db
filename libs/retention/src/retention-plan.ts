/** One run as retention weighs it: its read-model status and last activity, and what it holds in the stream. */
export type RetainedRun = { runId: string; status: string; lastActivityAt: Date; bytes: number; events: number };
export type RetentionPolicy = { maxAgeDays: number | null; maxBytes: number | null };
export type PurgeReason = 'max_age' | 'max_bytes';
export type PlannedPurge = RetainedRun & { reason: PurgeReason };

const DAY_MS = 86_400_000;
// A run that can still continue (working, waiting for input) is never deleted, however old or large.
const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed', 'canceled']);

/**
 * The runs a policy deletes: every finished run whose last activity is older than `maxAgeDays`, then, while the
 * organization's recorded bytes (every run's, finished or not) still exceed `maxBytes`, the oldest finished runs
 * that remain. Oldest first. Pure: `now` is given.
 */
export const planRetention = (runs: readonly RetainedRun[], input: { policy: RetentionPolicy; now: Date }): PlannedPurge[] => {
  const { maxAgeDays, maxBytes } = input.policy;
  const oldestFirst = [...runs].sort((a, b) => a.lastActivityAt.getTime() - b.lastActivityAt.getTime() || (a.runId < b.runId ? -1 : 1));
  const cutoff = maxAgeDays === null ? null : input.now.getTime() - maxAgeDays * DAY_MS;
  const planned: PlannedPurge[] = [];
  let remaining = runs.reduce((sum, r) => sum + r.bytes, 0);
  for (const run of oldestFirst) {
    if (!FINISHED.has(run.status)) continue;
    const reason: PurgeReason | null = cutoff !== null && run.lastActivityAt.getTime() < cutoff ? 'max_age' : maxBytes !== null && remaining > maxBytes ? 'max_bytes' : null;
    if (reason === null) continue;
    planned.push({ ...run, reason });
    remaining -= run.bytes;
  }
  return planned;
};
