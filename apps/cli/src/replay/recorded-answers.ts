import type { LlmResponded } from '@shaman/events';
import type { ExecutorDeps } from '@shaman/executor';

type ProviderRegistry = NonNullable<ExecutorDeps['providers']>;
type LlmProvider = ReturnType<ProviderRegistry['resolve']>;
export type LlmRequest = Parameters<LlmProvider['complete']>[0];

/**
 * A model provider that answers from a recording instead of a live model: the step's recorded responses, in
 * order. It never calls out. It keeps every request it is asked, so a divergence can show what the model was
 * asked this time; a call past the end of the recording is a divergence (`problem`), not an answer.
 */
export type RecordedAnswers = {
  registry: ProviderRegistry;
  /** Starts a step: these are the responses its model calls get. */
  load(responses: readonly LlmResponded['data'][]): void;
  requests(): readonly LlmRequest[];
  calls(): number;
  problem(): string | null;
};

export const createRecordedAnswers = (): RecordedAnswers => {
  let responses: readonly LlmResponded['data'][] = [];
  let asked: LlmRequest[] = [];
  let problem: string | null = null;
  let total = 0;
  let answeredBy: string | null = null;
  const provider: LlmProvider = {
    // Read once a call has returned: the recorded provider of that call, so the re-executed LlmResponded names it.
    get name() {
      return answeredBy ?? responses[0]?.provider ?? 'recording';
    },
    complete: async (request) => {
      const recorded = responses[asked.length];
      asked.push(request);
      total += 1;
      if (recorded === undefined) {
        problem = `model call #${asked.length - 1} is not in the recording (it has ${responses.length})`;
        throw new Error(problem);
      }
      answeredBy = recorded.provider;
      return { content: recorded.response.content, toolCalls: recorded.response.toolCalls, finishReason: recorded.response.finishReason, usage: recorded.usage };
    },
  };
  return {
    registry: { resolve: () => provider },
    load: (next) => {
      responses = next;
      asked = [];
      problem = null;
      answeredBy = null;
    },
    requests: () => asked,
    calls: () => total,
    problem: () => problem,
  };
};
