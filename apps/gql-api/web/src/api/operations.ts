// Every operation the page sends, with the shapes it reads. Kept in one file so an allow-list deployment
// (GQL_ALLOWLIST_FILE) can list them.

export type RunStatus = 'SUBMITTED' | 'WORKING' | 'INPUT_REQUIRED' | 'COMPLETED' | 'FAILED' | 'CANCELED';
export const RUN_STATUSES: RunStatus[] = ['SUBMITTED', 'WORKING', 'INPUT_REQUIRED', 'COMPLETED', 'FAILED', 'CANCELED'];
export const isTerminal = (status: RunStatus): boolean => status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELED';

export type Money = { micros: number; usd: string };

export const VIEWER = `query Viewer { viewer { organizationId role organization { slug name } } }`;
export type ViewerData = { viewer: { organizationId: string; role: string | null; organization: { slug: string; name: string } | null } };

export const RUNS = `query Runs($first: Int, $after: String, $filter: RunFilter) {
  runs(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status rootAgent stepCount inputTokens outputTokens cost { usd } createdAt completedAt durationMs } }
  }
}`;
export type RunRow = {
  id: string;
  status: RunStatus;
  rootAgent: string;
  stepCount: number;
  inputTokens: number;
  outputTokens: number;
  cost: { usd: string };
  createdAt: string;
  completedAt: string | null;
  durationMs: number | null;
};
export type RunsData = { runs: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: RunRow }[] } };

export const RUNS_UPDATED = `subscription RunsUpdated { runsUpdated { runId status sequence } }`;

/** The read model's view of a run: what the live stream does not carry (cost, tool calls). */
export const RUN_DETAIL = `query RunDetail($id: ID!) {
  run(id: $id) {
    id status rootAgent cost { usd micros } durationMs
    nodes { id cost { usd micros } toolCalls { toolCallId name iteration calledAt completed isError latencyMs } }
  }
}`;
export type ToolCallRow = { toolCallId: string; name: string; iteration: number; calledAt: string; completed: boolean; isError: boolean | null; latencyMs: number | null };
export type RunDetailData = {
  run: { id: string; status: RunStatus; rootAgent: string; cost: Money; durationMs: number | null; nodes: { id: string; cost: Money; toolCalls: ToolCallRow[] }[] } | null;
};

export const RUN_DAG = `subscription RunDag($runId: ID!) {
  runDag(runId: $runId) {
    sequence kind
    run { runId status terminal rootAgent stepCount inputTokens outputTokens createdAt completedAt }
    nodes { id parentStepId depth agent kind externalUrl model status outputText error iterations llmCalls toolCalls inputTokens outputTokens createdAt startedAt completedAt sequence }
    edges { from to }
  }
}`;
export type DagNodeData = {
  id: string;
  parentStepId: string | null;
  depth: number;
  agent: string;
  kind: 'AGENT' | 'EXTERNAL';
  externalUrl: string | null;
  model: string | null;
  status: RunStatus;
  outputText: string | null;
  error: unknown;
  iterations: number;
  llmCalls: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  sequence: number;
};
export type RunProgress = {
  runId: string;
  status: RunStatus;
  terminal: boolean;
  rootAgent: string | null;
  stepCount: number;
  inputTokens: number;
  outputTokens: number;
  createdAt: string | null;
  completedAt: string | null;
};
export type RunDagEvent = { sequence: number; kind: 'SNAPSHOT' | 'CHANGE'; run: RunProgress; nodes: DagNodeData[]; edges: { from: string; to: string }[] };
export type RunDagData = { runDag: RunDagEvent };

export const STEP_DETAIL = `query StepDetail($id: ID!) {
  step(id: $id) {
    id agent model status error durationMs inputTokens outputTokens cost { usd } createdAt startedAt completedAt
    messages { role text message at }
    toolCalls { toolCallId name arguments iteration calledAt completed completedAt latencyMs isError result error }
    llmCalls { iteration provider model content finishReason toolCallCount inputTokens outputTokens latencyMs cost { usd } respondedAt }
    inputRequests { toolCallId question requestedAt answered answerText answeredAt }
  }
}`;
export type StepDetail = {
  id: string;
  agent: string;
  model: string | null;
  status: RunStatus;
  error: unknown;
  durationMs: number | null;
  inputTokens: number;
  outputTokens: number;
  cost: { usd: string };
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  messages: { role: 'USER' | 'AGENT'; text: string | null; message: unknown; at: string | null }[];
  toolCalls: (ToolCallRow & { arguments: unknown; completedAt: string | null; result: unknown; error: unknown })[];
  llmCalls: { iteration: number; provider: string; model: string; content: string | null; finishReason: string; toolCallCount: number; inputTokens: number; outputTokens: number; latencyMs: number; cost: { usd: string } | null; respondedAt: string }[];
  inputRequests: { toolCallId: string; question: string; requestedAt: string; answered: boolean; answerText: string | null; answeredAt: string | null }[];
};
export type StepDetailData = { step: StepDetail | null };

const USER_ERRORS = 'errors { code field message }';
export const CANCEL_RUN = `mutation CancelRun($runId: ID!, $reason: String) { cancelRun(runId: $runId, reason: $reason) { canceledStepIds ${USER_ERRORS} } }`;
export const CANCEL_STEP = `mutation CancelStep($stepId: ID!, $reason: String) { cancelStep(stepId: $stepId, reason: $reason) { canceledStepIds ${USER_ERRORS} } }`;
export const PROVIDE_INPUT = `mutation ProvideInput($stepId: ID!, $text: String!) { provideInput(stepId: $stepId, text: $text) { stepId ${USER_ERRORS} } }`;
export const SKIP_INPUT = `mutation SkipInput($stepId: ID!, $reason: String) { skipInput(stepId: $stepId, reason: $reason) { stepId ${USER_ERRORS} } }`;
