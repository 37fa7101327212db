import { ROW_STATUSES, type StepRow } from '@shaman/domain';
import { z } from 'zod';

/** The `steps` columns and their SQL types, in table order: the record shape of `jsonb_to_recordset`. */
export const STEP_COLUMNS = [
  ['org_id', 'uuid'],
  ['id', 'uuid'],
  ['run_id', 'uuid'],
  ['parent_step_id', 'uuid'],
  ['depth', 'integer'],
  ['agent', 'text'],
  ['model', 'text'],
  ['status', 'text'],
  ['input', 'jsonb'],
  ['output', 'jsonb'],
  ['error', 'jsonb'],
  ['iterations', 'integer'],
  ['llm_calls', 'integer'],
  ['tool_calls', 'integer'],
  ['input_tokens', 'bigint'],
  ['output_tokens', 'bigint'],
  ['created_at', 'timestamptz'],
  ['started_at', 'timestamptz'],
  ['completed_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['last_seq', 'bigint'],
  ['initiator_kind', 'text'],
  ['initiator_id', 'text'],
  ['kind', 'text'],
  ['external_url', 'text'],
  ['attempts', 'integer'],
  ['retries', 'integer'],
  ['dead_lettered', 'boolean'],
] as const;

const count = z.number().int().nonnegative();
const time = z.string().min(1);

/**
 * A `steps` row as `to_jsonb(steps)` gives it: timestamps as ISO strings with full microsecond precision
 * (a `Date` would cut them to milliseconds and a later batch would write the cut value back).
 */
export const StepRecord = z
  .object({
    org_id: z.string(),
    id: z.string(),
    run_id: z.string(),
    parent_step_id: z.string().nullable(),
    depth: count,
    agent: z.string(),
    model: z.string().nullable(),
    status: z.enum(ROW_STATUSES),
    input: z.unknown(),
    output: z.unknown(),
    error: z.unknown(),
    iterations: count,
    llm_calls: count,
    tool_calls: count,
    input_tokens: count,
    output_tokens: count,
    created_at: time,
    started_at: time.nullable(),
    completed_at: time.nullable(),
    updated_at: time,
    last_seq: count,
    // Absent from records built before migration 0010 added the columns.
    initiator_kind: z.string().nullish(),
    initiator_id: z.string().nullish(),
    // Absent from records built before migration 0013 added the columns.
    kind: z.enum(['agent', 'external']).nullish(),
    external_url: z.string().nullish(),
    // Absent from records built before migration 0016 added the columns.
    attempts: count.nullish(),
    retries: count.nullish(),
    dead_lettered: z.boolean().nullish(),
  })
  .transform(
    (r): StepRow => ({
      orgId: r.org_id,
      id: r.id,
      runId: r.run_id,
      parentStepId: r.parent_step_id,
      depth: r.depth,
      agent: r.agent,
      initiator: r.initiator_kind != null && r.initiator_id != null ? { kind: r.initiator_kind, id: r.initiator_id } : null,
      model: r.model,
      status: r.status,
      input: r.input,
      output: r.output ?? null,
      error: r.error ?? null,
      iterations: r.iterations,
      llmCalls: r.llm_calls,
      toolCalls: r.tool_calls,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      createdAt: r.created_at,
      startedAt: r.started_at,
      completedAt: r.completed_at,
      updatedAt: r.updated_at,
      lastSeq: r.last_seq,
      kind: r.kind ?? 'agent',
      externalUrl: r.external_url ?? null,
      attempts: r.attempts ?? 0,
      retries: r.retries ?? 0,
      deadLettered: r.dead_lettered ?? false,
    }),
  );

/** A row in the record shape of `STEP_COLUMNS`. */
export const toStepRecord = (row: StepRow): z.input<typeof StepRecord> => ({
  org_id: row.orgId,
  id: row.id,
  run_id: row.runId,
  parent_step_id: row.parentStepId,
  depth: row.depth,
  agent: row.agent,
  model: row.model,
  status: row.status,
  input: row.input,
  output: row.output,
  error: row.error,
  iterations: row.iterations,
  llm_calls: row.llmCalls,
  tool_calls: row.toolCalls,
  input_tokens: row.inputTokens,
  output_tokens: row.outputTokens,
  created_at: row.createdAt,
  started_at: row.startedAt,
  completed_at: row.completedAt,
  updated_at: row.updatedAt,
  last_seq: row.lastSeq,
  initiator_kind: row.initiator?.kind ?? null,
  initiator_id: row.initiator?.id ?? null,
  kind: row.kind,
  external_url: row.externalUrl,
  attempts: row.attempts,
  retries: row.retries,
  dead_lettered: row.deadLettered,
});
