import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent } from '@shaman/events';

/** One stream message: its sequence, subject (relative to the prefix) and the events of its commit that parsed. */
export type FeedCommit = { seq: number; subject: string; events: ShamanEvent[] };

/** A live, ordered read of one filter; iterate it once; `close` ends the iteration, even one waiting for a message. */
export type CommitFeed = AsyncIterable<FeedCommit> & { close: () => Promise<void> };

export type FeedStore = Pick<JetStreamEventStore, 'js' | 'stream' | 'subjectPrefix'>;

/** A commit's events that parse (STYLE §3: parsed at ingress); the others are dropped, as the projector does. */
const parseCommitEvents = (raw: readonly unknown[]): ShamanEvent[] =>
  raw.flatMap((candidate) => {
    const parsed = ShamanEvent.safeParse(candidate);
    return parsed.success ? [parsed.data] : [];
  });

// A message that is not a commit yields no events, but its sequence still flows, so a reader waiting for a
// given sequence (the snapshot point) always reaches it.
const parseEvents = (data: Uint8Array): ShamanEvent[] => {
  try {
    return parseCommitEvents(decodeCommit(data).events);
  } catch {
    return [];
  }
};

/**
 * Every commit on `filter` (relative, one subject: nats-server 2.9 takes a single filter per consumer) from
 * stream sequence `fromSeq` on, live, through an ordered consumer: the client checks each delivery's sequence
 * and recreates the consumer on any gap, so the feed is in stream order with no gap and no duplicate. The
 * consumer is ephemeral (no acks) and deleted on close.
 */
export const openCommitFeed = async (store: FeedStore, options: { filter: string; fromSeq: number }): Promise<CommitFeed> => {
  const prefix = `${store.subjectPrefix}.`;
  const consumer = await store.js.consumers.get(store.stream, {
    filter_subjects: `${prefix}${options.filter}`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, options.fromSeq),
  });
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
  async function* commits(): AsyncGenerator<FeedCommit> {
    for await (const m of messages) {
      yield { seq: m.seq, subject: m.subject.slice(prefix.length), events: parseEvents(m.data) };
    }
  }
  let closing: Promise<void> | null = null;
  return {
    [Symbol.asyncIterator]: commits,
    close: () => {
      // An ordered consumer outlives its client for its inactivity threshold (5 min) unless deleted.
      closing ??= messages.close().then(async () => {
        await consumer.delete().catch(() => false);
      });
      return closing;
    },
  };
};
