import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * A pool that parses bigint columns (int8) as JS numbers: counters and sequences here stay far below 2^53.
 * A connection that PostgreSQL drops (a restart, a failover) emits `error`: on the pool when it is idle, on the
 * client when it is checked out between two queries. Neither is fatal: the query that needed it fails (the caller
 * retries), and the pool discards the broken client and opens a new one. Without listeners Node treats it as an
 * unhandled `error` event and exits; the fault suite (issue 8) found the gateway and the projector doing so.
 */
export const createPool = (connectionString: string, options: { max?: number; applicationName?: string; onConnectionError?: (error: Error) => void } = {}): pg.Pool => {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, application_name: options.applicationName ?? 'shaman' });
  const onError = options.onConnectionError ?? (() => undefined);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
};

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Runs `fn` in one transaction; rolls back and rethrows on error. */
export const withTransaction = async <T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

/**
 * Runs `fn` in a transaction scoped to one tenant. The org id is set transaction-locally as the first
 * statement, so it can never leak to the next user of the pooled connection (DESIGN §6).
 */
export const withOrg = <T>(pool: pg.Pool, orgId: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
  withTransaction(pool, async (client) => {
    await client.query("SELECT set_config('app.current_org_id', $1, true)", [orgId]);
    return fn(client);
  });

/** Replaces the database name of a PostgreSQL URL. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/** Replaces the user of a PostgreSQL URL (keeps host, port, database). */
export const withUser = (url: string, user: string): string => {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = '';
  return parsed.toString();
};
