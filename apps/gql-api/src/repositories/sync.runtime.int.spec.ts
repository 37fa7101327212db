import { createSecretBox, generateSecretKey, listRepositories, upsertRepository } from '@shaman/platform';
import { agentFile, createTestDatabase, createTestOrigin, createTestRedis, createTestTenant, eventually, TEST_REDIS_URL, type TestDatabase, type TestOrigin, type TestRedis } from '@shaman/testing';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { startGqlApi } from '../start.js';
import { withAdmin } from '../testing/seed.fixture.js';

describe('gql-api started from configuration runs the webhook and the sync worker', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let origin: TestOrigin;
  let cacheDir: string;

  beforeAll(async () => {
    [db, origin] = await Promise.all([createTestDatabase(), createTestOrigin()]);
    redis = createTestRedis();
    cacheDir = await mkdtemp(join(tmpdir(), 'shaman-gql-sync-'));
  });
  afterAll(async () => {
    await redis?.cleanup();
    await Promise.all([origin?.cleanup(), rm(cacheDir, { recursive: true, force: true }), db?.cleanup()]);
  });

  it('syncs a repository after a signed push, and stops cleanly', async () => {
    const key = generateSecretKey();
    const secret = randomBytes(32).toString('hex');
    const tenant = await createTestTenant(db.adminUrl, { agentsRepository: origin.dir });
    const sha = await origin.commit({ 'Assistant.md': agentFile('Assistant') });
    const repo = await withAdmin(db.adminUrl, (c) =>
      upsertRepository(c, { orgId: tenant.orgId, name: 'pushed', url: `file://${origin.dir}`, webhookSecretCiphertext: createSecretBox(key).encrypt(secret) }),
    );
    const config = loadConfig({
      DATABASE_URL: db.appUrl,
      GQL_PORT: '0',
      LOG_LEVEL: 'silent',
      REDIS_URL: TEST_REDIS_URL,
      BULLMQ_PREFIX: redis.prefix,
      SHAMAN_SECRET_KEY: key,
      SHAMAN_REPO_CACHE: cacheDir,
    });
    expect(config).toMatchObject({ REPO_SYNC_WORKER: true, REPO_SYNC_CONCURRENCY: 2 });
    const api = await startGqlApi(config);
    try {
      const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const res = await fetch(`${api.url}/webhooks/repositories/${repo.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
      expect(res.status).toBe(202);
      const lastCommit = async () => (await withAdmin(db.adminUrl, (c) => listRepositories(c, tenant.orgId)))[0]?.lastCommit;
      await eventually(async () => ((await lastCommit()) === sha ? true : undefined), { timeoutMs: 15_000, what: 'the sync run by the started worker' });
    } finally {
      await api.stop();
    }
  });
});
