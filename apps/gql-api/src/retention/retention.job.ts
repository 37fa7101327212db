import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger, Pool } from '@shaman/platform';
import { applyRetention, organizationPolicies, type OrgRetention } from '@shaman/retention';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';

export const RETENTION_QUEUE = 'shaman-retention';
/** One scheduler for every gql-api replica: upserting it again only moves its interval. */
const SCHEDULER_ID = 'retention';

export type RetentionJobDeps = {
  store: JetStreamEventStore;
  /** RETENTION_DATABASE_URL, as the `shaman_retention` role (migrations/0017): it reads every organization's policy and deletes finished runs' rows, nothing else. */
  retentionPool: Pool;
  exportDir: string;
  logger: Logger;
  clock: () => Date;
};

/** What one round did, per organization: BullMQ keeps it as the job's return value. */
export type RetentionRound = { organizations: number; purged: { org: string; runs: string[] }[] };

/**
 * One round: every organization that has a policy, one after the other, each through the same code as
 * `shaman retention apply` (libs/retention): export, then the stream, then the read models. An organization that
 * fails is logged and the round goes on; the next round completes what it left (each step is safe to repeat).
 */
export const runRetentionRound = async (deps: RetentionJobDeps): Promise<RetentionRound> => {
  const client = await deps.retentionPool.connect();
  try {
    const orgs = await organizationPolicies(client);
    const purged: RetentionRound['purged'] = [];
    for (const org of orgs) {
      const done: OrgRetention | null = await applyRetention({ store: deps.store, client, exportDir: deps.exportDir, now: deps.clock() }, { org, dryRun: false }).catch((error: unknown) => {
        deps.logger.error({ err: error, org: org.slug }, 'retention failed for an organization');
        return null;
      });
      if (done && done.purged.length > 0) purged.push({ org: org.slug, runs: done.purged.map((p) => p.runId) });
    }
    return { organizations: orgs.length, purged };
  } finally {
    client.release();
  }
};

/**
 * The repeatable job (a BullMQ job scheduler, `every` RETENTION_INTERVAL_MS) and its worker, one round at a time.
 * Idempotent across replicas: one scheduler id, and BullMQ hands each round to one worker. `close()` waits for the
 * round in flight.
 */
export const startRetentionJob = async (
  deps: RetentionJobDeps & { connection: ConnectionOptions; prefix: string; intervalMs: number },
): Promise<{ close(): Promise<void> }> => {
  const queue = new Queue(RETENTION_QUEUE, { connection: deps.connection, prefix: deps.prefix });
  await queue.upsertJobScheduler(SCHEDULER_ID, { every: deps.intervalMs }, { name: 'apply', data: {}, opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } } });
  const worker = new Worker(RETENTION_QUEUE, () => runRetentionRound(deps), { connection: deps.connection, prefix: deps.prefix, concurrency: 1 });
  worker.on('completed', (job, round: RetentionRound) => {
    if (round.purged.length > 0) deps.logger.info({ jobId: job.id, ...round }, 'retention applied');
  });
  worker.on('failed', (job, error) => deps.logger.warn({ jobId: job?.id, reason: error.message }, 'retention round failed'));
  // Without a listener an 'error' event (Redis down) would crash the process.
  worker.on('error', (error) => deps.logger.error({ err: error }, 'retention worker error'));
  return {
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
};
