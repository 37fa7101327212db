import { runFilter, type OrgId, type RunId } from '@shaman/events';
import type { StepRow } from '@shaman/domain';
import { z } from 'zod';
import { gqlError } from '../errors.js';
import { outputText } from '../runs/run.mapper.js';
import type { CommitFeed } from './commit-feed.js';
import { eventItself, stoppable } from './live-iterator.js';
import { foldCommit, progressChanged, summarizeRun, type RunProgress, type RunRows } from './run-fold.js';
import { orgOf, type SubscriptionContext } from './subscription-context.js';

export type RunSubscriptionArgs = { runId: string; afterSequence?: number | null };

/** Where emission starts: a snapshot at the run's last commit, or every commit after the client's sequence. */
type Start = { snapshotAt: number } | { after: number };

export type DagNode = Omit<StepRow, 'kind'> & { kind: 'AGENT' | 'EXTERNAL'; outputText: string | null; sequence: number };
export type RunDagEvent = {
  sequence: number;
  kind: 'SNAPSHOT' | 'CHANGE';
  run: RunProgress;
  nodes: DagNode[];
  edges: { from: string; to: string }[];
};

const RunIdArg = z.guid();
const Sequence = z.number().int().nonnegative();

/**
 * Checks the arguments and that the run is the caller's: the filter carries the caller's organization, so
 * another organization's run has no commit on it and is NOT_FOUND, like a run that does not exist. The run id
 * must be a UUID before it goes into a subject (no wildcard or extra token can get in).
 */
const openRun = async (ctx: SubscriptionContext, args: RunSubscriptionArgs): Promise<{ runId: string; feed: CommitFeed; start: Start }> => {
  if (!RunIdArg.safeParse(args.runId).success) throw gqlError('BAD_USER_INPUT', 'runId is not a run id');
  const after = args.afterSequence ?? null;
  if (after !== null && !Sequence.safeParse(after).success) throw gqlError('BAD_USER_INPUT', 'afterSequence must be 0 or more');
  const filter = runFilter(orgOf(ctx) as OrgId, args.runId as RunId);
  const last = await ctx.live.store.lastCommit(filter);
  if (last === null) throw gqlError('NOT_FOUND', 'no run with this id');
  // One ordered consumer from the run's first commit: the snapshot and the changes come from the same
  // in-order delivery, so nothing can fall between them or arrive twice.
  const feed = await ctx.live.feeds.open({ filter, fromSeq: 1 });
  return { runId: args.runId, feed, start: after === null ? { snapshotAt: last.seq } : { after } };
};

/** Commits up to this sequence are folded silently. */
const emitsAfter = (start: Start): number => ('snapshotAt' in start ? start.snapshotAt - 1 : start.after);

const toNode = (row: StepRow): DagNode => ({ ...row, kind: row.kind === 'external' ? 'EXTERNAL' : 'AGENT', outputText: outputText(row.output), sequence: row.lastSeq });

const edgesTo = (rows: RunRows, nodes: readonly StepRow[]): RunDagEvent['edges'] =>
  nodes.flatMap((n) => (n.parentStepId !== null && rows.has(n.parentStepId) ? [{ from: n.parentStepId, to: n.id }] : []));

/**
 * Folds every commit of the run; emits nothing up to the start, then the snapshot (at the first commit at or
 * after `snapshotAt`, which is the run's last commit when the subscription began), then one CHANGE per commit
 * that changed a node. A commit that changes nothing (usage, run data, an answer not taken yet) emits nothing.
 */
async function* dagEvents(run: { runId: string; feed: CommitFeed; start: Start }): AsyncGenerator<RunDagEvent> {
  let rows: RunRows = new Map();
  let snapshotDue = 'snapshotAt' in run.start;
  const emitAfter = emitsAfter(run.start);
  try {
    for await (const commit of run.feed) {
      const folded = foldCommit(rows, commit);
      rows = folded.rows;
      if (commit.seq <= emitAfter) continue;
      const kind = snapshotDue ? 'SNAPSHOT' : 'CHANGE';
      snapshotDue = false;
      const nodes = kind === 'SNAPSHOT' ? [...rows.values()] : folded.changed;
      if (nodes.length === 0 && kind === 'CHANGE') continue;
      const progress = summarizeRun(run.runId, rows, commit.seq);
      yield { sequence: commit.seq, kind, run: progress, nodes: nodes.map(toNode), edges: edgesTo(rows, nodes) };
    }
  } finally {
    await run.feed.close();
  }
}

/**
 * The run's status and counters: the value at the snapshot point (unless resuming), then each value that differs
 * from the last one emitted. When resuming, the value at `after` is the baseline the client already has.
 */
async function* progressEvents(run: { runId: string; feed: CommitFeed; start: Start }): AsyncGenerator<RunProgress> {
  let rows: RunRows = new Map();
  let baseline: RunProgress | null = null;
  let snapshotDue = 'snapshotAt' in run.start;
  const emitAfter = emitsAfter(run.start);
  try {
    for await (const commit of run.feed) {
      rows = foldCommit(rows, commit).rows;
      const progress = summarizeRun(run.runId, rows, commit.seq);
      const emit = commit.seq > emitAfter && (snapshotDue || progressChanged(baseline, progress));
      if (commit.seq <= emitAfter || emit) baseline = progress;
      if (!emit) continue;
      snapshotDue = false;
      yield progress;
    }
  } finally {
    await run.feed.close();
  }
}

export const runDagSubscription = {
  subscribe: async (_: unknown, args: RunSubscriptionArgs, ctx: SubscriptionContext): Promise<AsyncGenerator<RunDagEvent>> => {
    const run = await openRun(ctx, args);
    return stoppable(dagEvents(run), run.feed.close);
  },
  resolve: eventItself<RunDagEvent>,
};

export const runUpdatesSubscription = {
  subscribe: async (_: unknown, args: RunSubscriptionArgs, ctx: SubscriptionContext): Promise<AsyncGenerator<RunProgress>> => {
    const run = await openRun(ctx, args);
    return stoppable(progressEvents(run), run.feed.close);
  },
  resolve: eventItself<RunProgress>,
};
