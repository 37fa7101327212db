import { deriveRunStatus, evolveStepRow, isTerminalRowStatus, type RunRowStatus, type StepRow } from '@shaman/domain';
import type { ShamanEvent } from '@shaman/events';

/** A run's step rows by step id, as the read-model fold (libs/domain `evolveStepRow`) builds them. */
export type RunRows = ReadonlyMap<string, StepRow>;

/**
 * A run's status and counters as its events up to `sequence` give them. The same rules as the projector's
 * `runs` row (apps/projector upsert-runs.ts): status from the root steps via `deriveRunStatus`, the root agent
 * of the earliest root, sums over every step. Fields are null while the run has no step yet.
 */
export type RunProgress = {
  runId: string;
  /** Stream sequence of the last commit folded. */
  sequence: number;
  status: RunRowStatus;
  terminal: boolean;
  rootAgent: string | null;
  stepCount: number;
  inputTokens: number;
  outputTokens: number;
  createdAt: string | null;
  updatedAt: string | null;
  completedAt: string | null;
};

/**
 * Folds one commit's events (they share `seq`) into the rows; returns the new rows and those that changed
 * (`evolveStepRow` returns the same row for an ignored event, so identity tells). Never mutates `rows`.
 */
export const foldCommit = (rows: RunRows, commit: { seq: number; events: readonly ShamanEvent[] }): { rows: RunRows; changed: StepRow[] } => {
  const next = new Map(rows);
  for (const event of commit.events) {
    const id = event.metadata.stepId;
    const row = evolveStepRow(next.get(id) ?? null, event, commit.seq);
    if (row !== null) next.set(id, row);
  }
  const changed = [...next.values()].filter((row) => row !== rows.get(row.id));
  return { rows: next, changed };
};

const earliestFirst = (a: StepRow, b: StepRow): number =>
  a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : Date.parse(a.createdAt) - Date.parse(b.createdAt);

const latest = (values: readonly string[]): string | null =>
  values.reduce<string | null>((max, v) => (max === null || Date.parse(v) > Date.parse(max) ? v : max), null);

/** The run-level view of the rows at `sequence`. */
export const summarizeRun = (runId: string, rows: RunRows, sequence: number): RunProgress => {
  const steps = [...rows.values()];
  const roots = steps.filter((s) => s.parentStepId === null).sort(earliestFirst);
  const status = deriveRunStatus(roots.map((s) => s.status));
  const terminal = steps.length > 0 && isTerminalRowStatus(status);
  return {
    runId,
    sequence,
    status,
    terminal,
    rootAgent: (roots[0] ?? [...steps].sort(earliestFirst)[0])?.agent ?? null,
    stepCount: steps.length,
    inputTokens: steps.reduce((n, s) => n + s.inputTokens, 0),
    outputTokens: steps.reduce((n, s) => n + s.outputTokens, 0),
    createdAt: [...steps].sort(earliestFirst)[0]?.createdAt ?? null,
    updatedAt: latest(steps.map((s) => s.updatedAt)),
    completedAt: terminal ? latest(roots.flatMap((s) => (s.completedAt === null ? [] : [s.completedAt]))) : null,
  };
};

/**
 * Whether two views differ in what a watcher of the run cares about: status, root agent, step count, tokens,
 * completion. `sequence` and `updatedAt` move with every commit and alone are not a change.
 */
export const progressChanged = (before: RunProgress | null, after: RunProgress): boolean => {
  if (before === null) return true;
  const watched = (p: RunProgress) => [p.status, p.rootAgent, p.stepCount, p.inputTokens, p.outputTokens, p.completedAt, p.createdAt];
  return JSON.stringify(watched(before)) !== JSON.stringify(watched(after));
};
