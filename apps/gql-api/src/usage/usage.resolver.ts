import type { GqlContext } from '../graphql/context.js';
import { addUsage, money, NO_USAGE, type Money, type UsageTotals } from './money.js';
import { SafeIntScalar } from './safe-int.scalar.js';
import { parseUsageArgs, type UsageArgs } from './usage-args.js';
import { listUsageBuckets, type UsageBucket, type UsageGroupBy, type UsagePeriod, type UsageQuery } from './usage.repository.js';

type UsageReport = UsageQuery & { buckets: UsageBucket[]; total: UsageTotals };

const usage = async (_: unknown, args: UsageArgs, ctx: GqlContext): Promise<UsageReport> => {
  const query = parseUsageArgs(args);
  const buckets = await ctx.read((c) => listUsageBuckets(c, query));
  return { ...query, buckets, total: buckets.reduce<UsageTotals>(addUsage, NO_USAGE) };
};

/** Field resolvers shared by every type carrying `UsageTotals` fields (UsageTotals, UsageBucket). */
export const usageTotalsFields = {
  totalTokens: (t: UsageTotals): number => t.inputTokens + t.outputTokens,
  cost: (t: UsageTotals): Money => money(t.costMicros),
};

export const usageResolvers = {
  SafeInt: SafeIntScalar,
  Query: { usage },
  UsageTotals: usageTotalsFields,
  UsageBucket: usageTotalsFields,
  UsagePeriod: { DAY: 'day', WEEK: 'week', MONTH: 'month' } satisfies Record<string, UsagePeriod>,
  UsageGroupBy: { NONE: 'none', AGENT: 'agent', MODEL: 'model' } satisfies Record<string, UsageGroupBy>,
};
