import type { PoolClient } from '@shaman/platform';
import type pg from 'pg';

/** One statement a read model wants run; read models build them from events and run none themselves. */
export type Statement = pg.QueryConfig;

const isPipelined = (client: PoolClient): boolean => (client as PoolClient & { pipeline?: boolean }).pipeline === true;

/**
 * Runs statements in order and returns their results in order. On a pipelined connection (the projector's pool,
 * `createPool(..., { pipeline: true })`) they all go out together: one round trip, however many statements.
 * Elsewhere (the replay CLI's scratch fold) they go one after another. PostgreSQL runs them in order either way,
 * so each sees what the ones before it wrote; after a failure the transaction is aborted and the rest fail too.
 */
export const sendInOrder = async <R extends pg.QueryResultRow = pg.QueryResultRow>(client: PoolClient, statements: readonly Statement[]): Promise<pg.QueryResult<R>[]> => {
  if (isPipelined(client)) return Promise.all(statements.map((s) => client.query<R>(s)));
  const results: pg.QueryResult<R>[] = [];
  for (const statement of statements) results.push(await client.query<R>(statement));
  return results;
};
