import { z } from 'zod';
import { requireRole } from '../auth/roles.js';
import { gqlError } from '../errors.js';
import { pageSize } from '../graphql/connection.js';
import type { GqlContext } from '../graphql/context.js';
import { listAudit, type AuditOutcome, type AuditRow } from './audit-log.js';

type Args = { first?: number | null; after?: string | null; action?: string | null; actorId?: string | null; outcome?: string | null; since?: Date | null; until?: Date | null };

const Cursor = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);
const encode = (row: AuditRow) => Buffer.from(`${row.at.toISOString()}|${row.id}`, 'utf8').toString('base64url');
const decode = (cursor: string): { at: Date; id: string } => {
  const parsed = Cursor.safeParse(Buffer.from(cursor, 'base64url').toString('utf8').split('|'));
  if (!parsed.success) throw gqlError('BAD_USER_INPUT', 'after is not a cursor from auditLog');
  return { at: new Date(parsed.data[0]), id: parsed.data[1] };
};
const ACTOR_KIND = { api_key: 'API_KEY', user: 'USER', service_account: 'SERVICE_ACCOUNT' } as const;

const auditLog = async (_: unknown, args: Args, ctx: GqlContext) => {
  // The audit log shows who did what with which keys: for those who manage the organization.
  requireRole(ctx.principal, 'ADMIN');
  const first = pageSize(args.first, 50);
  const before = args.after == null ? null : decode(args.after);
  const rows = await ctx.read((c) =>
    listAudit(c, {
      action: args.action ?? null,
      actorId: args.actorId ?? null,
      outcome: (args.outcome?.toLowerCase() ?? null) as AuditOutcome | null,
      since: args.since ?? null,
      until: args.until ?? null,
      before,
      limit: first + 1,
    }),
  );
  const edges = rows.slice(0, first).map((row) => ({
    cursor: encode(row),
    node: { ...row, outcome: row.outcome.toUpperCase(), actor: { kind: ACTOR_KIND[row.actorKind as keyof typeof ACTOR_KIND] ?? 'API_KEY', id: row.actorId } },
  }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: before !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } };
};

export const auditResolvers = { Query: { auditLog } };
