import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

/** The BullMQ queue of repository syncs (DESIGN §8: BullMQ schedules what is about time). */
export const REPOSITORY_SYNC_QUEUE = 'shaman-repository-sync';
const JOB_NAME = 'sync';

/** A job's data; parsed by the worker at its ingress (STYLE §3). */
export const RepositorySyncJob = z.object({ orgId: z.uuid(), repositoryId: z.uuid() });
export type RepositorySyncJob = z.infer<typeof RepositorySyncJob>;

/** The job scheduler of one repository: one per repository, so upserting it again only changes its interval. */
export const repositorySchedulerId = (repositoryId: string): string => `repo:${repositoryId}`;

export type RepositorySyncQueue = {
  /** Creates or updates the repository's periodic sync (every `syncIntervalSeconds`). */
  schedule(repo: { id: string; orgId: string; syncIntervalSeconds: number }): Promise<void>;
  /** Removes the periodic sync; false when there was none. */
  unschedule(repositoryId: string): Promise<boolean>;
  /**
   * Makes the schedulers match `repositories` exactly: each gets its (current) interval, and schedulers of
   * repositories that no longer exist are removed. For a worker starting after Redis lost its data, or after
   * a repository was deleted while Redis was unreachable.
   */
  reconcile(repositories: readonly { id: string; orgId: string; syncIntervalSeconds: number }[]): Promise<{ scheduled: number; removed: number }>;
  /** A sync as soon as a worker is free (a push webhook); coalesced per repository, see below. */
  enqueueNow(orgId: string, repositoryId: string): Promise<{ jobId: string }>;
  /** Closes the queue; the connection belongs to the caller, who closes it after. */
  close(): Promise<void>;
};

export type RepositorySyncQueueOptions = {
  /** An ioredis instance (the caller owns and closes it) or connection options. */
  connection: ConnectionOptions;
  /** BullMQ key prefix; tests use their own so they never touch another stack's keys. */
  prefix?: string;
  /** Tries per job, and the first back-off delay (doubling) after a failed try. */
  attempts?: number;
  backoffMs?: number;
  /** Connection errors; each also rejects the command that met it. Without a listener BullMQ prints them. */
  onError?: (error: Error) => void;
};

/**
 * The adapter over the BullMQ queue. Syncs are idempotent (a sync of an up-to-date repository records the same
 * commit again), so duplicates only cost a `git fetch`; still, they are kept few:
 *
 * - Scheduled jobs: BullMQ creates a scheduler's next job only once the current one has started, so one
 *   repository has at most one scheduled job waiting.
 * - `enqueueNow` deduplicates on the repository (`deduplication.id`), with `keepLastIfActive`: a burst of
 *   pushes makes one job; a push that lands while a sync is running keeps exactly one more job, so the
 *   commit it announced is fetched even if the running sync fetched just before it. A time-bucket jobId
 *   would lose that push.
 *
 * A scheduled and a webhook job of one repository may still run at the same time; the worker serialises
 * them on the repository's row lock.
 */
export const createRepositorySyncQueue = (options: RepositorySyncQueueOptions): RepositorySyncQueue => {
  const queue = new Queue<RepositorySyncJob>(REPOSITORY_SYNC_QUEUE, { connection: options.connection, prefix: options.prefix ?? 'bull' });
  queue.on('error', options.onError ?? (() => undefined));
  const jobOptions = {
    attempts: options.attempts ?? 3,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 10_000 },
    // The outcome lives in the repositories table; Redis keeps only a short history for inspection.
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  } satisfies JobsOptions;
  return {
    schedule: async (repo) => {
      const data: RepositorySyncJob = { orgId: repo.orgId, repositoryId: repo.id };
      await queue.upsertJobScheduler(repositorySchedulerId(repo.id), { every: repo.syncIntervalSeconds * 1000 }, { name: JOB_NAME, data, opts: jobOptions });
    },
    unschedule: (repositoryId) => queue.removeJobScheduler(repositorySchedulerId(repositoryId)),
    reconcile: async (repositories) => {
      const wanted = new Set(repositories.map((r) => repositorySchedulerId(r.id)));
      const existing = await queue.getJobSchedulers();
      const stale = existing.map((s) => s.key).filter((key) => key.startsWith('repo:') && !wanted.has(key));
      await Promise.all(stale.map((key) => queue.removeJobScheduler(key)));
      for (const repo of repositories) {
        const data: RepositorySyncJob = { orgId: repo.orgId, repositoryId: repo.id };
        await queue.upsertJobScheduler(repositorySchedulerId(repo.id), { every: repo.syncIntervalSeconds * 1000 }, { name: JOB_NAME, data, opts: jobOptions });
      }
      return { scheduled: repositories.length, removed: stale.length };
    },
    enqueueNow: async (orgId, repositoryId) => {
      const data: RepositorySyncJob = { orgId, repositoryId };
      const job = await queue.add(JOB_NAME, data, { ...jobOptions, deduplication: { id: `now:${repositoryId}`, keepLastIfActive: true } });
      return { jobId: String(job.id) };
    },
    close: () => queue.close(),
  };
};
