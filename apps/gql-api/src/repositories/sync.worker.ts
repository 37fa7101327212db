import { lockRepository, REPOSITORY_SYNC_QUEUE, RepositorySyncJob, withOrg, type Logger, type Pool } from '@shaman/platform';
import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { syncAndRecord, type SyncAndRecordDeps } from './sync-and-record.js';

export type RepositorySyncDeps = SyncAndRecordDeps & { pool: Pool };

/** What one job did; BullMQ stores it as the job's return value. */
export type RepositorySyncOutcome = { status: 'synced'; commit: string; errors: number } | { status: 'gone' };

/**
 * Syncs the job's repository as its organization (the table is RLS'd) and records the outcome like
 * `shaman repo sync`. The row stays locked for the whole sync (see lockRepository), so the transaction is
 * held across the `git fetch`. A repository deleted since the job was queued is `gone`, not an error.
 * A failed sync is recorded first (committed), then thrown, so BullMQ retries it with back-off; a
 * permanent failure is an UnrecoverableError and is not retried.
 */
export const createRepositorySyncProcessor =
  (deps: RepositorySyncDeps) =>
  async (raw: unknown): Promise<RepositorySyncOutcome> => {
    const parsed = RepositorySyncJob.safeParse(raw);
    // A malformed job would fail the same way on every try.
    if (!parsed.success) throw new UnrecoverableError(`malformed repository sync job: ${parsed.error.message}`);
    const job = parsed.data;
    const attempt = await withOrg(deps.pool, job.orgId, async (client) => {
      const repo = await lockRepository(client, job.repositoryId);
      return repo ? syncAndRecord(deps, client, repo) : ({ status: 'gone' } as const);
    });
    if (attempt.status === 'synced') return { status: 'synced', commit: attempt.result.commit, errors: attempt.result.errors.length };
    if (attempt.status === 'gone') return attempt;
    throw attempt.permanent ? new UnrecoverableError(attempt.message) : new Error(attempt.message);
  };

export type RepositorySyncWorkerOptions = RepositorySyncDeps & {
  /** Must have `maxRetriesPerRequest: null` (BullMQ's blocking connection). */
  connection: ConnectionOptions;
  prefix?: string;
  concurrency: number;
  logger: Logger;
};

/** The BullMQ worker of `shaman-repository-sync`; `close()` waits for the syncs in flight. */
export const startRepositorySyncWorker = (options: RepositorySyncWorkerOptions): Worker => {
  const { connection, prefix, concurrency, logger } = options;
  const processJob = createRepositorySyncProcessor(options);
  const worker = new Worker(REPOSITORY_SYNC_QUEUE, (job) => processJob(job.data), { connection, prefix: prefix ?? 'bull', concurrency });
  worker.on('completed', (job, outcome: RepositorySyncOutcome) => logger.info({ jobId: job.id, ...job.data, ...outcome }, 'repository sync done'));
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, ...job?.data, attempt: job?.attemptsMade, reason: error.message }, 'repository sync failed'));
  // Without a listener an 'error' event (Redis down) would crash the process.
  worker.on('error', (error) => logger.error({ err: error }, 'repository sync worker error'));
  return worker;
};
