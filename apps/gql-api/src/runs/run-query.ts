import { z } from 'zod';
import { gqlError } from '../errors.js';
import type { RunStatus } from './run.mapper.js';
import { decodeRunCursor, type RunCursor, type RunOrder } from './run.cursor.js';

/** Initiator kinds as events record them; GraphQL's `InitiatorKind` maps onto these. */
export const INITIATOR_KINDS = ['api_key', 'user', 'agent', 'system'] as const;
export type InitiatorKind = (typeof INITIATOR_KINDS)[number];

export type RunFilter = {
  statuses: readonly RunStatus[] | null;
  agent: string | null;
  createdAfter: Date | null;
  createdBefore: Date | null;
  initiator: { kind: InitiatorKind; id: string | null } | null;
};
export type RunPage = { limit: number; after: RunCursor | null; order: RunOrder };

/** The `runs` arguments as GraphQL hands them over (enums already mapped to read-model values). */
export type RunsArgs = {
  first?: number | null;
  after?: string | null;
  filter?: {
    status?: RunStatus[] | null;
    agent?: string | null;
    createdAfter?: Date | null;
    createdBefore?: Date | null;
    initiator?: { kind: InitiatorKind; id?: string | null } | null;
  } | null;
  orderBy?: Partial<RunOrder> | null;
};

const DEFAULT_PAGE = 20;
const PageSize = z.number().int().min(1).max(100);
const Text = z.string().min(1).max(256);

const filterOf = (input: RunsArgs['filter']): RunFilter => {
  const f = input ?? {};
  if (f.agent != null && !Text.safeParse(f.agent).success) throw gqlError('BAD_USER_INPUT', 'filter.agent must be 1..256 characters');
  if (f.initiator?.id != null && !Text.safeParse(f.initiator.id).success) throw gqlError('BAD_USER_INPUT', 'filter.initiator.id must be 1..256 characters');
  if (f.createdAfter && f.createdBefore && f.createdAfter >= f.createdBefore) {
    throw gqlError('BAD_USER_INPUT', 'filter.createdAfter must be before filter.createdBefore');
  }
  return {
    // An empty list would match nothing; it reads as "no status filter" more often than as a request for nothing.
    statuses: f.status && f.status.length > 0 ? [...new Set(f.status)] : null,
    agent: f.agent ?? null,
    createdAfter: f.createdAfter ?? null,
    createdBefore: f.createdBefore ?? null,
    initiator: f.initiator ? { kind: f.initiator.kind, id: f.initiator.id ?? null } : null,
  };
};

/** Validates the `runs` arguments; bad input is a BAD_USER_INPUT naming the argument, and nothing is read. */
export const parseRunsArgs = (args: RunsArgs): { filter: RunFilter; page: RunPage } => {
  const first = args.first ?? DEFAULT_PAGE;
  if (!PageSize.safeParse(first).success) throw gqlError('BAD_USER_INPUT', 'first must be between 1 and 100');
  const order: RunOrder = { field: args.orderBy?.field ?? 'CREATED_AT', direction: args.orderBy?.direction ?? 'DESC' };
  const after = args.after == null ? null : decodeRunCursor(args.after);
  if (args.after != null && after === null) throw gqlError('BAD_USER_INPUT', 'after is not a cursor from runs');
  if (after && (after.field !== order.field || after.direction !== order.direction)) {
    throw gqlError('BAD_USER_INPUT', `after is a cursor of the ${after.field} ${after.direction} ordering, not of ${order.field} ${order.direction}`);
  }
  return { filter: filterOf(args.filter), page: { limit: first, after, order } };
};
