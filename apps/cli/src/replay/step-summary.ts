import { messageText, type StepEvent } from '@shaman/events';

/** What `shaman diff` shows of one step, side by side with its counterpart. */
export type StepSummary = {
  stepId: string;
  agent: string;
  model: string | null;
  status: string;
  modelCalls: number;
  requestHashes: string[];
  toolCalls: { name: string; arguments: Record<string, unknown> }[];
  toolResults: { name: string; isError: boolean; output: unknown }[];
  output: string | null;
  error: string | null;
  tokens: { input: number; output: number };
  /** Money spent by this run on the step's model calls (UsageRecorded): a fork spends nothing on reused answers. */
  costMicros: number;
};

const statusOf = (events: readonly StepEvent[]): string => {
  const last = events.findLast((e) => e.type === 'StepCompleted' || e.type === 'StepFailed' || e.type === 'StepCanceled' || e.type === 'StepInputRequired');
  switch (last?.type) {
    case 'StepCompleted':
      return 'completed';
    case 'StepFailed':
      return 'failed';
    case 'StepCanceled':
      return 'canceled';
    case 'StepInputRequired':
      return 'input-required';
    case undefined:
      return events.some((e) => e.type === 'StepStarted') ? 'working' : 'submitted';
  }
};

/** One step's facts from its recorded events (its event subject, in order). */
export const summarizeStep = (input: { stepId: string; agent: string; events: readonly StepEvent[] }): StepSummary => {
  const summary: StepSummary = {
    stepId: input.stepId,
    agent: input.agent,
    model: null,
    status: statusOf(input.events),
    modelCalls: 0,
    requestHashes: [],
    toolCalls: [],
    toolResults: [],
    output: null,
    error: null,
    tokens: { input: 0, output: 0 },
    costMicros: 0,
  };
  for (const e of input.events) {
    if (e.type === 'StepStarted') summary.model = e.data.model;
    else if (e.type === 'LlmResponded') {
      summary.modelCalls += 1;
      summary.requestHashes.push(e.data.requestHash);
      summary.tokens = { input: summary.tokens.input + e.data.usage.inputTokens, output: summary.tokens.output + e.data.usage.outputTokens };
    } else if (e.type === 'ToolCalled') summary.toolCalls.push({ name: e.data.name, arguments: e.data.arguments });
    else if (e.type === 'ToolResulted') summary.toolResults.push({ name: e.data.name, isError: e.data.isError, output: e.data.output });
    else if (e.type === 'UsageRecorded') summary.costMicros += e.data.costMicros;
    else if (e.type === 'StepCompleted') summary.output = messageText(e.data.output);
    else if (e.type === 'StepFailed') summary.error = `${e.data.error.code}: ${e.data.error.message}`;
  }
  return summary;
};
