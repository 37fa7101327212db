import type { PoolClient } from '@shaman/platform';
import type { SequencedEvent } from './fold-steps.js';
import { applyInputRequests } from './step-input-requests.js';
import { applyLlmCalls } from './step-llm-calls.js';
import { applyToolCalls } from './step-tool-calls.js';

/**
 * What steps did, for the step detail (migrations/0010): tool calls with their results, model calls with their
 * price, questions with their answers. Each read model issues statements only for the event types it holds.
 */
export const applyStepActivity = async (client: PoolClient, events: readonly SequencedEvent[]): Promise<void> => {
  await applyToolCalls(client, events);
  await applyLlmCalls(client, events);
  await applyInputRequests(client, events);
};
