import { withOrg, withTransaction, type Logger, type Pool } from '@shaman/platform';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { checkRegistry, type RegistryCheckDeps } from './registry-check.js';
import { listRegistryTargets } from './registry.repository.js';

/** The BullMQ queue of registry health checks: one scheduler checks every registry of every organization. */
export const REGISTRY_HEALTH_QUEUE = 'shaman-registry-health';
const SCHEDULER_ID = 'registries';

export type RegistryHealthTally = { checked: number; healthy: number; unhealthy: number; gone: number };

export type RegistryHealthDeps = RegistryCheckDeps & { pool: Pool; logger: Pick<Logger, 'warn' | 'info'>; concurrency: number };

/**
 * One health round: every registry (agent_registry_targets(), the app role's one cross-tenant look-up) is
 * checked as its organization, `concurrency` at a time. Each check is bounded by `timeoutMs`, so a round of a
 * dead registry ends; a check that throws (database) is logged and the round goes on.
 */
export const checkAllRegistries = async (deps: RegistryHealthDeps): Promise<RegistryHealthTally> => {
  const targets = await withTransaction(deps.pool, (c) => listRegistryTargets(c));
  const tally: RegistryHealthTally = { checked: 0, healthy: 0, unhealthy: 0, gone: 0 };
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let target = targets[next++]; target; target = targets[next++]) {
      const { orgId, id } = target;
      try {
        const checked = await checkRegistry(deps, (fn) => withOrg(deps.pool, orgId, fn), { orgId, id });
        tally.checked += 1;
        if (!checked) tally.gone += 1;
        else if (checked.status === 'healthy') tally.healthy += 1;
        else {
          tally.unhealthy += 1;
          deps.logger.warn({ orgId, registry: checked.name, error: checked.lastError }, 'registry unhealthy: agent resolution skips it');
        }
      } catch (error) {
        deps.logger.warn({ err: error, orgId, registryId: id }, 'registry health check failed');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, lane));
  return tally;
};

export type RegistryHealthOptions = RegistryHealthDeps & {
  /** The worker's blocking connection (BullMQ needs `maxRetriesPerRequest: null` there). */
  connection: ConnectionOptions;
  prefix?: string;
  /** Between two rounds. */
  intervalMs: number;
};

/**
 * The scheduled health check (DESIGN §8: BullMQ schedules what is about time): a job scheduler upserted at
 * start (idempotent across gql-api replicas: one scheduler id) and a worker running the rounds. `close()` waits
 * for the round in flight, whose length the per-check timeout bounds.
 */
export const startRegistryHealth = async (options: RegistryHealthOptions): Promise<{ close(): Promise<void> }> => {
  const prefix = options.prefix ?? 'bull';
  const queue = new Queue(REGISTRY_HEALTH_QUEUE, { connection: options.connection, prefix });
  queue.on('error', (error) => options.logger.warn({ err: error }, 'registry health queue: redis error'));
  await queue.upsertJobScheduler(SCHEDULER_ID, { every: options.intervalMs }, { name: 'check', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
  const worker = new Worker(REGISTRY_HEALTH_QUEUE, () => checkAllRegistries(options), { connection: options.connection, prefix, concurrency: 1 });
  worker.on('completed', (_job, tally: RegistryHealthTally) => options.logger.info(tally, 'registry health round done'));
  worker.on('failed', (_job, error) => options.logger.warn({ reason: error.message }, 'registry health round failed'));
  worker.on('error', (error) => options.logger.warn({ err: error }, 'registry health worker error'));
  return {
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
};
