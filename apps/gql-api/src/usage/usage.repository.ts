import type { PoolClient } from '@shaman/platform';
import { z } from 'zod';
import { addUsage, type UsageTotals } from './money.js';

// Reads of the usage ledger (migrations/0004_usage.sql) inside `withOrg`: RLS scopes every row and view.

export type UsagePeriod = 'day' | 'week' | 'month';
export type UsageGroupBy = 'none' | 'agent' | 'model';
export type UsageQuery = { period: UsagePeriod; from: Date; to: Date; groupBy: UsageGroupBy; agent: string | null };
/** One period (its UTC start) of one group; `key` is the agent or model, null when not grouped. */
export type UsageBucket = UsageTotals & { start: Date; key: string | null };

const Count = z.number().int().nonnegative();
const TotalsRow = z.object({ calls: Count, input_tokens: Count, output_tokens: Count, cost_micros: Count });
const totalsOf = (row: z.infer<typeof TotalsRow>): UsageTotals => ({
  calls: row.calls,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  costMicros: row.cost_micros,
});
const BucketRow = TotalsRow.extend({ start: z.date(), key: z.string().nullable() });
const RunRow = TotalsRow.extend({ run_id: z.string() });
const StepRow = TotalsRow.extend({ step_id: z.string() });

const SUMS = 'count(*)::bigint AS calls, sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens, sum(cost_micros)::bigint AS cost_micros';
// Fixed strings chosen by a closed union, never caller text.
const KEY_OF: Record<UsageGroupBy, string> = { none: 'NULL::text', agent: 'agent', model: 'model' };

/** Non-empty buckets of `[from, to)` in time order, then key order; periods start at UTC midnight (weeks on Monday). */
export const listUsageBuckets = async (client: PoolClient, q: UsageQuery): Promise<UsageBucket[]> => {
  const { rows } = await client.query(
    `SELECT date_trunc($1, recorded_at, 'UTC') AS start, ${KEY_OF[q.groupBy]} AS key, ${SUMS}
       FROM usage_ledger WHERE recorded_at >= $2::timestamptz AND recorded_at < $3::timestamptz AND ($4::text IS NULL OR agent = $4)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [q.period, q.from.toISOString(), q.to.toISOString(), q.agent],
  );
  return rows.map((row) => {
    const r = BucketRow.parse(row);
    return { start: r.start, key: r.key, ...totalsOf(r) };
  });
};

/** Usage of several runs in one query; a run without priced calls is absent. */
export const usageOfRuns = async (client: PoolClient, runIds: readonly string[]): Promise<Map<string, UsageTotals>> => {
  const { rows } = await client.query(`SELECT run_id, calls, input_tokens, output_tokens, cost_micros FROM usage_by_run WHERE run_id = ANY($1::uuid[])`, [runIds]);
  return new Map(rows.map((row) => RunRow.parse(row)).map((r) => [r.run_id, totalsOf(r)]));
};

/** Usage of several steps in one query; a step without priced calls is absent. */
export const usageOfSteps = async (client: PoolClient, stepIds: readonly string[]): Promise<Map<string, UsageTotals>> => {
  const { rows } = await client.query(
    `SELECT step_id, calls, input_tokens, output_tokens, cost_micros FROM usage_by_step WHERE step_id = ANY($1::uuid[])`,
    [stepIds],
  );
  const byStep = new Map<string, UsageTotals>();
  for (const r of rows.map((row) => StepRow.parse(row))) {
    const known = byStep.get(r.step_id);
    byStep.set(r.step_id, known ? addUsage(known, totalsOf(r)) : totalsOf(r));
  }
  return byStep;
};
