import type { PoolClient } from '@shaman/platform';
import type { ReadModelTable } from '@shaman/projector';
import { randomBytes } from 'node:crypto';

export { READ_MODEL_TABLES, type ReadModelTable } from '@shaman/projector';

/** The tables of `candidates` that exist in `public` (a database migrated before 0010 has fewer). */
export const existingTables = async (client: PoolClient, candidates: readonly ReadModelTable[]): Promise<ReadModelTable[]> => {
  const result = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY($1::text[])",
    [candidates.map((t) => t.name)],
  );
  const present = new Set(result.rows.map((r) => r.name));
  return candidates.filter((t) => present.has(t.name));
};

export const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

/**
 * Creates `<prefix>_<random>` holding an empty copy of each table (columns, defaults, checks, indexes: what
 * the projector's `ON CONFLICT` clauses need) and points the session's `search_path` at it alone, so the
 * projector's unqualified SQL writes there. Unlogged: the copy is scratch, written once and thrown away.
 * Policies, grants and triggers are not copied; the CLI's administrative role needs none of them.
 */
export const createScratchSchema = async (client: PoolClient, options: { prefix: string; tables: readonly ReadModelTable[] }): Promise<string> => {
  const schema = `${options.prefix}_${randomBytes(6).toString('hex')}`;
  await client.query(`CREATE SCHEMA ${quote(schema)}`);
  for (const { name } of options.tables) {
    await client.query(`CREATE UNLOGGED TABLE ${quote(schema)}.${quote(name)} (LIKE public.${quote(name)} INCLUDING ALL)`);
  }
  await client.query(`SET search_path TO ${quote(schema)}`);
  return schema;
};

/** Drops a scratch schema and gives the session its default `search_path` back. */
export const dropScratchSchema = async (client: PoolClient, schema: string): Promise<void> => {
  await client.query('RESET search_path');
  await client.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`);
};
