import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { DeliverPolicy, JetStreamApiError } from '@nats-io/jetstream';
import { decodeCommit, type Commit } from './commit.js';

export type StoredCommit = { seq: number; subject: string; time: Date; commit: Commit };

/** The last commit stored on a subject (wildcards allowed), or null. One request, no consumer. */
export const lastCommitOn = async (
  jsm: JetStreamManager,
  stream: string,
  subject: string,
): Promise<StoredCommit | null> => {
  try {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    if (!m) return null;
    return { seq: m.seq, subject: m.subject, time: m.time, commit: decodeCommit(m.data) };
  } catch (error) {
    // 10037: no message found. The client returns null for it in most versions; be explicit anyway.
    if (error instanceof JetStreamApiError && error.code === 10037) return null;
    throw error;
  }
};

/**
 * The first commit on a subject (wildcards allowed) at or after `fromSeq`, or null. One request, no consumer.
 * nats-server (2.9+) answers `next_by_subj` on the plain MSG.GET API; the client's request type lists only
 * `seq` and `last_by_subj`, hence the widened request object.
 */
export const firstCommitOn = async (jsm: JetStreamManager, where: { stream: string; subject: string; fromSeq?: number }): Promise<StoredCommit | null> => {
  const { stream, subject, fromSeq = 1 } = where;
  const query: { seq: number; next_by_subj: string } = { seq: fromSeq, next_by_subj: subject };
  try {
    const m = await jsm.streams.getMessage(stream, query as unknown as Parameters<JetStreamManager['streams']['getMessage']>[1]);
    if (!m) return null;
    return { seq: m.seq, subject: m.subject, time: m.time, commit: decodeCommit(m.data) };
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === 10037) return null;
    throw error;
  }
};

/**
 * Every commit on a filter subject (wildcards allowed) from `fromSeq`, in stream order, through an ephemeral
 * ordered consumer. It reads up to the last sequence present when called, so it always terminates.
 */
export async function* readCommits(
  clients: { js: JetStreamClient; jsm: JetStreamManager },
  options: { stream: string; filter: string; fromSeq?: number; toSeq?: number },
): AsyncGenerator<StoredCommit> {
  const last = await lastCommitOn(clients.jsm, options.stream, options.filter);
  const until = Math.min(last?.seq ?? 0, options.toSeq ?? Number.MAX_SAFE_INTEGER);
  if (!last || until < (options.fromSeq ?? 1)) return;
  const consumer = await clients.js.consumers.get(options.stream, {
    filter_subjects: options.filter,
    ...(options.fromSeq ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.fromSeq } : {}),
  });
  const messages = await consumer.consume({ max_messages: 512 });
  try {
    for await (const m of messages) {
      if (m.seq > until) break;
      yield { seq: m.seq, subject: m.subject, time: new Date(Number(m.timestampNanos / 1_000_000n)), commit: decodeCommit(m.data) };
      if (m.seq >= until) break;
    }
  } finally {
    await messages.close();
    // An ordered consumer lingers on the server for its inactive threshold (5 min) unless deleted: a busy
    // reader would leave thousands behind. Best effort: the threshold still removes it if this fails.
    await consumer.delete().catch(() => false);
  }
}
