import { createRepositoryCache } from '@shaman/agents';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { RepositoryEvent, repositoryStream } from '@shaman/events';
import { createPool, createRepositorySyncQueue, listRepositories, upsertRepository, withOrg, type Pool, type RepositoryRecord, type RepositorySyncQueue } from '@shaman/platform';
import { agentFile, createTestDatabase, createTestNats, createTestOrigin, createTestRedis, createTestTenant, eventually, type TestDatabase, type TestNats, type TestOrigin, type TestRedis, type TestTenant } from '@shaman/testing';
import type { Worker } from 'bullmq';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdmin } from '../testing/seed.fixture.js';
import { repositoryEventSink } from './repository-events.sink.js';
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
  let nats: TestNats;
  let store: JetStreamEventStore;

  const eventsOf = async (repositoryId: string): Promise<RepositoryEvent[]> => {
    const out: RepositoryEvent[] = [];
    for await (const { commit } of store.readFilter(repositoryStream(tenant.orgId, repositoryId))) out.push(...commit.events.map((e) => RepositoryEvent.parse(e)));
    return out;
  };

  const addRepository = (name: string, url: string): Promise<RepositoryRecord> =>
    withOrg(pool, tenant.orgId, (c) => upsertRepository(c, { orgId: tenant.orgId, name, url }));
  const rowOf = async (id: string): Promise<RepositoryRecord | undefined> =>
    (await withOrg(pool, tenant.orgId, (c) => listRepositories(c, tenant.orgId))).find((r) => r.id === id);

  beforeAll(async () => {
    [db, origin, nats] = await Promise.all([createTestDatabase(), createTestOrigin(), createTestNats()]);
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
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
      events: repositoryEventSink(store),
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(async () => {
    await worker?.close();
    await syncs?.close();
    await redis?.cleanup();
    await pool?.end();
    await nats?.cleanup();
    await Promise.all([origin?.cleanup(), rm(cacheDir, { recursive: true, force: true }), db?.cleanup()]);
  });

  it('syncs a repository on an enqueued job and records the commit and agents', async () => {
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    const repo = await addRepository('now', `file://${origin.dir}`);
    await syncs.enqueueNow(tenant.orgId, repo.id);
    const synced = await eventually(async () => ((await rowOf(repo.id))?.lastCommit === sha ? rowOf(repo.id) : undefined), { timeoutMs: 15_000, what: 'the enqueued sync' });
    expect(synced).toMatchObject({ lastErrors: [], agents: { Assistant: expect.objectContaining({ commit: sha }) } });
    const events = await eventsOf(repo.id);
    expect(events.map((e) => e.type)).toEqual(['AgentDefinitionChanged', 'RepositorySynced']);
    expect(events[0]?.data).toMatchObject({ agent: 'Assistant', change: 'added', commit: sha, repository: 'now', exposed: true });
    expect(events[1]?.data).toMatchObject({ commit: sha, previousCommit: null, added: ['Assistant'], problems: [] });
  });

  it('records nothing new when a re-sync finds the same commit and the same problems', async () => {
    const repo = await addRepository('idle', `file://${origin.dir}`);
    await syncs.enqueueNow(tenant.orgId, repo.id);
    await eventually(async () => ((await rowOf(repo.id))?.lastCommit ? true : undefined), { timeoutMs: 15_000, what: 'the first sync' });
    const before = (await eventsOf(repo.id)).length;
    const firstSyncedAt = (await rowOf(repo.id))?.lastSyncedAt?.getTime();
    await syncs.enqueueNow(tenant.orgId, repo.id);
    await eventually(async () => ((await rowOf(repo.id))?.lastSyncedAt?.getTime() !== firstSyncedAt ? true : undefined), { timeoutMs: 15_000, what: 'the second sync' });
    expect((await eventsOf(repo.id)).length).toBe(before);
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
    const removed = (await eventsOf(repo.id)).find((e) => e.type === 'AgentRemoved');
    expect(removed?.data).toMatchObject({ agent: 'Writer', commit: second, lastCommit: first });
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

  it('reconciles the schedulers with the table: a stale one goes, a missing one comes back', async () => {
    const kept = await addRepository('reconciled', `file://${origin.dir}`);
    await syncs.schedule({ id: '00000000-0000-4000-8000-000000000001', orgId: tenant.orgId, syncIntervalSeconds: 3600 });
    const report = await syncs.reconcile([{ ...kept, syncIntervalSeconds: 3600 }]);
    expect(report).toEqual({ scheduled: 1, removed: expect.any(Number) });
    expect(report.removed).toBeGreaterThanOrEqual(1);
    expect(await syncs.unschedule('00000000-0000-4000-8000-000000000001')).toBe(false);
    expect(await syncs.unschedule(kept.id)).toBe(true);
  });
});
