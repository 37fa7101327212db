// Test-only: the subscription operations the specs send, and the shapes they select.

export type Node = { id: string; parentStepId: string | null; status: string; llmCalls: number; inputTokens: number; sequence: number };
export type DagEvent = { sequence: number; kind: 'SNAPSHOT' | 'CHANGE'; run: { status: string; stepCount: number; sequence: number }; nodes: Node[]; edges: { from: string; to: string }[] };
export type Progress = { runId: string; sequence: number; status: string; terminal: boolean; rootAgent: string | null; stepCount: number; inputTokens: number };
export type Asked = { sequence: number; runId: string; stepId: string; agent: string | null; prompt: string };

export const RUN_DAG = `subscription ($runId: ID!, $after: Int) { runDag(runId: $runId, afterSequence: $after) {
  sequence kind run { status stepCount sequence } nodes { id parentStepId status llmCalls inputTokens sequence } edges { from to } } }`;
export const RUN_UPDATES = `subscription ($runId: ID!, $after: Int) { runUpdates(runId: $runId, afterSequence: $after) {
  runId sequence status terminal rootAgent stepCount inputTokens } }`;
export const RUNS_UPDATED = `subscription ($after: Int) { runsUpdated(afterSequence: $after) {
  runId sequence status terminal rootAgent stepCount inputTokens } }`;
export const INPUT_REQUESTED = 'subscription { inputRequested { sequence runId stepId agent prompt } }';
