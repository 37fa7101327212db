import { createRepositoryCache } from '@shaman/agents';
import { createPool, createRepositorySyncQueue, listRepositories, upsertRepository, withOrg, type Pool, type RepositoryRecord, type RepositorySyncQueue } from '@shaman/platform';
import { agentFile, createTestDatabase, createTestOrigin, createTestRedis, createTestTenant, eventually, type TestDatabase, type TestOrigin, type TestRedis, type TestTenant } from '@shaman/testing';
import type { Worker } from 'bullmq';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdmin } from '../testing/seed.fixture.js';
import { startRepositorySyncWorker } from './sync.worker.js';

describe('repository sync worker (real Redis, PostgreSQL under RLS and git)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let origin: TestOrigin;
  let cacheDir: string;
  let pool: Pool;
  let tenant: TestTenant;
  let syncs: RepositorySyncQueue;
  let worker: Worker;

  const addRepository = (name: string, url: string): Promise<RepositoryRecord> =>
    withOrg(pool, tenant.orgId, (c) => upsertRepository(c, { orgId: tenant.orgId, name, url }));
  const rowOf = async (id: string): Promise<RepositoryRecord | undefined> =>
    (await withOrg(pool, tenant.orgId, (c) => listRepositories(c, tenant.orgId))).find((r) => r.id === id);

  beforeAll(async () => {
    [db, origin] = await Promise.all([createTestDatabase(), createTestOrigin()]);
    redis = createTestRedis();
    cacheDir = await mkdtemp(join(tmpdir(), 'shaman-sync-worker-'));
    pool = createPool(db.appUrl);
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: origin.dir });
    syncs = createRepositorySyncQueue({ connection: redis.connection, prefix: redis.prefix, attempts: 2, backoffMs: 200 });
    worker = startRepositorySyncWorker({
      connection: redis.connection,
      prefix: redis.prefix,
      concurrency: 2,
      pool,
      cache: createRepositoryCache({ dir: cacheDir }),
      secretBox: null,
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await worker?.close();
    await syncs?.close();
    await redis?.cleanup();
    await pool?.end();
    await Promise.all([origin?.cleanup(), rm(cacheDir, { recursive: true, force: true }), db?.cleanup()]);
  });

  it('syncs a repository on an enqueued job and records the commit and agents', async () => {
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    const repo = await addRepository('now', `file://${origin.dir}`);
    await syncs.enqueueNow(tenant.orgId, repo.id);
    const synced = await eventually(async () => ((await rowOf(repo.id))?.lastCommit === sha ? rowOf(repo.id) : undefined), { timeoutMs: 15_000, what: 'the enqueued sync' });
    expect(synced).toMatchObject({ lastErrors: [], agents: { Assistant: expect.objectContaining({ commit: sha }) } });
  });

  it('syncs on the job scheduler at the interval, picking up later commits', async () => {
    const repo = await addRepository('scheduled', `file://${origin.dir}`);
    await withAdmin(db.adminUrl, (c) => c.query('UPDATE repositories SET sync_interval_seconds = 1 WHERE id = $1', [repo.id]));
    await syncs.schedule({ ...repo, syncIntervalSeconds: 1 });
    const first = await origin.commit({ 'Writer.md': agentFile('Writer') });
    await eventually(async () => ((await rowOf(repo.id))?.lastCommit === first ? true : undefined), { timeoutMs: 15_000, what: 'the first scheduled sync' });
    const second = await origin.commit({ 'Writer.md': null });
    const row = await eventually(async () => ((await rowOf(repo.id))?.lastCommit === second ? rowOf(repo.id) : undefined), { timeoutMs: 15_000, what: 'a later scheduled sync' });
    expect(Object.keys(row?.agents ?? {})).not.toContain('Writer');
    expect(await syncs.unschedule(repo.id)).toBe(true);
  });

  it('records a failing sync (bad URL) in last_error, and the worker keeps serving other jobs', async () => {
    const bad = await addRepository('broken', `file://${join(cacheDir, 'no-such-repository')}`);
    await syncs.enqueueNow(tenant.orgId, bad.id);
    const failed = await eventually(async () => {
      const row = await rowOf(bad.id);
      return row?.lastErrors?.length ? row : undefined;
    }, { timeoutMs: 15_000, what: 'the recorded failure' });
    expect(failed.lastCommit).toBeNull();
    expect(failed.lastErrors?.[0]?.message).toMatch(/cannot fetch/);
    const sha = await origin.commit({ 'Critic.md': agentFile('Critic') });
    const good = await addRepository('after-failure', `file://${origin.dir}`);
    await syncs.enqueueNow(tenant.orgId, good.id);
    await eventually(async () => ((await rowOf(good.id))?.lastCommit === sha ? true : undefined), { timeoutMs: 15_000, what: 'a sync after the failure' });
    expect(worker.isRunning()).toBe(true);
  });
});
