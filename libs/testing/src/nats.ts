import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureJetStream, type NatsLayout } from '@shaman/nats-infra';
import { connectNats } from '@shaman/platform';
import { randomBytes } from 'node:crypto';

export const TEST_NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

export type TestNats = { nc: NatsConnection; layout: NatsLayout; url: string; cleanup: () => Promise<void> };

/**
 * A private stream and subject prefix on the shared local nats-server: the suite creates them, and removes
 * only them afterwards, never what a developer's stack or another suite owns.
 */
export const createTestNats = async (options: { ackWaitMs?: number; maxDeliver?: number } = {}): Promise<TestNats> => {
  const id = randomBytes(5).toString('hex');
  const layout: NatsLayout = { stream: `TEST_${id.toUpperCase()}`, subjectPrefix: `t${id}` };
  const nc = await connectNats(TEST_NATS_URL, `test-${id}`);
  const jsm = await jetstreamManager(nc);
  await ensureJetStream(jsm, layout, { ackWaitMs: options.ackWaitMs ?? 30_000, maxDeliver: options.maxDeliver ?? 5, maxAckPending: 1000 });
  return {
    nc,
    layout,
    url: TEST_NATS_URL,
    cleanup: async () => {
      await jsm.streams.delete(layout.stream).catch(() => undefined);
      await nc.drain();
    },
  };
};
