import { randomUUID } from 'node:crypto';
import type pg from 'pg';

// Test-only: read-model rows written the way the projector writes them, through the admin (superuser) client,
// which row-level security does not bind. Columns not given take their table defaults.

/** Inserts one row; keys are column names. jsonb values go in as JSON text. */
export const insertRow = async (client: pg.Client, table: string, row: Record<string, unknown>): Promise<void> => {
  const columns = Object.keys(row);
  const values = Object.values(row).map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : v));
  await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values);
};

export type RunRowSeed = {
  orgId: string;
  id?: string;
  status?: string;
  rootAgent?: string;
  createdAt: string;
  updatedAt?: string;
  completedAt?: string | null;
  initiator?: { kind: string; id: string } | null;
};

export const seedRun = async (client: pg.Client, run: RunRowSeed): Promise<string> => {
  const id = run.id ?? randomUUID();
  await insertRow(client, 'runs', {
    org_id: run.orgId, id, status: run.status ?? 'completed', root_agent: run.rootAgent ?? 'Planner', step_count: 1, input_tokens: 10, output_tokens: 2,
    created_at: run.createdAt, updated_at: run.updatedAt ?? run.createdAt, completed_at: run.completedAt ?? null, last_seq: 1,
    initiator_kind: run.initiator?.kind ?? null, initiator_id: run.initiator?.id ?? null,
  });
  return id;
};

export type StepRowSeed = {
  orgId: string;
  runId: string;
  id?: string;
  parentStepId?: string | null;
  depth?: number;
  agent?: string;
  status?: string;
  input?: unknown;
  output?: unknown;
  createdAt: string;
  startedAt?: string | null;
  completedAt?: string | null;
  initiator?: { kind: string; id: string } | null;
};

export const seedStep = async (client: pg.Client, step: StepRowSeed): Promise<string> => {
  const id = step.id ?? randomUUID();
  await insertRow(client, 'steps', {
    org_id: step.orgId, id, run_id: step.runId, parent_step_id: step.parentStepId ?? null, depth: step.depth ?? 0, agent: step.agent ?? 'Planner',
    model: 'gpt-4o', status: step.status ?? 'completed', input: step.input ?? { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: 'go' }] },
    output: step.output ?? null, iterations: 1, llm_calls: 1, tool_calls: 1, input_tokens: 10, output_tokens: 2, created_at: step.createdAt,
    started_at: step.startedAt ?? null, completed_at: step.completedAt ?? null, updated_at: step.completedAt ?? step.createdAt, last_seq: 1,
    initiator_kind: step.initiator?.kind ?? null, initiator_id: step.initiator?.id ?? null,
  });
  return id;
};

export type UsageSeed = { orgId: string; runId: string; stepId: string; agent: string; model?: string; tokens?: [number, number]; costMicros: number; at: string };

export const seedUsage = (client: pg.Client, u: UsageSeed): Promise<void> =>
  insertRow(client, 'usage_ledger', {
    org_id: u.orgId, event_id: randomUUID(), run_id: u.runId, step_id: u.stepId, agent: u.agent, provider: 'openai', model: u.model ?? 'gpt-4o',
    input_tokens: u.tokens?.[0] ?? 10, output_tokens: u.tokens?.[1] ?? 2, cost_micros: u.costMicros, price_table: '2026-11-01', recorded_at: u.at, seq: 1,
  });

export type ToolCallSeed = { orgId: string; runId: string; stepId: string; toolCallId: string; name?: string; arguments?: object; calledAt: string; seq: number;
  result?: { output: unknown; isError: boolean; latencyMs: number; at: string } };

export const seedToolCall = (client: pg.Client, t: ToolCallSeed): Promise<void> =>
  insertRow(client, 'step_tool_calls', {
    org_id: t.orgId, event_id: randomUUID(), run_id: t.runId, step_id: t.stepId, tool_call_id: t.toolCallId, iteration: 0, name: t.name ?? 'lookup',
    arguments: t.arguments ?? {}, called_at: t.calledAt, seq: t.seq,
    ...(t.result ? { result_event_id: randomUUID(), output: JSON.stringify(t.result.output), is_error: t.result.isError, latency_ms: t.result.latencyMs, resulted_at: t.result.at } : {}),
  });
