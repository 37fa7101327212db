import { TEST_PG_URL } from '@shaman/testing';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPool } from './db.js';

const terminate = async (applicationName: string): Promise<void> => {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    const killed = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    expect(killed.rows).toEqual([{ ok: true }]);
  } finally {
    await admin.end();
  }
};

/**
 * Regression (issue 8, found by the fault suite): a PostgreSQL restart drops the pool's connections; each emits
 * `error` (on the pool when idle, on the client when checked out), and with no listener Node exited the gateway
 * and the projector.
 */
describe('createPool (real PostgreSQL)', () => {
  const pool = (errors: Error[]) => {
    const applicationName = `pool-test-${randomBytes(4).toString('hex')}`;
    return { applicationName, pool: createPool(TEST_PG_URL, { applicationName, max: 1, onConnectionError: (e) => errors.push(e) }) };
  };

  it('survives PostgreSQL dropping an idle connection, and the next query reconnects', async () => {
    const errors: Error[] = [];
    const { applicationName, pool: p } = pool(errors);
    try {
      await p.query('SELECT 1');
      await terminate(applicationName);
      await expect.poll(() => errors.map((e) => (e as Error & { code?: string }).code)).toContain('57P01'); // admin_shutdown
      expect((await p.query<{ n: number }>('SELECT 2 AS n')).rows).toEqual([{ n: 2 }]);
    } finally {
      await p.end();
    }
  });

  it('survives PostgreSQL dropping a checked-out connection between two queries; the pool replaces it', async () => {
    const errors: Error[] = [];
    const { applicationName, pool: p } = pool(errors);
    try {
      const client = await p.connect();
      try {
        await client.query('BEGIN');
        await terminate(applicationName);
        await expect.poll(() => errors.map((e) => (e as Error & { code?: string }).code)).toContain('57P01');
        await expect(client.query('SELECT 1')).rejects.toThrow('not queryable');
      } finally {
        client.release();
      }
      expect((await p.query<{ n: number }>('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
    } finally {
      await p.end();
    }
  });
});
