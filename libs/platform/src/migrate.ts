import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { withDatabase } from './db.js';

export type Migration = { version: string; name: string; sql: string; checksum: string };
export type MigrationReport = { database: string; created: boolean; applied: string[]; alreadyApplied: number };

/** Ordered `NNNN_name.sql` files of a directory. */
export const readMigrations = async (dir: string): Promise<Migration[]> => {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(dir, file), 'utf8');
      return { version: file.slice(0, 4), name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
};

const ensureDatabase = async (adminUrl: string): Promise<{ database: string; created: boolean }> => {
  const database = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  const client = new pg.Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) return { database, created: false };
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    return { database, created: true };
  } finally {
    await client.end();
  }
};

/**
 * Creates the database if missing, then applies every migration not yet recorded, each in its own
 * transaction, under an advisory lock so concurrent starters do not race. An applied file whose content
 * changed is refused: migrations are append-only, like events.
 */
export const runMigrations = async (options: { adminUrl: string; dir: string; log?: (line: string) => void }): Promise<MigrationReport> => {
  const { database, created } = await ensureDatabase(options.adminUrl);
  const migrations = await readMigrations(options.dir);
  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7230010)');
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map((await client.query<{ version: string; checksum: string; name: string }>('SELECT * FROM schema_migrations')).rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) throw new Error(`migration ${m.name} was changed after it was applied (as ${previous.name}); add a new migration instead`);
        continue;
      }
      await applyOne(client, m);
      applied.push(m.name);
      options.log?.(`applied ${m.name}`);
    }
    return { database, created, applied, alreadyApplied: done.size };
  } finally {
    await client.query('SELECT pg_advisory_unlock(7230010)').catch(() => undefined);
    await client.end();
  }
};

const applyOne = async (client: pg.Client, m: Migration): Promise<void> => {
  try {
    await client.query('BEGIN');
    await client.query(m.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
  }
};
