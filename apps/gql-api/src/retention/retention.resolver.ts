import type { PoolClient } from '@shaman/platform';
import type { GqlContext } from '../graphql/context.js';
import { userError, type UserError } from '../graphql/user-error.js';

export type RetentionPolicy = { maxAgeDays: number | null; maxBytes: number | null; purgedRuns: number };

const MAX_AGE_DAYS = 36_500;

const READ_POLICY = `
  SELECT o.retention_max_age_days AS max_age_days, o.retention_max_bytes AS max_bytes,
    (SELECT count(*)::int FROM retention_purges p WHERE p.org_id = o.id) AS purged_runs
  FROM organizations o WHERE o.id = $1`;

type PolicyRow = { max_age_days: number | null; max_bytes: string | number | null; purged_runs: number };

const policyOf = async (client: PoolClient, orgId: string): Promise<RetentionPolicy> => {
  const row = (await client.query<PolicyRow>(READ_POLICY, [orgId])).rows[0];
  return { maxAgeDays: row?.max_age_days ?? null, maxBytes: row?.max_bytes == null ? null : Number(row.max_bytes), purgedRuns: row?.purged_runs ?? 0 };
};

/** Each limit is absent (keep forever) or a positive whole number in range; anything else names its field. */
const invalid = (args: { maxAgeDays?: number | null; maxBytes?: number | null }): UserError[] => [
  ...(args.maxAgeDays != null && (args.maxAgeDays < 1 || args.maxAgeDays > MAX_AGE_DAYS) ? [userError('INVALID', `maxAgeDays must be 1 to ${MAX_AGE_DAYS}, or null to keep runs forever`, 'maxAgeDays')] : []),
  ...(args.maxBytes != null && args.maxBytes < 1 ? [userError('INVALID', 'maxBytes must be positive, or null to keep runs forever', 'maxBytes')] : []),
];

const retentionPolicy = (_: unknown, __: unknown, ctx: GqlContext): Promise<RetentionPolicy> => ctx.read((c) => policyOf(c, ctx.principal.orgId));

const setRetentionPolicy = async (_: unknown, args: { maxAgeDays?: number | null; maxBytes?: number | null }, ctx: GqlContext) => {
  const errors = invalid(args);
  if (errors.length > 0) return { policy: null, errors };
  const orgId = ctx.principal.orgId;
  const policy = await ctx.write(async (c) => {
    await c.query('UPDATE organizations SET retention_max_age_days = $2, retention_max_bytes = $3 WHERE id = $1', [orgId, args.maxAgeDays ?? null, args.maxBytes ?? null]);
    return policyOf(c, orgId);
  });
  return { policy, errors: [] };
};

export const retentionResolvers = { Query: { retentionPolicy }, Mutation: { setRetentionPolicy } };
