import { parseStreamName, runFilter, type OrgId, type RunId } from '@shaman/events';
import type { CommitFeed, FeedCommit } from './commit-feed.js';
import { eventItself, stoppable } from './live-iterator.js';
import { openOrgFeed } from './org-feed.js';
import { readThrough } from './read-through.js';
import { foldCommit, summarizeRun, type RunProgress, type RunRows } from './run-fold.js';
import { orgOf, type LiveDeps, type SubscriptionContext } from './subscription-context.js';

/** Runs whose folded state is kept between commits; one seen again after eviction is folded again from the stream. */
const MAX_RUNS_IN_MEMORY = 5_000;

type KnownRun = { rows: RunRows; progress: RunProgress };

const NOTHING_BEFORE: RunRows = new Map();

/**
 * A run's state just before the commit at `seq`, folded from its own commits (the live feed may have started
 * after its earlier ones). That commit is on the run's filter, so the read ends on it. A run whose first commit
 * is this one (every new run, under load hundreds a second) has nothing before it: the gateway marks such a
 * request (`opensRun`), and otherwise one look-up of the run's first commit answers it without opening a consumer.
 * That look-up (a wildcard subject) costs the server a walk over the stream, so the mark is what keeps the feed
 * up with the load.
 */
const foldRunBefore = async (live: LiveDeps, run: { orgId: string; runId: string; commit: FeedCommit }): Promise<KnownRun> => {
  const filter = runFilter(run.orgId as OrgId, run.runId as RunId);
  const seq = run.commit.seq;
  const opens = run.commit.events.some((e) => e.type === 'RunRequested' && e.data.opensRun === true);
  if (opens || (await live.store.firstCommit(filter))?.seq === seq) return { rows: NOTHING_BEFORE, progress: summarizeRun(run.runId, NOTHING_BEFORE, seq - 1) };
  let rows: RunRows = new Map();
  for await (const commit of readThrough(live.feeds, { filter, through: seq })) {
    if (commit.seq < seq) rows = foldCommit(rows, commit).rows;
  }
  return { rows, progress: summarizeRun(run.runId, rows, seq - 1) };
};

/** A new run (its first step) or a different status is a change of the run list; counters alone are not. */
const listChanged = (before: RunProgress, after: RunProgress): boolean =>
  (before.stepCount === 0 && after.stepCount > 0) || before.status !== after.status;

const remember = (runs: Map<string, KnownRun>, runId: string, run: KnownRun): void => {
  runs.delete(runId);
  runs.set(runId, run);
  if (runs.size > MAX_RUNS_IN_MEMORY) runs.delete(runs.keys().next().value as string);
};

async function* statusChanges(ctx: SubscriptionContext, feed: CommitFeed): AsyncGenerator<RunProgress> {
  const runs = new Map<string, KnownRun>();
  const orgId = ctx.principal.orgId;
  try {
    for await (const commit of feed) {
      const runId = runIdOf(commit);
      if (runId === null || commit.events.length === 0) continue;
      const known = runs.get(runId) ?? (await foldRunBefore(ctx.live, { orgId, runId, commit }));
      const rows = foldCommit(known.rows, commit).rows;
      const progress = summarizeRun(runId, rows, commit.seq);
      remember(runs, runId, { rows, progress });
      if (listChanged(known.progress, progress)) yield progress;
    }
  } finally {
    await feed.close();
  }
}

const runIdOf = (commit: FeedCommit): string | null => parseStreamName(commit.subject)?.runId ?? null;

export const runsUpdatedSubscription = {
  subscribe: async (_: unknown, args: { afterSequence?: number | null }, ctx: SubscriptionContext): Promise<AsyncGenerator<RunProgress>> => {
    // `<kind>.<org>.>`: requests (a new run is a RunRequested) and recorded events, one filter subject.
    const feed = await openOrgFeed(ctx, { filter: `*.${orgOf(ctx)}.>`, afterSequence: args.afterSequence });
    return stoppable(statusChanges(ctx, feed), feed.close);
  },
  resolve: eventItself<RunProgress>,
};
