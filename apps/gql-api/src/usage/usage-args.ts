import { gqlError } from '../errors.js';
import type { UsageGroupBy, UsagePeriod, UsageQuery } from './usage.repository.js';

/** The `usage` arguments as GraphQL hands them over (enums already mapped to read-model values). */
export type UsageArgs = { period: UsagePeriod; from: Date; to: Date; groupBy?: UsageGroupBy | null; agent?: string | null };

const DAY_MS = 86_400_000;
// Bounds the buckets one query can return (and the ledger range it scans): about a year of days, two of
// weeks, five of months.
const MAX_SPAN_DAYS: Record<UsagePeriod, number> = { day: 366, week: 732, month: 1830 };

/** Validates the `usage` arguments; bad input is a BAD_USER_INPUT naming the argument, and nothing is read. */
export const parseUsageArgs = (args: UsageArgs): UsageQuery => {
  if (args.from >= args.to) throw gqlError('BAD_USER_INPUT', 'from must be before to');
  const maxDays = MAX_SPAN_DAYS[args.period];
  if (args.to.getTime() - args.from.getTime() > maxDays * DAY_MS) {
    throw gqlError('BAD_USER_INPUT', `from..to spans more than ${maxDays} days, the limit for ${args.period.toUpperCase()}`);
  }
  if (args.agent != null && (args.agent.length === 0 || args.agent.length > 256)) throw gqlError('BAD_USER_INPUT', 'agent must be 1..256 characters');
  return { period: args.period, from: args.from, to: args.to, groupBy: args.groupBy ?? 'none', agent: args.agent ?? null };
};
