import { GitSyncError, syncRepository, type RepositoryCache } from '@shaman/agents';
import {
  lockRepository,
  recordRepositorySync,
  recordRepositorySyncFailure,
  REPOSITORY_SYNC_QUEUE,
  RepositorySyncJob,
  SecretBoxError,
  withOrg,
  type Logger,
  type Pool,
  type RepositoryRecord,
  type SecretBox,
} from '@shaman/platform';
import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';

export type RepositorySyncDeps = { pool: Pool; cache: RepositoryCache; secretBox: SecretBox | null; clock: () => Date };

/** What one job did; BullMQ stores it as the job's return value. */
export type RepositorySyncOutcome = { status: 'synced'; commit: string; errors: number } | { status: 'gone' };
type Attempt = RepositorySyncOutcome | { status: 'failed'; message: string; permanent: boolean };

// Wrong configuration or a malformed row: retrying would fail the same way.
const PERMANENT_GIT_CODES: ReadonlySet<string> = new Set(['git.bad_url', 'git.bad_name']);

const openToken = (secretBox: SecretBox | null, repo: RepositoryRecord): string | undefined => {
  if (repo.tokenCiphertext === null) return undefined;
  if (!secretBox) throw new SecretBoxError('secret.bad_key', `repository ${repo.name} has a token; set SHAMAN_SECRET_KEY to use it`);
  return secretBox.decrypt(repo.tokenCiphertext);
};

const syncLocked = async (deps: RepositorySyncDeps, client: Parameters<typeof lockRepository>[0], repo: RepositoryRecord): Promise<Attempt> => {
  try {
    const token = openToken(deps.secretBox, repo);
    const result = await syncRepository({ name: repo.name, url: repo.url, branch: repo.branch, token, agents: repo.agents }, deps.cache);
    await recordRepositorySync(client, { id: repo.id, commit: result.commit, agents: result.agents, aliases: result.aliases, errors: result.errors, at: deps.clock() });
    return { status: 'synced', commit: result.commit, errors: result.errors.length };
  } catch (error) {
    if (!(error instanceof GitSyncError) && !(error instanceof SecretBoxError)) throw error;
    // Messages of both are redacted (no token, no user:pass@), so they may be stored and logged.
    await recordRepositorySyncFailure(client, { id: repo.id, message: error.message, at: deps.clock() });
    return { status: 'failed', message: error.message, permanent: error instanceof SecretBoxError || PERMANENT_GIT_CODES.has(error.code) };
  }
};

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
      return repo ? syncLocked(deps, client, repo) : ({ status: 'gone' } as const);
    });
    if (attempt.status !== 'failed') return attempt;
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
