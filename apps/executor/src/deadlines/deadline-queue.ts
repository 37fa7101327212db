import type { Logger } from '@shaman/platform';
import { Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { expireDeadline, type DeadlineJob as ExpiringJob } from './expire-deadline.js';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { StepAddress } from '@shaman/events';

/**
 * The BullMQ queue of deadlines, one per event stream: executors of another stack sharing this Redis (a test
 * suite beside a dev stack) never take each other's jobs.
 */
export const deadlineQueueName = (stream: string): string => `shaman-deadlines-${stream}`;
const JOB_NAME = 'expire';

const DeadlineJob = z.object({
  scope: z.enum(['step', 'run']),
  orgId: z.uuid(),
  runId: z.uuid(),
  /** For a run deadline, the step whose claim armed it. */
  stepId: z.uuid(),
  timeoutMs: z.number().int().positive(),
  deadline: z.iso.datetime(),
});

/**
 * The job id is the step (or run) id plus the deadline's kind: BullMQ refuses a second job whose id exists, so
 * arming again (a resumed step, every step of a run) changes nothing. Finished jobs are kept a day so their ids
 * stay taken while a run is still likely to get new steps. `:` is not allowed in custom ids.
 */
export const deadlineJobId = (scope: 'step' | 'run', id: string): string => `${id}-${scope}`;
const KEEP = { age: 86_400 };
const JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: KEEP, removeOnFail: KEEP } satisfies JobsOptions;

export type DeadlineQueueOptions = {
  store: JetStreamEventStore;
  logger: Logger;
  /** The queue's connection (commands) and the worker's (blocking, `maxRetriesPerRequest: null`). */
  connection: ConnectionOptions;
  workerConnection: ConnectionOptions;
  prefix: string;
  /** The step deadline when the agent sets no `timeoutSeconds`, and the run deadline; 0 turns either off. */
  stepTimeoutMs: number;
  runTimeoutMs: number;
  clock: () => Date;
};

/** Arms deadlines when an executor takes a step up; it never fails the step (deadlines are about time, not truth). */
export type DeadlineScheduler = {
  arm(input: { address: StepAddress; timeoutSeconds?: number | undefined }): Promise<void>;
  close(): Promise<void>;
};

/** The queue and its worker: every executor with Redis arms deadlines and expires whichever come due. */
export const startDeadlineQueue = (options: DeadlineQueueOptions): DeadlineScheduler => {
  const { logger, clock } = options;
  const name = deadlineQueueName(options.store.stream);
  const queue = new Queue<ExpiringJob>(name, { connection: options.connection, prefix: options.prefix });
  queue.on('error', (err) => logger.warn({ err }, 'deadline queue: redis error'));
  const worker = new Worker<ExpiringJob>(name, (job: Job<ExpiringJob>) => expireDeadline({ store: options.store, clock, logger }, DeadlineJob.parse(job.data)), {
    connection: options.workerConnection,
    prefix: options.prefix,
    concurrency: 16,
  });
  worker.on('error', (err) => logger.warn({ err }, 'deadline worker: redis error'));
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'deadline job failed'));
  const add = async (scope: 'step' | 'run', input: { address: StepAddress; timeoutMs: number }): Promise<void> => {
    const { orgId, runId, stepId } = input.address;
    const deadline = new Date(clock().getTime() + input.timeoutMs).toISOString();
    const data: ExpiringJob = { scope, orgId, runId, stepId, timeoutMs: input.timeoutMs, deadline };
    await queue.add(JOB_NAME, data, { ...JOB_OPTIONS, jobId: deadlineJobId(scope, scope === 'step' ? stepId : runId), delay: input.timeoutMs });
  };
  return {
    arm: async ({ address, timeoutSeconds }) => {
      const stepTimeoutMs = timeoutSeconds === undefined ? options.stepTimeoutMs : timeoutSeconds * 1000;
      try {
        if (stepTimeoutMs > 0) await add('step', { address, timeoutMs: stepTimeoutMs });
        if (options.runTimeoutMs > 0) await add('run', { address, timeoutMs: options.runTimeoutMs });
      } catch (err) {
        logger.warn({ err, stepId: address.stepId }, 'could not arm deadlines; the step runs without them');
      }
    },
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
};
