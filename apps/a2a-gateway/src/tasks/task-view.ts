import type { ChatMessage, Part } from '@shaman/events';

/** A2A v0.3 task states that a step can be in. */
export type TaskState = 'submitted' | 'working' | 'input-required' | 'completed' | 'canceled' | 'failed' | 'rejected';
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set(['completed', 'canceled', 'failed', 'rejected']);

/** Everything a Task is built from, whether it came from the read model or straight from the event log. */
export type StepView = {
  orgId: string;
  runId: string;
  stepId: string;
  agent: string;
  status: TaskState;
  input: ChatMessage;
  output: { parts: Part[] } | null;
  error: { code: string; message: string } | null;
  /** What the agent asked the user (`StepInputRequired`), while the task is input-required; null otherwise. */
  question: { id: string; prompt: string } | null;
  updatedAt: string;
};

const agentMessage = (view: StepView, parts: Part[], suffix: string) => ({
  kind: 'message' as const,
  messageId: `${view.stepId}:${suffix}`,
  role: 'agent' as const,
  parts,
  taskId: view.stepId,
  contextId: view.runId,
});

/** Maps a step onto the A2A v0.3 `Task` wire object (task = step, contextId = run). */
export const toA2ATask = (view: StepView, options: { historyLength?: number } = {}) => {
  const userMessage = { kind: 'message' as const, ...view.input, taskId: view.stepId, contextId: view.runId };
  const reply = view.output ? agentMessage(view, view.output.parts, 'reply') : null;
  const failure = view.error ? agentMessage(view, [{ kind: 'text', text: `${view.error.code}: ${view.error.message}` }], 'error') : null;
  const question = view.status === 'input-required' && view.question ? agentMessage(view, [{ kind: 'text', text: view.question.prompt }], `input:${view.question.id}`) : null;
  const statusMessage = failure ?? question;
  const history = [userMessage, ...(reply ? [reply] : [])];
  const limit = options.historyLength;
  return {
    kind: 'task' as const,
    id: view.stepId,
    contextId: view.runId,
    status: { state: view.status, timestamp: view.updatedAt, ...(statusMessage ? { message: statusMessage } : {}) },
    ...(view.output ? { artifacts: [{ artifactId: `${view.stepId}:output`, name: 'response', parts: view.output.parts }] } : {}),
    history: limit === undefined ? history : limit === 0 ? [] : history.slice(-limit),
    metadata: { 'shaman:runId': view.runId, 'shaman:agent': view.agent },
  };
};
export type A2ATask = ReturnType<typeof toA2ATask>;
