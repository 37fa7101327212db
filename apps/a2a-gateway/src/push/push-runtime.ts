import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger, Pool, SecretBox } from '@shaman/platform';
import { Redis } from 'ioredis';
import { startDeliveryQueue } from './delivery-queue.js';
import { pendingConfigs } from './outbox.js';
import { createPushDispatcher } from './push-dispatcher.js';

export type PushRuntimeOptions = {
  pool: Pool;
  nc: NatsConnection;
  store: JetStreamEventStore;
  logger: Logger;
  secretBox: SecretBox | null;
  redisUrl: string;
  bullmqPrefix: string;
  allowPrivateNetworks: boolean;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** How often configs with waiting deliveries are enqueued again (after a crash between commit and enqueue). */
  sweepMs?: number;
  /** The dispatcher's checkpoint row; tests sharing a database use their own. */
  name?: string;
};

/** `position`: the last stream sequence the dispatcher has handled (recorded, or found to notify nobody). */
export type PushRuntime = { position(): number; stop(): Promise<void> };

/**
 * Push delivery inside a gateway process: the dispatcher (events → outbox), the BullMQ sender, and a sweeper
 * that re-enqueues configs whose deliveries wait without a job (a crash after the outbox commit, before
 * the enqueue). Any number of gateways may run it: the dispatcher serialises on its checkpoint row and the
 * job id serialises each config's drain.
 */
export const startPushRuntime = async (options: PushRuntimeOptions): Promise<PushRuntime> => {
  const { logger } = options;
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
  const workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  for (const c of [connection, workerConnection]) c.on('error', (err: Error) => logger.warn({ err }, 'push delivery: redis error'));
  const queue = startDeliveryQueue({ ...options, connection, workerConnection, prefix: options.bullmqPrefix });
  const dispatcher = createPushDispatcher({ pool: options.pool, nc: options.nc, layout: { stream: options.store.stream, subjectPrefix: options.store.subjectPrefix }, logger, onRecorded: queue.enqueue, name: options.name });
  const sweep = async (): Promise<void> => {
    for (const p of await pendingConfigs(options.pool)) await queue.enqueue(p.orgId, p.configKey);
  };
  const sweeper = setInterval(() => void sweep().catch((err: unknown) => logger.warn({ err }, 'push sweep failed')), options.sweepMs ?? 30_000);
  try {
    await dispatcher.start();
    await sweep();
  } catch (error) {
    clearInterval(sweeper);
    await queue.close().catch(() => undefined);
    await Promise.all([connection.quit(), workerConnection.quit()]).catch(() => undefined);
    throw error;
  }
  logger.info({ position: dispatcher.position() }, 'push notifications: dispatcher and sender started');
  return {
    position: () => dispatcher.position(),
    stop: async () => {
      clearInterval(sweeper);
      await dispatcher.stop();
      await queue.close();
      await Promise.all([connection.quit(), workerConnection.quit()]);
    },
  };
};
