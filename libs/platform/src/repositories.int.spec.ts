import { createTestDatabase, createTestTenant, type TestDatabase } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, withOrg, type Pool } from './db.js';
import { deleteRepository, listRepositories, lockRepository, recordRepositorySync, repositoryWebhookTarget, upsertRepository } from './repositories.js';

describe('repositories table (real PostgreSQL, app role under RLS)', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.appUrl);
  });
  afterAll(async () => {
    await pool.end();
    await db.cleanup();
  });

  it('lets the app role add, sync and list its own repositories, and no other organization see them', async () => {
    const a = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' });
    const b = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' });
    const repo = await withOrg(pool, a.orgId, (c) => upsertRepository(c, { orgId: a.orgId, name: 'agents', url: 'file:///x', tokenCiphertext: 'v1:a:b:c' }));
    expect(repo).toMatchObject({ branch: 'main', syncIntervalSeconds: 300, agents: {}, lastCommit: null });
    const agents = { Echo: { file: 'Echo.md', commit: 'abc', worktree: '/w/abc', digest: 'd' } };
    await withOrg(pool, a.orgId, (c) => recordRepositorySync(c, { id: repo.id, commit: 'abc', agents, aliases: { e: 'Echo' }, errors: [], at: new Date() }));
    const [listed] = await withOrg(pool, a.orgId, (c) => listRepositories(c, a.orgId));
    expect(listed).toMatchObject({ lastCommit: 'abc', agents, aliases: { e: 'Echo' }, lastErrors: [] });
    expect(await withOrg(pool, b.orgId, (c) => listRepositories(c, a.orgId))).toEqual([]);
    const foreign = withOrg(pool, b.orgId, (c) => upsertRepository(c, { orgId: a.orgId, name: 'x', url: 'file:///x' }));
    await expect(foreign).rejects.toThrow(/row-level security/);
  });

  it.each(['system', 'Admin', 'root', 'INTERNAL', 'a/b'])('refuses the repository name %s', async (name) => {
    const t = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/c' });
    await expect(withOrg(pool, t.orgId, (c) => upsertRepository(c, { orgId: t.orgId, name, url: 'file:///x' }))).rejects.toThrow(/check constraint/);
  });

  it('gives the app role, with no tenant set, only the owner, sealed webhook secret and branch of a repository by id', async () => {
    const t = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/d' });
    const repo = await withOrg(pool, t.orgId, (c) => upsertRepository(c, { orgId: t.orgId, name: 'hooked', url: 'file:///x', webhookSecretCiphertext: 'v1:i:t:d' }));
    expect((await pool.query('SELECT * FROM repositories')).rows).toEqual([]);
    expect(await repositoryWebhookTarget(pool, repo.id)).toEqual({ orgId: t.orgId, webhookSecretCiphertext: 'v1:i:t:d', branch: 'main' });
    expect(await repositoryWebhookTarget(pool, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('locks and deletes a repository only within its own organization', async () => {
    const a = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/e' });
    const b = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/f' });
    const repo = await withOrg(pool, a.orgId, (c) => upsertRepository(c, { orgId: a.orgId, name: 'mine', url: 'file:///x' }));
    expect(await withOrg(pool, b.orgId, (c) => lockRepository(c, repo.id))).toBeNull();
    expect(await withOrg(pool, b.orgId, (c) => deleteRepository(c, { orgId: a.orgId, name: 'mine' }))).toBeNull();
    expect(await withOrg(pool, a.orgId, (c) => lockRepository(c, repo.id))).toMatchObject({ id: repo.id, name: 'mine' });
    expect(await withOrg(pool, a.orgId, (c) => deleteRepository(c, { orgId: a.orgId, name: 'mine' }))).toBe(repo.id);
  });
});
