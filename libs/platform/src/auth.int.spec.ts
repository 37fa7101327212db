import { createTestDatabase, createTestTenant, revokeTestKey, type TestDatabase } from '@shaman/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyAuthenticator } from './auth.js';
import { createPool, type Pool } from './db.js';
import { issueApiKey } from './organizations.js';

describe('API key authenticator with a short memory (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let queries = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.appUrl);
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof query>) => {
      queries++;
      return query(...args);
    }) as typeof pool.query;
  });
  afterAll(async () => {
    await pool.end();
    await db.cleanup();
  });

  it('asks the database once per TTL for a valid key, and a revoked key fails once the TTL has passed', async () => {
    const t = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/x' });
    const auth = createApiKeyAuthenticator(pool, { ttlMs: 1000 });
    const t0 = new Date('2026-11-26T10:00:00Z');
    const before = queries;
    await expect(auth(t.apiKey, t0)).resolves.toMatchObject({ ok: true, principal: { orgId: t.orgId } });
    await expect(auth(t.apiKey, new Date(t0.getTime() + 500))).resolves.toMatchObject({ ok: true });
    expect(queries - before).toBe(1);
    await revokeTestKey(db.adminUrl, t.keyId);
    await expect(auth(t.apiKey, new Date(t0.getTime() + 900))).resolves.toMatchObject({ ok: true });
    await expect(auth(t.apiKey, new Date(t0.getTime() + 1001))).resolves.toEqual({ ok: false, reason: 'revoked' });
  });

  it('checks expiry on every remembered hit, and never remembers a failure', async () => {
    const t = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/y' });
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    const soon = new Date(Date.now() + 60_000);
    const key = await issueApiKey(admin, { orgId: t.orgId, name: 'short', expiresAt: soon });
    await admin.end();
    const auth = createApiKeyAuthenticator(pool, { ttlMs: 600_000 });
    await expect(auth(key.key)).resolves.toMatchObject({ ok: true });
    await expect(auth(key.key, new Date(soon.getTime() + 1))).resolves.toEqual({ ok: false, reason: 'expired' });
    const before = queries;
    await auth(`${t.apiKey}x`);
    await auth(`${t.apiKey}x`);
    expect(queries - before).toBe(2);
  });
});
