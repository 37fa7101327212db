import type { LlmResponded, RunRequested, ShamanEvent, StepCompleted } from '@shaman/events';
import { isTerminalRowStatus, type StepRow } from './rows.js';

const requested = ({ data, metadata }: RunRequested, seq: number): StepRow => ({
  orgId: metadata.orgId,
  id: metadata.stepId,
  runId: metadata.runId,
  parentStepId: data.parentStepId,
  depth: data.depth,
  agent: data.agent.name,
  initiator: { kind: data.initiator.kind, id: data.initiator.id },
  model: null,
  status: 'submitted',
  input: data.message,
  output: null,
  error: null,
  iterations: 0,
  llmCalls: 0,
  toolCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  createdAt: metadata.at,
  startedAt: null,
  completedAt: null,
  updatedAt: metadata.at,
  lastSeq: seq,
  kind: data.external ? 'external' : 'agent',
  externalUrl: data.external?.url ?? null,
  attempts: 0,
  retries: 0,
  deadLettered: false,
});

const llmResponded = (row: StepRow, { data }: LlmResponded): StepRow => ({
  ...row,
  llmCalls: row.llmCalls + 1,
  iterations: Math.max(row.iterations, data.iteration + 1),
  inputTokens: row.inputTokens + data.usage.inputTokens,
  outputTokens: row.outputTokens + data.usage.outputTokens,
});

// Tokens are summed from LlmResponded; StepCompleted.usage repeats that total, so adding it would count twice.
const completed = (row: StepRow, { data, metadata }: StepCompleted): StepRow => ({
  ...row,
  status: 'completed',
  output: data.output,
  iterations: Math.max(row.iterations, data.iterations),
  completedAt: metadata.at,
});

/**
 * Folds one event into a step's read-model row (STYLE §5: `evolve(doc | null, event) => doc | null`).
 * RunRequested creates the row; any other event for an absent row yields null (the gateway always appends the
 * request before an executor can see the step). `StepInputRequired` parks the row in 'input-required' until the
 * executor records anything else. Terminal rows never change again, and an ignored event
 * returns the very same row, so callers can tell "changed" by identity. Every value comes from the events and
 * `seq`, never from a clock, so a replay builds identical rows.
 */
export const evolveStepRow = (row: StepRow | null, event: ShamanEvent, seq: number): StepRow | null => {
  if (event.type === 'RunRequested') return row ?? requested(event, seq);
  // Requests change nothing by themselves: what the executor records about them does.
  if (row === null || isTerminalRowStatus(row.status) || event.type === 'RunCancelRequested' || event.type === 'StepInputProvided' || event.type === 'ChildStepEnded' || event.type === 'StepDeadlineExceeded') return row;
  const at = event.metadata.at;
  // Whatever the executor records after a question was answered means the step is working again.
  const touched: StepRow = { ...row, updatedAt: at, lastSeq: seq, status: row.status === 'input-required' ? 'working' : row.status };
  switch (event.type) {
    case 'StepStarted':
      return { ...touched, status: 'working', startedAt: row.startedAt ?? at, model: event.data.model, attempts: Math.max(row.attempts, event.data.attempt) };
    case 'StepResumed':
      return { ...touched, status: 'working', attempts: Math.max(row.attempts, event.data.attempt) };
    case 'StepRetryScheduled':
      return { ...touched, retries: row.retries + 1, attempts: Math.max(row.attempts, event.data.attempt) };
    case 'StepDeadLettered':
      return { ...touched, deadLettered: true, attempts: Math.max(row.attempts, event.data.attempts) };
    case 'LlmResponded':
      return llmResponded(touched, event);
    case 'ToolCalled':
      return { ...touched, toolCalls: row.toolCalls + 1 };
    // A call to another agent (AgentCalled, AgentAwaited): the child is a row of its own, with this step as its parent.
    case 'ToolResulted':
    case 'AgentCalled':
    case 'AgentAwaited':
      return touched;
    case 'StepInputRequired':
      return { ...touched, status: 'input-required' };
    case 'StepCompleted':
      return completed(touched, event);
    case 'StepFailed':
      return { ...touched, status: 'failed', error: event.data.error, completedAt: at };
    case 'StepCanceled':
      return { ...touched, status: 'canceled', completedAt: at };
    // Run data and usage have read models of their own; they do not change the step row. What the model is
    // offered (ToolsOffered) is for re-execution, and always shares its commit with the answer it applies to.
    case 'RunDataWritten':
    case 'UsageRecorded':
    case 'ToolsOffered':
      return row;
  }
};
