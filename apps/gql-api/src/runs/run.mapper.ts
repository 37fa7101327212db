import { TextPart } from '@shaman/events';
import { z } from 'zod';

/** Statuses as the read model stores them (A2A task states); the GraphQL enum maps them in `runs.resolver.ts`. */
export const RunStatus = z.enum(['submitted', 'working', 'input-required', 'completed', 'failed', 'canceled']);
export type RunStatus = z.infer<typeof RunStatus>;

// Rows are parsed at ingress (STYLE §3): a read model that drifted from this shape fails loudly, here.
// Counters are int8 columns, parsed to numbers by @shaman/platform's pool.
const Count = z.number().int().nonnegative();

/** Who asked for a run or step, as `RunRequested.data.initiator` recorded it. */
export type Initiator = { kind: string; id: string };
const initiatorOf = (kind: string | null, id: string | null): Initiator | null => (kind !== null && id !== null ? { kind, id } : null);

const RunRow = z.object({
  id: z.string(),
  status: RunStatus,
  root_agent: z.string(),
  initiator_kind: z.string().nullable(),
  initiator_id: z.string().nullable(),
  step_count: Count,
  input_tokens: Count,
  output_tokens: Count,
  created_at: z.date(),
  updated_at: z.date(),
  completed_at: z.date().nullable(),
  forked_from_run_id: z.string().nullable(),
  forked_from_step_id: z.string().nullable(),
  // created_at and updated_at with their full microsecond precision, which a JS Date would lose; keyset
  // cursors need it.
  created_key: z.string(),
  updated_key: z.string(),
});

const StepRow = z.object({
  id: z.string(),
  run_id: z.string(),
  parent_step_id: z.string().nullable(),
  depth: z.number().int(),
  agent: z.string(),
  initiator_kind: z.string().nullable(),
  initiator_id: z.string().nullable(),
  model: z.string().nullable(),
  status: RunStatus,
  input: z.unknown(),
  output: z.unknown(),
  error: z.unknown(),
  iterations: Count,
  llm_calls: Count,
  tool_calls: Count,
  input_tokens: Count,
  output_tokens: Count,
  created_at: z.date(),
  started_at: z.date().nullable(),
  completed_at: z.date().nullable(),
  // Migration 0016 (durable execution); defaults keep rows selected without them readable.
  attempts: Count.default(0),
  retries: Count.default(0),
  dead_lettered: z.boolean().default(false),
  // Migration 0013 (external agents); defaults keep rows selected without them readable.
  kind: z.enum(['agent', 'external']).default('agent'),
  external_url: z.string().nullable().default(null),
});

export type Run = {
  id: string;
  status: RunStatus;
  rootAgent: string;
  initiator: Initiator | null;
  stepCount: number;
  inputTokens: number;
  outputTokens: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  /** The step a `shaman fork` run branched from; null for any other run. */
  forkedFrom: { runId: string; stepId: string } | null;
  createdKey: string;
  updatedKey: string;
};

export type Step = {
  id: string;
  runId: string;
  parentStepId: string | null;
  depth: number;
  agent: string;
  /** The GraphQL `StepKind`: AGENT, or EXTERNAL for an agents.json agent of another A2A server. */
  kind: 'AGENT' | 'EXTERNAL';
  externalUrl: string | null;
  initiator: Initiator | null;
  model: string | null;
  status: RunStatus;
  input: unknown;
  output: unknown;
  outputText: string | null;
  error: unknown;
  iterations: number;
  llmCallCount: number;
  toolCallCount: number;
  inputTokens: number;
  outputTokens: number;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  attempts: number;
  retries: number;
  deadLettered: boolean;
};

export type StepEdge = { from: string; to: string };

export const toRun = (row: unknown): Run => {
  const r = RunRow.parse(row);
  return {
    id: r.id,
    status: r.status,
    rootAgent: r.root_agent,
    initiator: initiatorOf(r.initiator_kind, r.initiator_id),
    stepCount: r.step_count,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    completedAt: r.completed_at,
    forkedFrom: r.forked_from_run_id !== null && r.forked_from_step_id !== null ? { runId: r.forked_from_run_id, stepId: r.forked_from_step_id } : null,
    createdKey: r.created_key,
    updatedKey: r.updated_key,
  };
};

export const toStep = (row: unknown): Step => {
  const r = StepRow.parse(row);
  return {
    id: r.id,
    runId: r.run_id,
    parentStepId: r.parent_step_id,
    depth: r.depth,
    agent: r.agent,
    kind: r.kind === 'external' ? 'EXTERNAL' : 'AGENT',
    externalUrl: r.external_url,
    initiator: initiatorOf(r.initiator_kind, r.initiator_id),
    model: r.model,
    status: r.status,
    input: r.input,
    output: r.output ?? null,
    outputText: outputText(r.output),
    error: r.error ?? null,
    iterations: r.iterations,
    llmCallCount: r.llm_calls,
    attempts: r.attempts,
    retries: r.retries,
    deadLettered: r.dead_lettered,
    toolCallCount: r.tool_calls,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
  };
};

const WithParts = z.object({ parts: z.array(z.unknown()) });

/**
 * The text parts of a step's output message, joined by blank lines like `messageText`; non-text parts are
 * skipped and an output without text (or without a message shape) gives null.
 */
export const outputText = (output: unknown): string | null => {
  const message = WithParts.safeParse(output);
  if (!message.success) return null;
  const texts = message.data.parts.flatMap((part) => {
    const text = TextPart.safeParse(part);
    return text.success ? [text.data.text] : [];
  });
  return texts.length > 0 ? texts.join('\n\n') : null;
};

/** Milliseconds from `from` to `to`, or null while either is unknown (a step not started or not finished). */
export const durationMs = (from: Date | null, to: Date | null): number | null => (from && to ? to.getTime() - from.getTime() : null);

/** Parent → child calls among a run's steps; a parent not (yet) in the read model gives no dangling edge. */
export const stepEdges = (steps: readonly Step[]): StepEdge[] => {
  const ids = new Set(steps.map((s) => s.id));
  return steps.flatMap((s) => (s.parentStepId !== null && ids.has(s.parentStepId) ? [{ from: s.parentStepId, to: s.id }] : []));
};
