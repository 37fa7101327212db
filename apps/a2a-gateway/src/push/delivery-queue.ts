import type { JetStreamEventStore } from '@shaman/event-store';
import { withOrg, type Logger, type Pool } from '@shaman/platform';
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { backoffAfter } from './backoff.js';
import { notificationBody, taskAsOf } from './notification-payload.js';
import { hasPendingDeliveries, nextPendingDelivery, recordAttempt, type PendingDelivery } from './outbox.js';
import { sendNotification, type SendDeps } from './send-notification.js';

/**
 * The BullMQ queue of push deliveries (one job per config that has deliveries waiting), one per event stream:
 * gateways of another stack sharing this Redis (a test suite beside a dev stack) never take each other's jobs.
 */
export const pushDeliveryQueue = (stream: string): string => `shaman-push-delivery-${stream}`;
const JOB_NAME = 'drain';

const DrainJob = z.object({ orgId: z.uuid(), configKey: z.uuid() });
type DrainJob = z.infer<typeof DrainJob>;

/**
 * One job id per config: BullMQ refuses a second job with an id that exists (waiting, delayed or active), so at
 * most one drain of a config runs at a time, and that is what keeps its notifications in order. `:` is not
 * allowed in custom ids.
 */
export const drainJobId = (configKey: string): string => `push-${configKey}`;

export type DeliveryQueueOptions = SendDeps & {
  pool: Pool;
  store: JetStreamEventStore;
  logger: Logger;
  /** The queue's connection (commands) and the worker's (blocking, `maxRetriesPerRequest: null`). */
  connection: ConnectionOptions;
  workerConnection: ConnectionOptions;
  prefix: string;
  maxAttempts: number;
  backoffMs: number;
  concurrency?: number;
};

export type DeliveryQueue = { enqueue(orgId: string, configKey: string): Promise<void>; close(): Promise<void> };

/**
 * The sender. A drain sends its config's oldest pending delivery, records the outcome, and goes on to the next
 * until none waits. A failed try that has tries left parks the job (moveToDelayed) for the back-off and throws
 * DelayedError, so the same delivery is retried first: notification n+1 never leaves before n was delivered
 * (or gave up after maxAttempts, marked 'failed'). Unexpected errors (PostgreSQL down) fail the job, which
 * BullMQ retries a few times; after that the sweeper enqueues it again.
 */
export const startDeliveryQueue = (options: DeliveryQueueOptions): DeliveryQueue => {
  const { pool, logger } = options;
  const queue = new Queue<DrainJob>(pushDeliveryQueue(options.store.stream), { connection: options.connection, prefix: options.prefix });
  queue.on('error', (err) => logger.warn({ err }, 'push delivery queue: redis error'));
  const jobOptions = { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true } satisfies JobsOptions;
  const enqueue = async (orgId: string, configKey: string): Promise<void> => {
    await queue.add(JOB_NAME, { orgId, configKey }, { ...jobOptions, jobId: drainJobId(configKey) });
  };

  const attempt = async (delivery: PendingDelivery, orgId: string) => {
    const task = await taskAsOf(options.store, { orgId, taskId: delivery.taskId, seq: delivery.seq, index: delivery.index });
    const final = delivery.attempts + 1 >= options.maxAttempts;
    const outcome = task === null ? { ok: false as const, httpStatus: null, error: 'the task is not in the event log', final: true } : await sendNotification(options, { delivery, body: notificationBody(task, delivery.config.protocolVersion), final });
    await withOrg(pool, orgId, (c) => recordAttempt(c, delivery.id, outcome));
    return outcome;
  };

  const drain = async (job: Job<DrainJob>, token?: string): Promise<void> => {
    const { orgId, configKey } = DrainJob.parse(job.data);
    for (;;) {
      const delivery = await withOrg(pool, orgId, (c) => nextPendingDelivery(c, configKey));
      if (delivery === null) return;
      const outcome = await attempt(delivery, orgId);
      if (outcome.ok || outcome.final) {
        if (!outcome.ok) logger.warn({ configKey, deliveryId: delivery.id, error: outcome.error }, 'push notification given up');
        continue;
      }
      await job.moveToDelayed(Date.now() + backoffAfter(delivery.attempts + 1, options.backoffMs), token);
      throw new DelayedError();
    }
  };

  const worker = new Worker<DrainJob>(pushDeliveryQueue(options.store.stream), drain, { connection: options.workerConnection, prefix: options.prefix, concurrency: options.concurrency ?? 16 });
  worker.on('error', (err) => logger.warn({ err }, 'push delivery worker: redis error'));
  worker.on('failed', (job, err) => logger.warn({ err, configKey: job?.data.configKey }, 'push drain failed'));
  // A delivery recorded while its config's drain was finishing found the job id taken; look again once it is gone.
  worker.on('completed', (job) => {
    const { orgId, configKey } = job.data;
    void withOrg(pool, orgId, (c) => hasPendingDeliveries(c, configKey))
      .then((pending) => (pending ? enqueue(orgId, configKey) : undefined))
      .catch((err: unknown) => logger.warn({ err, configKey }, 'push drain re-check failed'));
  });
  return {
    enqueue,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
};
