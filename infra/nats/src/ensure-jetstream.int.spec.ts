import { StorageType, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureJetStream } from './ensure-jetstream.js';
import { EXECUTOR_CONSUMER, type ExecutorConsumerTuning, type NatsLayout } from './layout.js';

// Not `@shaman/testing`: it depends on this package, and importing it back here would be a project cycle.
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const MS_NS = 1_000_000;

/** A stream name and subject prefix no one else uses on the shared server; only these are ever deleted. */
const uniqueLayout = (): NatsLayout => {
  const id = randomBytes(5).toString('hex');
  return { stream: `TEST_ENSURE_${id.toUpperCase()}`, subjectPrefix: `tensure${id}` };
};

describe('ensureJetStream (shared nats-server, private stream per test)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const created: string[] = [];
  const layout = (): NatsLayout => {
    const l = uniqueLayout();
    created.push(l.stream);
    return l;
  };

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, name: 'infra-nats-ensure-int' });
    jsm = await jetstreamManager(nc);
  });
  afterEach(async () => {
    // Deleting the stream deletes its consumers too.
    for (const stream of created.splice(0)) await jsm.streams.delete(stream).catch(() => undefined);
  });
  afterAll(async () => nc?.drain());

  it('creates the stream and the executor consumer on first call, and changes nothing on the second', async () => {
    const l = layout();
    expect(await ensureJetStream(jsm, l)).toEqual({ stream: 'created', consumers: { [EXECUTOR_CONSUMER]: 'created' } });
    expect(await ensureJetStream(jsm, l)).toEqual({ stream: 'unchanged', consumers: { [EXECUTOR_CONSUMER]: 'unchanged' } });

    const consumer = await jsm.consumers.info(l.stream, EXECUTOR_CONSUMER);
    expect(consumer.config.filter_subject).toBe(`${l.subjectPrefix}.req.>`);
    expect(consumer.config.durable_name).toBe(EXECUTOR_CONSUMER);
  });

  it('configures the stream as the event log: prefix subjects, file storage, 2-min dedupe window, 1 MiB messages', async () => {
    const l = layout();
    await ensureJetStream(jsm, l);
    const { config } = await jsm.streams.info(l.stream);
    expect(config.subjects).toEqual([`${l.subjectPrefix}.>`]);
    expect(config.storage).toBe(StorageType.File);
    expect(config.duplicate_window).toBe(120_000 * MS_NS);
    expect(config.max_msg_size).toBe(1024 * 1024);
  });

  it('is unchanged on a second call with the same tuning', async () => {
    const l = layout();
    const tuning: ExecutorConsumerTuning = { ackWaitMs: 20_000, maxDeliver: 4, maxAckPending: 500 };
    await ensureJetStream(jsm, l, tuning);
    expect(await ensureJetStream(jsm, l, tuning)).toEqual({ stream: 'unchanged', consumers: { [EXECUTOR_CONSUMER]: 'unchanged' } });
  });

  it('applies new executor tuning, and a caller without tuning leaves the tuned consumer alone', async () => {
    const l = layout();
    await ensureJetStream(jsm, l);

    const tuned = await ensureJetStream(jsm, l, { ackWaitMs: 45_000, maxDeliver: 9, maxAckPending: 250 });
    expect(tuned).toEqual({ stream: 'unchanged', consumers: { [EXECUTOR_CONSUMER]: 'updated' } });
    const after = await jsm.consumers.info(l.stream, EXECUTOR_CONSUMER);
    expect(after.config).toMatchObject({ ack_wait: 45_000 * MS_NS, max_deliver: 9, max_ack_pending: 250 });

    // e.g. the gateway or projector starting after the executors: they must not reset the executors' tuning.
    const untuned = await ensureJetStream(jsm, l);
    expect(untuned).toEqual({ stream: 'unchanged', consumers: { [EXECUTOR_CONSUMER]: 'unchanged' } });
    const still = await jsm.consumers.info(l.stream, EXECUTOR_CONSUMER);
    expect(still.config).toMatchObject({ ack_wait: 45_000 * MS_NS, max_deliver: 9, max_ack_pending: 250 });
  });

  it('recreates a deleted executor consumer with defaults when called without tuning', async () => {
    const l = layout();
    await ensureJetStream(jsm, l, { ackWaitMs: 45_000, maxDeliver: 9, maxAckPending: 250 });
    await jsm.consumers.delete(l.stream, EXECUTOR_CONSUMER);
    expect(await ensureJetStream(jsm, l)).toEqual({ stream: 'unchanged', consumers: { [EXECUTOR_CONSUMER]: 'created' } });
    const info = await jsm.consumers.info(l.stream, EXECUTOR_CONSUMER);
    expect(info.config).toMatchObject({ ack_wait: 30_000 * MS_NS, max_deliver: 5 });
  });
});
