import { DeliverPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, TextDelta, parseStreamName, type StepAddress } from '@shaman/events';
import { randomUUID } from 'node:crypto';
import { createAsyncQueue, type AsyncQueue } from './async-queue.js';

/** One item of a step's feed: a stored commit (both subjects, stream order) or a best-effort text delta. */
export type FeedItem = { kind: 'commit'; seq: number; events: ShamanEvent[] } | { kind: 'delta'; delta: TextDelta };

export type StepFeed = {
  address: StepAddress;
  /** The step's last stored sequence when the feed opened: every commit up to it is history, later ones are live. */
  lastSeq: number;
  next(): Promise<IteratorResult<FeedItem, undefined>>;
  close(): Promise<void>;
};

/** A feed whose delta subscription is already listening; `open` adds the stored commits, `cancel` gives up. */
export type PendingFeed = { open(): Promise<StepFeed | null>; cancel(): void };

export type StepFeedDeps = { store: JetStreamEventStore; nc: NatsConnection };

/** Our ordered consumers' names start with this, so operators (and tests) can tell them from others. */
export const STREAM_CONSUMER_PREFIX = 'a2astream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const decoder = new TextDecoder();

const parseEvents = (data: Uint8Array): ShamanEvent[] =>
  decodeCommit(data).events.flatMap((raw) => {
    const parsed = ShamanEvent.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });

const parseDelta = (data: Uint8Array): TextDelta | null => {
  try {
    const parsed = TextDelta.safeParse(JSON.parse(decoder.decode(data)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
};

/**
 * Starts listening to a step's text deltas (core NATS, `<prefix>_delta.<org>.*.<step>`) before anything else, so
 * a caller that is about to make the step produce some (answering its question) misses none. Null for an id
 * that is not a step id (which also keeps wildcards out of every subject built from it).
 */
export const prepareStepFeed = (deps: StepFeedDeps, input: { orgId: string; stepId: string }): PendingFeed | null => {
  if (!UUID.test(input.stepId)) return null;
  const queue = createAsyncQueue<FeedItem>();
  const sub = deps.nc.subscribe(`${deps.store.subjectPrefix}_delta.${input.orgId}.*.${input.stepId}`, {
    callback: (error, msg) => {
      const delta = error ? null : parseDelta(msg.data);
      if (delta) queue.push({ kind: 'delta', delta });
    },
  });
  const cancel = () => {
    sub.unsubscribe();
    queue.end();
  };
  return {
    cancel,
    open: async () => {
      try {
        const feed = await openCommits(deps, { ...input, queue, onClose: () => sub.unsubscribe() });
        if (!feed) cancel();
        return feed;
      } catch (error) {
        cancel();
        throw error;
      }
    },
  };
};

/**
 * Everything a step has recorded and will record, from any gateway instance: one JetStream ordered consumer over
 * the step's two subjects (`<prefix>.{req,evt}.<org>.*.<step>`) from its first commit, so history and live commits
 * come through the same consumer in stream order, each exactly once; the snapshot/live seam is just `lastSeq`.
 * Null for a step this organization does not have.
 */
const openCommits = async (
  deps: StepFeedDeps,
  input: { orgId: string; stepId: string; queue: AsyncQueue<FeedItem>; onClose: () => void },
): Promise<StepFeed | null> => {
  const { queue } = input;
  const filter = `*.${input.orgId}.*.${input.stepId}`;
  const last = await deps.store.lastCommit(filter);
  const name = last ? parseStreamName(last.subject.slice(deps.store.subjectPrefix.length + 1)) : null;
  if (!last || !name) return null;
  const consumer = await deps.store.js.consumers.get(deps.store.stream, {
    name_prefix: `${STREAM_CONSUMER_PREFIX}${randomUUID().replaceAll('-', '')}`,
    filter_subjects: deps.store.subjectOf(filter),
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 256 });
  const pump = (async () => {
    for await (const m of messages) queue.push({ kind: 'commit', seq: m.seq, events: parseEvents(m.data) });
    queue.end();
  })().catch((error: unknown) => queue.fail(error));
  let closed = false;
  return {
    address: { orgId: name.orgId, runId: name.runId, stepId: name.stepId } as StepAddress,
    lastSeq: last.seq,
    next: () => queue.next(),
    close: async () => {
      if (closed) return;
      closed = true;
      input.onClose();
      await Promise.resolve(messages.close()).catch(() => undefined); // the connection may be closing already
      await pump;
      queue.end();
      // Ordered consumers are ephemeral but linger until their inactivity threshold: remove ours now.
      await consumer.delete().catch(() => undefined);
    },
  };
};

/** Prepares and opens at once: for a step that is only watched, not driven. */
export const openStepFeed = async (deps: StepFeedDeps, input: { orgId: string; stepId: string }): Promise<StepFeed | null> =>
  (await prepareStepFeed(deps, input)?.open()) ?? null;
