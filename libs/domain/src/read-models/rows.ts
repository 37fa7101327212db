/**
 * Read-model rows of the `runs` and `steps` tables (migrations/0003_runs.sql), camelCased. Timestamps are ISO
 * strings and jsonb columns plain JSON values, so a row is data that survives a JSON round trip unchanged.
 */
export const ROW_STATUSES = ['submitted', 'working', 'input-required', 'completed', 'failed', 'canceled'] as const;
export type StepRowStatus = (typeof ROW_STATUSES)[number];
export type RunRowStatus = StepRowStatus;

const TERMINAL: ReadonlySet<string> = new Set<StepRowStatus>(['completed', 'failed', 'canceled']);
/** Completed, failed and canceled are final: nothing after them changes a step. */
export const isTerminalRowStatus = (status: string): boolean => TERMINAL.has(status);

/** `Initiator` of the events, as read-model columns hold it. */
export type RowInitiator = { kind: string; id: string };

export type StepRow = {
  orgId: string;
  id: string;
  runId: string;
  /** The DAG edge: the step that called this one, null for a root. */
  parentStepId: string | null;
  depth: number;
  agent: string;
  /** Who asked for the step (`RunRequested.data.initiator`); null on rows projected before it was recorded. */
  initiator: RowInitiator | null;
  model: string | null;
  status: StepRowStatus;
  /** The request message (a `ChatMessage`). */
  input: unknown;
  /** `StepCompleted.data.output`, null until then. */
  output: unknown;
  /** `StepFailed.data.error`, null unless failed. */
  error: unknown;
  iterations: number;
  llmCalls: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  /** `metadata.at` of the last event applied to the row. */
  updatedAt: string;
  /** Stream sequence of the last event applied to the row. */
  lastSeq: number;
  /** `external`: an agent of another A2A server (agents.json) called from a step, recorded by the caller's executor. */
  kind: 'agent' | 'external';
  /** Where an external step's call went (`RunRequested.data.external.url`); null for an agent step. */
  externalUrl: string | null;
  /** The highest attempt an executor recorded (claim, resumes, retries); 0 until claimed. */
  attempts: number;
  /** How many failed attempts were handed back to be retried (`StepRetryScheduled`). */
  retries: number;
  /** Whether the step failed because its last allowed attempt did (`StepDeadLettered`). */
  deadLettered: boolean;
};

export type RunRow = {
  orgId: string;
  id: string;
  status: RunRowStatus;
  /** Agent of the earliest root step. */
  rootAgent: string;
  /** Initiator of the earliest root step. */
  initiator: RowInitiator | null;
  stepCount: number;
  inputTokens: number;
  outputTokens: number;
  createdAt: string;
  updatedAt: string;
  /** Latest root completion, once the run is terminal; null before. */
  completedAt: string | null;
  lastSeq: number;
};
