import { openCommitFeed, type CommitFeed, type FeedStore } from './commit-feed.js';

/**
 * The live feeds of a server, so that closing the server ends every subscription and stops every consumer,
 * whether or not its socket has closed yet (shutdown order: sockets, then feeds, then NATS).
 */
export type FeedRegistry = {
  open: (options: { filter: string; fromSeq: number }) => Promise<CommitFeed>;
  /** Ends every open feed and refuses new ones. */
  closeAll: () => Promise<void>;
  /** How many feeds are open (for tests and metrics). */
  size: () => number;
};

export const createFeedRegistry = (store: FeedStore): FeedRegistry => {
  const feeds = new Set<CommitFeed>();
  let closed = false;
  const open = async (options: { filter: string; fromSeq: number }): Promise<CommitFeed> => {
    if (closed) throw new Error('the server is shutting down');
    const feed = await openCommitFeed(store, options);
    const tracked: CommitFeed = {
      [Symbol.asyncIterator]: () => feed[Symbol.asyncIterator](),
      close: async () => {
        feeds.delete(tracked);
        await feed.close();
      },
    };
    feeds.add(tracked);
    // Closed between the check and the consumer's creation: do not leave it behind.
    if (closed) await tracked.close();
    return tracked;
  };
  return {
    open,
    closeAll: async () => {
      closed = true;
      await Promise.all([...feeds].map((feed) => feed.close()));
    },
    size: () => feeds.size,
  };
};
