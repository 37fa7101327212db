import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type ConsumerConfig, type StreamConfig } from '@nats-io/jetstream';

const SECOND_NS = 1_000_000_000;

/**
 * Where a deployment's events live: one stream and one subject prefix. Production uses `SHAMAN_EVENTS` and
 * `shaman`; every test suite gets its own pair so it never touches what it did not create.
 */
export type NatsLayout = { stream: string; subjectPrefix: string; replicas?: number };
export const DEFAULT_LAYOUT: NatsLayout = { stream: 'SHAMAN_EVENTS', subjectPrefix: 'shaman' };

export const EXECUTOR_CONSUMER = 'executor';

/**
 * The event log: file storage, kept forever (it is the source of truth), a 2-minute duplicate window for
 * `Nats-Msg-Id` dedupe, and 1 MiB per commit (the server's default max payload; larger payloads belong in
 * the object store with a reference in the event).
 */
export const eventStreamConfig = (layout: NatsLayout): Partial<StreamConfig> & { name: string; subjects: string[] } => ({
  name: layout.stream,
  subjects: [`${layout.subjectPrefix}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.New,
  max_msgs: -1,
  max_bytes: -1,
  max_age: 0,
  max_msg_size: 1024 * 1024,
  duplicate_window: 120 * SECOND_NS,
  num_replicas: layout.replicas ?? 1,
  allow_direct: true,
});

export type ExecutorConsumerTuning = { ackWaitMs: number; maxDeliver: number; maxAckPending: number };
export const DEFAULT_EXECUTOR_TUNING: ExecutorConsumerTuning = { ackWaitMs: 30_000, maxDeliver: 5, maxAckPending: 10_000 };

/**
 * The executors' shared durable pull consumer over every step request. Explicit acks; the executor calls
 * `working()` during long model calls, so `ack_wait` bounds only how long a crashed executor holds a step.
 * Bounded redelivery, after which the executor records the step as failed (dead letter).
 */
export const executorConsumerConfig = (layout: NatsLayout, tuning: ExecutorConsumerTuning = DEFAULT_EXECUTOR_TUNING): Partial<ConsumerConfig> & { durable_name: string } => ({
  durable_name: EXECUTOR_CONSUMER,
  filter_subject: `${layout.subjectPrefix}.req.>`,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  ack_wait: tuning.ackWaitMs * 1_000_000,
  max_deliver: tuning.maxDeliver,
  max_ack_pending: tuning.maxAckPending,
});
