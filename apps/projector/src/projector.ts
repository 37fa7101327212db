import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NatsLayout } from '@shaman/nats-infra';
import type { Logger, Pool } from '@shaman/platform';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PROJECTION, readCheckpoint } from './checkpoint.js';
import { watchConsumerStatus } from './consumer-status.js';
import { decodeCommitMessage, type ReceivedCommit } from './decode-commit-message.js';
import { createMicroBatcher } from './micro-batcher.js';
import { createProgress } from './progress.js';
import { projectBatch } from './project-batch.js';

export type ProjectorDeps = {
  pool: Pool;
  nc: NatsConnection;
  layout: NatsLayout;
  logger: Logger;
  batchMax: number;
  batchWaitMs: number;
  /** The checkpoint row; 'read-models' unless a second, independent projection shares the tables' database. */
  name?: string;
  /** Runs around each batch's transaction (metrics, tracing: src/metrics/batch-observer.ts); `apply` commits it. */
  aroundBatch?: (commits: readonly ReceivedCommit[], apply: () => Promise<void>) => Promise<void>;
};

export type Projector = {
  /** Opens the consumer at the stored checkpoint (rejects if PostgreSQL or JetStream is unreachable), then runs in the background. */
  start(): Promise<void>;
  /** Stops consuming, flushes what was received, and resolves once the last batch is committed. */
  stop(): Promise<void>;
  /** The last stream sequence known to be in the read models. */
  position(): number;
  /** Resolves once the read models include stream sequence `seq`; rejects if the projector stops first. */
  waitFor(seq: number): Promise<void>;
  /** True while a consumer is open: for `/readyz`. */
  ready(): boolean;
};

const RETRY_MS = [100, 250, 500, 1_000, 2_000, 5_000];
const retryDelay = (failures: number): number => RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 5_000;

/**
 * nats.js 3.4 recreates an ordered consumer after a nats-server restart but keeps the old pull's accounting: it
 * stops asking for messages once the remainder of that pull is used up, and resumes only when two idle
 * heartbeats are missed (about 45 s). Found by the fault suite (issue 8): projection stalled for ~40 s under load
 * after a restart. Closing instead makes the run loop open a fresh consumer at our own checkpoint + 1.
 */
const reopenWhenRecreated = (messages: ConsumerMessages, close: () => void): void => {
  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'ordered_consumer_recreated') return close();
    }
  })().catch(() => undefined);
};

/*
 * Why an ordered consumer and a checkpoint in PostgreSQL, not a durable consumer: an ordered consumer delivers
 * in strict stream order with no redeliveries to reorder (no ack_wait, no max_ack_pending), and the position
 * lives in the same transaction as the rows it describes, so "rows written but ack lost" (or the reverse)
 * cannot happen. Restarts and failed transactions just open a new ordered consumer at checkpoint + 1.
 */
export const createProjector = (deps: ProjectorDeps): Projector => {
  const { pool, logger, layout } = deps;
  const name = deps.name ?? DEFAULT_PROJECTION;
  const js = jetstream(deps.nc);
  const progress = createProgress();
  const halt = new AbortController();
  let loop: Promise<void> | null = null;
  let consuming = false;

  const open = async (): Promise<ConsumerMessages> => {
    const from = await readCheckpoint(pool, name);
    progress.advance(from);
    const consumer = await js.consumers.get(layout.stream, {
      filter_subjects: `${layout.subjectPrefix}.>`, // a string: nats-server 2.9 knows a single filter subject only
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from + 1,
    });
    const messages = await consumer.consume({ max_messages: deps.batchMax });
    watchConsumerStatus(messages, logger);
    logger.info({ name, from }, 'projecting from checkpoint');
    return messages;
  };

  const flush = async (commits: ReceivedCommit[]): Promise<void> => {
    const last = commits.at(-1);
    if (last === undefined) return;
    const apply = async (): Promise<void> => {
      const outcome = await projectBatch(pool, { name, lastSeq: last.seq, events: commits.flatMap((c) => c.events), repositoryEvents: commits.flatMap((c) => c.repositoryEvents), runEvents: commits.flatMap((c) => c.runEvents) });
      progress.advance(outcome.position);
      if (!outcome.applied) logger.debug({ lastSeq: last.seq, position: outcome.position }, 'batch already projected');
    };
    await (deps.aroundBatch ? deps.aroundBatch(commits, apply) : apply());
  };

  const consumeUntilClosed = async (messages: ConsumerMessages): Promise<void> => {
    const close = (): void => void messages.close();
    const batcher = createMicroBatcher<ReceivedCommit>({ max: deps.batchMax, waitMs: deps.batchWaitMs, handle: flush, onError: close });
    reopenWhenRecreated(messages, close);
    halt.signal.addEventListener('abort', close, { once: true });
    if (halt.signal.aborted) close();
    consuming = true;
    try {
      for await (const m of messages) await batcher.add(decodeCommitMessage(m, logger));
    } finally {
      consuming = false;
      halt.signal.removeEventListener('abort', close);
      await batcher.drain();
    }
    const failure = batcher.failure();
    if (failure !== null) throw failure.error;
  };

  // Never rejects: every failure is logged and answered by a fresh consumer from the checkpoint, after a back-off.
  const run = async (first: ConsumerMessages): Promise<void> => {
    let next: ConsumerMessages | null = first;
    let failures = 0;
    while (!halt.signal.aborted) {
      try {
        await consumeUntilClosed(next ?? (await open()));
        failures = 0;
      } catch (err) {
        failures += 1;
        logger.error({ err, failures }, 'projection interrupted; resuming from the checkpoint');
      }
      next = null;
      if (deps.nc.isClosed()) {
        if (!halt.signal.aborted) logger.warn('NATS connection closed; projector stopped');
        break;
      }
      await sleep(retryDelay(failures), undefined, { signal: halt.signal }).catch(() => undefined);
    }
  };

  return {
    start: async () => {
      if (loop !== null || halt.signal.aborted) throw new Error('projector already started');
      loop = run(await open());
    },
    stop: async () => {
      halt.abort();
      await loop;
      progress.abandon(new Error('projector stopped'));
    },
    position: progress.position,
    waitFor: progress.waitFor,
    ready: () => consuming,
  };
};
