import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export type PoolOptions = {
  max?: number;
  applicationName?: string;
  onConnectionError?: (error: Error) => void;
  /**
   * `false` for a pool that only writes what can be derived again from the event stream (read models with the
   * checkpoint committed beside them): its commits skip the WAL fsync. A PostgreSQL crash can then forget the
   * last few hundred milliseconds of commits, checkpoint included, and the writer simply re-reads them from
   * JetStream. Never for a pool that acknowledges anything to a caller.
   */
  synchronousCommit?: false;
  /**
   * Sends a client's queries as they are issued instead of one at a time after each answer (node-postgres
   * pipeline mode), for a writer that issues several before it needs a result. Only where statements are
   * issued together on purpose: an error aborts the transaction, so the ones behind it fail too.
   */
  pipeline?: boolean;
};

/**
 * A pool that parses bigint columns (int8) as JS numbers: counters and sequences here stay far below 2^53.
 * A connection that PostgreSQL drops (a restart, a failover) emits `error`: on the pool when it is idle, on the
 * client when it is checked out between two queries. Neither is fatal: the query that needed it fails (the caller
 * retries), and the pool discards the broken client and opens a new one. Without listeners Node treats it as an
 * unhandled `error` event and exits; the fault suite (issue 8) found the gateway and the projector doing so.
 */
export const createPool = (connectionString: string, options: PoolOptions = {}): pg.Pool => {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'shaman',
    ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
    ...(options.pipeline ? { pipeline: true } : {}),
  });
  const onError = options.onConnectionError ?? (() => undefined);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
};

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * A statement each connection parses and plans once (a named prepared statement), for the fixed-text statements
 * a writer repeats every batch: at a hundred small batches a second, parsing and planning them cost PostgreSQL
 * more than executing them. `name` must be unique per text across the process.
 */
export const preparedStatement =
  (name: string, text: string) =>
  (values: unknown[]): pg.QueryConfig => ({ name, text, values });

/**
 * Runs `fn` in one transaction; rolls back and rethrows on error. `begin` may add statements to the one that
 * opens it, in the same round trip (a simple query holds several, but no parameters: values go in as
 * literals, `pg.escapeLiteral`).
 */
export const withTransaction = async <T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> => {
  const client = await pool.connect();
  try {
    await client.query(begin);
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
  // The transaction and its tenant in one round trip, not two: every tenant-scoped read pays for this.
  withTransaction(pool, fn, `BEGIN; SELECT set_config('app.current_org_id', ${pg.escapeLiteral(orgId)}, true)`);

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
