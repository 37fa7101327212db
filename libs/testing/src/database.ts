import { runMigrations, withDatabase, withUser } from '@shaman/platform';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const TEST_PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

export type TestDatabase = {
  name: string;
  adminUrl: string;
  appUrl: string;
  projectorUrl: string;
  /** The scheduled retention job's role (migrations/0017). */
  retentionUrl: string;
  cleanup: () => Promise<void>;
};

/** A fresh, migrated database of its own for one suite; dropped afterwards. */
export const createTestDatabase = async (): Promise<TestDatabase> => {
  const name = `shaman_test_${randomBytes(5).toString('hex')}`;
  const adminUrl = withDatabase(TEST_PG_URL, name);
  await runMigrations({ adminUrl, dir: MIGRATIONS_DIR });
  return {
    name,
    adminUrl,
    appUrl: withUser(adminUrl, 'shaman_app'),
    projectorUrl: withUser(adminUrl, 'shaman_projector'),
    retentionUrl: withUser(adminUrl, 'shaman_retention'),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: withDatabase(TEST_PG_URL, 'postgres') });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
};
