import type { PoolClient } from '@shaman/platform';
import type { GqlContext } from '../graphql/context.js';
import { NO_USAGE, type UsageTotals } from '../usage/money.js';

type AgentDefinitionView = {
  name: string;
  repository: string;
  commit: string;
  file: string;
  exposed: boolean;
  description: string;
  tags: string[];
  model: string | null;
  live: boolean;
  updatedAt: Date;
  usage: UsageTotals;
};

type Row = Omit<AgentDefinitionView, 'live' | 'updatedAt' | 'usage'> & { removed_at_commit: string | null; updated_at: Date };

// One statement for every listed agent: usage stats never cost a query per agent.
const usageByAgent = async (client: PoolClient, names: readonly string[]): Promise<Map<string, UsageTotals>> => {
  const { rows } = await client.query<{ agent: string; calls: string; input_tokens: string; output_tokens: string; cost_micros: string }>(
    `SELECT agent, count(*) AS calls, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost_micros) AS cost_micros
       FROM usage_ledger WHERE agent = ANY($1::text[]) GROUP BY agent`,
    [names],
  );
  return new Map(rows.map((r) => [r.agent, { calls: Number(r.calls), inputTokens: Number(r.input_tokens), outputTokens: Number(r.output_tokens), costMicros: Number(r.cost_micros) }]));
};

const listAgentDefinitions = async (client: PoolClient, filter: { repository: string | null; includeRemoved: boolean }): Promise<AgentDefinitionView[]> => {
  const { rows } = await client.query<Row>(
    `SELECT name, repository, commit, file, exposed, description, tags, model, removed_at_commit, updated_at FROM agent_definitions
      WHERE ($1::text IS NULL OR repository = $1) AND ($2 OR removed_at_commit IS NULL)
      ORDER BY repository, name`,
    [filter.repository, filter.includeRemoved],
  );
  const usage = await usageByAgent(client, [...new Set(rows.map((r) => r.name))]);
  return rows.map(({ removed_at_commit, updated_at, ...row }) => ({ ...row, live: removed_at_commit === null, updatedAt: updated_at, usage: usage.get(row.name) ?? NO_USAGE }));
};

const agents = (_: unknown, args: { repository?: string | null; includeRemoved?: boolean | null }, ctx: GqlContext): Promise<AgentDefinitionView[]> =>
  ctx.read((c) => listAgentDefinitions(c, { repository: args.repository ?? null, includeRemoved: args.includeRemoved ?? false }));

export const agentsResolvers = { Query: { agents } };
