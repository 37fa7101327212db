import { z } from 'zod';
import { gqlError } from '../errors.js';

export type PageInfo = { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
export type Connection<T> = { edges: { cursor: string; node: T }[]; pageInfo: PageInfo; totalCount: number };

const PageSize = z.number().int().min(1).max(100);

export const pageSize = (first: number | null | undefined, fallback = 20): number => {
  const size = first ?? fallback;
  if (!PageSize.safeParse(size).success) throw gqlError('BAD_USER_INPUT', 'first must be between 1 and 100');
  return size;
};

const encode = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');
const decode = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

/**
 * A Relay connection over a small, fully loaded list in a stable order (members, keys, repositories of one
 * organization: tens, not millions). The cursor is the item's sort key, so items added or removed between
 * pages are neither skipped nor repeated.
 */
export const connectionOf = <T>(items: readonly T[], keyOf: (item: T) => string, args: { first?: number | null; after?: string | null }): Connection<T> => {
  const first = pageSize(args.first);
  const after = args.after == null ? null : decode(args.after);
  // Right after the item the cursor names; if that item is gone, at the first one past it.
  const named = after === null ? -1 : items.findIndex((item) => keyOf(item) === after);
  const start = after === null ? 0 : named >= 0 ? named + 1 : items.findIndex((item) => keyOf(item) > after);
  const rest = start < 0 ? [] : items.slice(start);
  const edges = rest.slice(0, first).map((node) => ({ cursor: encode(keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rest.length > first, hasPreviousPage: after !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: items.length,
  };
};
