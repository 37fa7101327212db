import type { ShamanEvent } from '@shaman/events';
import { A2AError } from '../errors.js';
import { toA2ATask } from '../tasks/task-view.js';
import { applyCommit, applyDelta, startLiveTask, type LiveTask } from './live-task.js';
import type { FeedItem, StepFeed } from './step-feed.js';
import type { StepStreamEvent } from './types.js';

type Commit = Extract<FeedItem, { kind: 'commit' }>;

/** Which stored commit the snapshot ends with: an index into the step's history, or -1 when none fits. */
export type SnapshotAt = (history: readonly Commit[]) => number;

/** Reads the feed up to the last sequence it had when it opened: the step's history (plus deltas that came meanwhile). */
const catchUp = async (feed: StepFeed): Promise<FeedItem[]> => {
  const items: FeedItem[] = [];
  for (;;) {
    const next = await feed.next();
    if (next.done) throw new A2AError('internal', 'internal error'); // the feed closed before its own history
    items.push(next.value);
    if (next.value.kind === 'commit' && next.value.seq >= feed.lastSeq) return items;
  }
};

const apply = (live: LiveTask, item: FeedItem) => (item.kind === 'commit' ? applyCommit(live, item.events) : applyDelta(live, item.delta));

/**
 * A step as a v0.3 event stream: the Task as of the snapshot commit, then every later change — the commits after
 * it (already stored, then live) and the deltas — until the task ends or asks for input. Resolves only once the
 * snapshot is known, so a caller's error (no such task) is thrown before any event. The feed is closed when the
 * stream ends, when the reader stops early, or when `signal` aborts (the client went away).
 */
export const streamTask = async (feed: StepFeed, input: { snapshotAt: SnapshotAt; historyLength?: number | undefined; signal: AbortSignal }): Promise<AsyncIterable<StepStreamEvent>> => {
  let live: LiveTask;
  let rest: FeedItem[];
  try {
    const history = await catchUp(feed);
    const commits = history.filter((i): i is Commit => i.kind === 'commit');
    const at = input.snapshotAt(commits);
    const snapshotSeq = commits[at]?.seq;
    const started = snapshotSeq === undefined ? null : startLiveTask(commits.slice(0, at + 1).flatMap((c): ShamanEvent[] => c.events));
    if (!started || snapshotSeq === undefined) throw new A2AError('task_not_found', `Task not found: ${feed.address.stepId}`);
    live = started;
    rest = history.filter((i) => i.kind === 'delta' || i.seq > snapshotSeq);
  } catch (error) {
    await feed.close();
    throw error;
  }
  const onAbort = () => void feed.close();
  input.signal.addEventListener('abort', onAbort, { once: true });
  if (input.signal.aborted) onAbort();
  return (async function* () {
    try {
      yield toA2ATask(live.view, { historyLength: input.historyLength });
      for (const item of rest) {
        if (live.done) return;
        const step = apply(live, item);
        live = step.live;
        yield* step.out;
      }
      while (!live.done) {
        const next = await feed.next();
        if (next.done) return;
        const step = apply(live, next.value);
        live = step.live;
        yield* step.out;
      }
    } finally {
      input.signal.removeEventListener('abort', onAbort);
      await feed.close();
    }
  })();
};
