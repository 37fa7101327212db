import { z } from 'zod';

export type RunOrderField = 'CREATED_AT' | 'UPDATED_AT';
export type OrderDirection = 'ASC' | 'DESC';
export type RunOrder = { field: RunOrderField; direction: OrderDirection };

/**
 * A position in one run ordering: the order column's value (as PostgreSQL renders it in UTC with microseconds,
 * so the keyset comparison is exact) and the id that breaks ties. It names its ordering: a cursor taken in
 * one order means nothing in another.
 */
export type RunCursor = RunOrder & { key: string; id: string };

const Parts = z.tuple([z.enum(['CREATED_AT', 'UPDATED_AT']), z.enum(['ASC', 'DESC']), z.iso.datetime({ precision: 6 }), z.guid()]);

/** Opaque to clients: base64url of `field|direction|key|id`. */
export const encodeRunCursor = (cursor: RunCursor): string =>
  Buffer.from([cursor.field, cursor.direction, cursor.key, cursor.id].join('|'), 'utf8').toString('base64url');

/** The cursor, or null when it is not one we issued. */
export const decodeRunCursor = (value: string): RunCursor | null => {
  const parts = Parts.safeParse(Buffer.from(value, 'base64url').toString('utf8').split('|'));
  if (!parts.success) return null;
  const [field, direction, key, id] = parts.data;
  return { field, direction, key, id };
};
