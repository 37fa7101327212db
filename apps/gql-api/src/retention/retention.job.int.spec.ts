import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { runFilter, stepRequestStream, type OrgId, type RunId, type RunRequested, type StepAddress } from '@shaman/events';
import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestRedis, createTestTenant, eventually, type TestDatabase, type TestNats, type TestRedis, type TestTenant } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetentionRound, startRetentionJob, type RetentionJobDeps } from './retention.job.js';

const DAY_MS = 86_400_000;

describe('scheduled retention (BullMQ job in the gql-api, real PostgreSQL, NATS and Redis)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let redis: TestRedis;
  let store: JetStreamEventStore;
  let adminPool: Pool;
  let retentionPool: Pool;
  let exportDir: string;
  let withPolicy: TestTenant;
  let without: TestTenant;
  let deps: RetentionJobDeps;

  /** A finished run recorded `daysAgo`: one request on the stream, its `runs` and `steps` rows as the projector writes them. */
  const seedRun = async (tenant: TestTenant, daysAgo: number): Promise<string> => {
    const address = { orgId: tenant.orgId, runId: randomUUID(), stepId: randomUUID() } as StepAddress;
    const at = new Date(Date.now() - daysAgo * DAY_MS);
    const request: RunRequested = {
      type: 'RunRequested',
      data: { agent: { name: 'Echo', repository: '/repo', commit: null }, message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'old news' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 'test' } },
      metadata: { ...address, eventId: randomUUID(), at: at.toISOString() } as RunRequested['metadata'],
    };
    await store.appendToStream(stepRequestStream(address), [request]);
    await adminPool.query(`INSERT INTO runs (org_id, id, status, root_agent, created_at, updated_at, completed_at, last_seq) VALUES ($1, $2, 'completed', 'Echo', $3, $3, $3, 1)`, [tenant.orgId, address.runId, at]);
    await adminPool.query(`INSERT INTO steps (org_id, id, run_id, depth, agent, status, input, created_at, updated_at, last_seq) VALUES ($1, $2, $3, 0, 'Echo', 'completed', '{}', $4, $4, 1)`, [tenant.orgId, address.stepId, address.runId, at]);
    return address.runId;
  };
  const commits = async (tenant: TestTenant, runId: string): Promise<number> => {
    let n = 0;
    for await (const _ of store.readFilter(runFilter(tenant.orgId as OrgId, runId as RunId))) n += 1;
    return n;
  };
  const rows = async (runId: string): Promise<{ runs: number; steps: number; purges: number }> => {
    const count = async (sql: string) => (await adminPool.query<{ n: number }>(sql, [runId])).rows[0]?.n ?? 0;
    return {
      runs: await count('SELECT count(*)::int AS n FROM runs WHERE id = $1'),
      steps: await count('SELECT count(*)::int AS n FROM steps WHERE run_id = $1'),
      purges: await count('SELECT count(*)::int AS n FROM retention_purges WHERE run_id = $1'),
    };
  };

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    redis = createTestRedis();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    adminPool = createPool(db.adminUrl);
    // The job connects as its own narrow role, as in production (migrations/0017).
    retentionPool = createPool(db.retentionUrl);
    exportDir = await mkdtemp(join(tmpdir(), 'shaman-retention-job-'));
    [withPolicy, without] = await Promise.all([createTestTenant(db.adminUrl, { agentsRepository: '/repo' }), createTestTenant(db.adminUrl, { agentsRepository: '/repo' })]);
    await adminPool.query('UPDATE organizations SET retention_max_age_days = 30 WHERE id = $1', [withPolicy.orgId]);
    deps = { store, retentionPool, exportDir, logger: createLogger({ name: 'retention-test', level: 'silent' }), clock: () => new Date() };
  });

  afterAll(async () => {
    await adminPool?.end();
    await retentionPool?.end();
    await redis?.cleanup();
    await nats?.cleanup();
    await db?.cleanup();
    if (exportDir) await rm(exportDir, { recursive: true, force: true });
  });

  it('exports, then purges an old run of an organization with a policy; leaves its recent run and other organizations alone', async () => {
    const [old, recent, otherOld] = [await seedRun(withPolicy, 60), await seedRun(withPolicy, 1), await seedRun(without, 60)];
    const round = await runRetentionRound(deps);
    expect(round).toEqual({ organizations: 1, purged: [{ org: withPolicy.slug, runs: [old] }] });
    const exported = (await readFile(join(exportDir, withPolicy.slug, `${old}.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: { type: string; metadata: { runId: string } } });
    expect(exported).toMatchObject([{ event: { type: 'RunRequested', metadata: { runId: old } } }]);
    expect(await commits(withPolicy, old)).toBe(0);
    expect(await rows(old)).toEqual({ runs: 0, steps: 0, purges: 1 });
    for (const [tenant, runId] of [[withPolicy, recent], [without, otherOld]] as const) {
      expect(await commits(tenant, runId)).toBe(1);
      expect(await rows(runId)).toEqual({ runs: 1, steps: 1, purges: 0 });
    }
    // A second round finds nothing left to do.
    expect(await runRetentionRound(deps)).toEqual({ organizations: 1, purged: [] });
  });

  it('runs on its schedule (a BullMQ job scheduler) until closed', async () => {
    const old = await seedRun(withPolicy, 45);
    const job = await startRetentionJob({ ...deps, connection: redis.connection, prefix: redis.prefix, intervalMs: 200 });
    try {
      await eventually(async () => ((await rows(old)).purges === 1 ? true : undefined), { what: 'the scheduled round purged the run', timeoutMs: 20_000 });
      expect(await rows(old)).toEqual({ runs: 0, steps: 0, purges: 1 });
      expect(await commits(withPolicy, old)).toBe(0);
    } finally {
      await job.close();
    }
  }, 30_000);
});
