import { z } from 'zod';

/** A position in the newest-first run order: `(created_at, id)`, the key of the `runs_org_created` index. */
export type RunCursor = { createdAt: string; id: string };

// created_at travels as PostgreSQL renders it in UTC with microseconds, so the keyset comparison is exact.
const Parts = z.tuple([z.iso.datetime({ precision: 6 }), z.guid()]);

/** Opaque to clients: base64url of `created_at|id`. */
export const encodeRunCursor = (cursor: RunCursor): string => Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');

/** The cursor, or null when it is not one we issued. */
export const decodeRunCursor = (value: string): RunCursor | null => {
  const parts = Parts.safeParse(Buffer.from(value, 'base64url').toString('utf8').split('|'));
  return parts.success ? { createdAt: parts.data[0], id: parts.data[1] } : null;
};
