import { createTestDatabase, createTestTenant, type TestDatabase } from '@shaman/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey } from './auth.js';
import { createPool, withOrg } from './db.js';
import { runMigrations } from './migrate.js';
import { MIGRATIONS_DIR } from '@shaman/testing';

describe('migrations, roles and row-level security (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.cleanup());

  it('is idempotent: a second run applies nothing', async () => {
    const again = await runMigrations({ adminUrl: db.adminUrl, dir: MIGRATIONS_DIR });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBeGreaterThanOrEqual(3);
  });

  it('forces RLS on every tenant table and gives the app role no way around it', async () => {
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    const tables = await admin.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname IN ('organizations','api_keys','runs','steps')",
    );
    const role = await admin.query<{ rolbypassrls: boolean; rolsuper: boolean }>("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'shaman_app'");
    await admin.end();
    expect(tables.rows).toHaveLength(4);
    expect(tables.rows.every((t) => t.relrowsecurity && t.relforcerowsecurity)).toBe(true);
    expect(role.rows[0]).toEqual({ rolbypassrls: false, rolsuper: false });
  });

  it('shows the app role only the current organization, and nothing when none is set', async () => {
    const a = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' });
    const b = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' });
    const pool = createPool(db.appUrl);
    try {
      const seenByA = await withOrg(pool, a.orgId, async (c) => (await c.query('SELECT org_id FROM api_keys')).rows);
      expect(seenByA).toEqual([{ org_id: a.orgId }]);
      expect((await pool.query('SELECT * FROM organizations')).rows).toEqual([]);
      const write = withOrg(pool, a.orgId, (c) => c.query("INSERT INTO api_keys (id, org_id, name, prefix, hash) VALUES (gen_random_uuid(), $1, 'x', 'p', repeat('a', 64))", [b.orgId]));
      await expect(write).rejects.toThrow(/row-level security/);
      // The org id goes into the transaction's first round trip as a literal: a hostile one stays a value.
      const hostile = `${b.orgId}', false); SELECT set_config('app.current_org_id', '${b.orgId}`;
      await expect(withOrg(pool, hostile, async (c) => (await c.query('SELECT org_id FROM api_keys')).rows)).rejects.toThrow(/invalid input syntax for type uuid/);
      expect(await withOrg(pool, a.orgId, async (c) => (await c.query("SELECT current_setting('app.current_org_id', true) AS org")).rows)).toEqual([{ org: a.orgId }]);
    } finally {
      await pool.end();
    }
  });

  it('authenticates keys across tenants only through the narrow function', async () => {
    const t = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/c' });
    const pool = createPool(db.appUrl);
    try {
      await expect(authenticateApiKey(pool, t.apiKey)).resolves.toMatchObject({ ok: true, principal: { orgId: t.orgId } });
      await expect(authenticateApiKey(pool, `${t.apiKey}x`)).resolves.toEqual({ ok: false, reason: 'unknown' });
      await expect(authenticateApiKey(pool, 'nope')).resolves.toEqual({ ok: false, reason: 'malformed' });
      await expect(authenticateApiKey(pool, null)).resolves.toEqual({ ok: false, reason: 'missing' });
    } finally {
      await pool.end();
    }
  });

  it('refuses a migration that changed after it was applied', async () => {
    const { mkdtemp, writeFile, cp } = await import('node:fs/promises');
    const dir = await mkdtemp('/tmp/shaman-mig-');
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await writeFile(`${dir}/0003_runs.sql`, '-- edited\n', { flag: 'a' });
    await expect(runMigrations({ adminUrl: db.adminUrl, dir })).rejects.toThrow(/0003_runs.sql was changed/);
  });
});
