import type { FeedCommit } from './commit-feed.js';
import type { FeedRegistry } from './feed-registry.js';

/**
 * The commits on `filter` from the first up to `through`, which must be the sequence of a commit on that filter
 * (so the read ends: it stops on reaching it). A feed like the live ones, deleted as soon as the read ends or
 * the server closes; `readFilter` of the event store would leave its consumer behind for minutes.
 */
export async function* readThrough(feeds: FeedRegistry, options: { filter: string; through: number }): AsyncGenerator<FeedCommit> {
  const feed = await feeds.open({ filter: options.filter, fromSeq: 1 });
  try {
    for await (const commit of feed) {
      if (commit.seq > options.through) return;
      yield commit;
      if (commit.seq === options.through) return;
    }
  } finally {
    await feed.close();
  }
}
