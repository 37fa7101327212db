import type { AgentDefinition } from '@shaman/agents';
import type { WorkingStep } from '@shaman/domain';
import { messageText, type LlmResponded } from '@shaman/events';
import { LlmError, type LlmMessage, type LlmRequest, type LlmToolSpec } from '../llm/llm-provider.js';
import type { ProviderRegistry } from '../llm/provider-registry.js';
import { hashLlmRequest } from '../llm/request-hash.js';

/**
 * The longest back-off spent inside one delivery. A provider asking for more (or failing past the attempts)
 * makes the step go back to JetStream, which redelivers it after the requested delay.
 */
export const MAX_IN_STEP_BACKOFF_MS = 30_000;

export type CallLlmDeps = { providers: ProviderRegistry; maxAttempts: number; now: () => number; sleep: (ms: number, signal: AbortSignal) => Promise<void> };

/** The conversation a model sees: the agent's prompt, the caller's message, then everything recorded since. */
export const buildLlmRequest = (step: WorkingStep, agent: AgentDefinition, tools: LlmToolSpec[]): LlmRequest => {
  const messages: LlmMessage[] = [
    { role: 'system', content: agent.systemPrompt },
    { role: 'user', content: messageText(step.request.message) },
    ...step.transcript.map((entry): LlmMessage =>
      entry.kind === 'assistant'
        ? { role: 'assistant', content: entry.content, toolCalls: entry.toolCalls }
        : { role: 'tool', toolCallId: entry.toolCallId, name: entry.name, content: typeof entry.output === 'string' ? entry.output : JSON.stringify(entry.output) },
    ),
  ];
  return {
    model: agent.model,
    messages,
    tools,
    ...(agent.temperature === undefined ? {} : { temperature: agent.temperature }),
    ...(agent.maxTokens === undefined ? {} : { maxTokens: agent.maxTokens }),
    agent: { name: agent.name, repository: step.request.agent.repository },
  };
};

/**
 * Asks the model once, retrying transient failures with exponential back-off inside this delivery. The
 * result is only data: the caller records it as `LlmResponded` before anything acts on it.
 */
export const callLlmActivity =
  (deps: CallLlmDeps) =>
  async (input: {
    request: LlmRequest;
    iteration: number;
    signal: AbortSignal;
    /** Opens a live text channel for one attempt (each retry streams afresh); absent when nobody streams. */
    deltas?: (() => (text: string) => void) | undefined;
  }): Promise<LlmResponded['data']> => {
    const provider = deps.providers.resolve(input.request.model);
    const requestHash = hashLlmRequest(input.request);
    for (let attempt = 1; ; attempt++) {
      const started = deps.now();
      try {
        const response = await provider.complete(input.request, { signal: input.signal, onDelta: input.deltas?.() });
        const { usage, ...rest } = response;
        return { iteration: input.iteration, provider: provider.name, model: input.request.model, requestHash, response: rest, usage, latencyMs: deps.now() - started };
      } catch (error) {
        const e = error instanceof LlmError ? error : new LlmError('llm.unavailable', (error as Error).message, { cause: error });
        const wait = e.retryAfterMs ?? Math.min(200 * 2 ** (attempt - 1), 5000);
        if (!e.retryable || attempt >= deps.maxAttempts || input.signal.aborted || wait > MAX_IN_STEP_BACKOFF_MS) throw e;
        await deps.sleep(wait, input.signal);
      }
    }
  };
