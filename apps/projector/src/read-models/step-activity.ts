import type { SequencedEvent } from './fold-steps.js';
import type { Statement } from './statements.js';
import { inputRequestWrites } from './step-input-requests.js';
import { llmCallWrites } from './step-llm-calls.js';
import { toolCallWrites } from './step-tool-calls.js';

/**
 * What steps did, for the step detail (migrations/0010): tool calls with their results, model calls with their
 * price, questions with their answers. Each read model has statements only for the event types it holds.
 */
export const stepActivityWrites = (events: readonly SequencedEvent[]): Statement[] => [
  ...toolCallWrites(events),
  ...llmCallWrites(events),
  ...inputRequestWrites(events),
];
