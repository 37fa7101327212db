import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { lastCommitOn } from '@shaman/event-store';
import { decodeCommitMessage, type ReceivedCommit } from '@shaman/projector';
import type { Logger } from '@shaman/platform';

export type StreamLayout = { stream: string; subjectPrefix: string };

/** The sequence of the last commit under the deployment's prefix now (0 when none). */
export const lastSequence = async (nc: NatsConnection, layout: StreamLayout): Promise<number> =>
  (await lastCommitOn(await jetstreamManager(nc), layout.stream, `${layout.subjectPrefix}.>`))?.seq ?? 0;

/** How many messages (commits) the stream holds now: the progress bar's total. */
export const streamMessages = async (nc: NatsConnection, stream: string): Promise<number> =>
  (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;

/**
 * Every commit under the deployment's prefix with `fromSeq <= seq <= toSeq`, decoded and parsed exactly as the
 * projector does (`decodeCommitMessage`), in batches of at most `batch` commits. An ordered consumer, as the
 * projector uses: strict stream order, nothing to acknowledge.
 */
export async function* readCommitBatches(
  nc: NatsConnection,
  options: StreamLayout & { fromSeq: number; toSeq: number; batch: number; logger: Logger },
): AsyncGenerator<ReceivedCommit[]> {
  if (options.toSeq < options.fromSeq) return;
  const consumer = await jetstream(nc).consumers.get(options.stream, {
    filter_subjects: `${options.subjectPrefix}.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: options.fromSeq,
  });
  const messages = await consumer.consume({ max_messages: Math.min(options.batch, 10_000) });
  let pending: ReceivedCommit[] = [];
  try {
    for await (const m of messages) {
      if (m.seq > options.toSeq) break;
      pending.push(decodeCommitMessage(m, options.logger));
      if (m.seq >= options.toSeq) break;
      if (pending.length >= options.batch) {
        yield pending;
        pending = [];
      }
    }
  } finally {
    await messages.close();
  }
  if (pending.length > 0) yield pending;
}
