import type { AgentDefinition } from '@shaman/agents';
import type { WorkingStep } from '@shaman/domain';
import type { Logger } from '@shaman/platform';
import { messageText, type LlmResponded } from '@shaman/events';
import { LlmError, type LlmMessage, type LlmProvider, type LlmRequest, type LlmToolSpec } from '../llm/llm-provider.js';
import type { ProviderRegistry } from '../llm/provider-registry.js';
import { hashLlmRequest } from '../llm/request-hash.js';
import { responseCacheKey, type CachePolicy, type CacheScope, type ResponseCache } from '../llm/response-cache.js';

/**
 * The longest back-off spent inside one delivery. A provider asking for more (or failing past the attempts)
 * makes the step go back to JetStream, which redelivers it after the requested delay.
 */
export const MAX_IN_STEP_BACKOFF_MS = 30_000;

export type CallLlmDeps = {
  providers: ProviderRegistry;
  maxAttempts: number;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The model response cache; absent (no REDIS_URL) = every call goes to the provider. */
  cache?: ResponseCache | undefined;
  /** Wall clock, for the cache's `storedAt`. */
  wallClock?: () => Date;
  logger?: Pick<Logger, 'warn'>;
};

/** A request with whose it is, for the response cache (an extra field: providers and the request hash ignore it). */
export type ScopedLlmRequest = LlmRequest & { cacheScope?: CacheScope };

/** The conversation a model sees: the agent's prompt, the caller's message, then everything recorded since. */
export const buildLlmRequest = (step: WorkingStep, agent: AgentDefinition, tools: LlmToolSpec[]): ScopedLlmRequest => {
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
    cacheScope: { orgId: step.request.orgId, agentTtlSeconds: agent.cache?.ttlSeconds },
  };
};

type LlmInput = {
  request: ScopedLlmRequest;
  iteration: number;
  signal: AbortSignal;
  /** Opens a live text channel for one attempt (each retry streams afresh); absent when nobody streams. */
  deltas?: (() => (text: string) => void) | undefined;
};
type Answer = LlmResponded['data'];

/** Asks the provider, retrying transient failures with exponential back-off inside this delivery. */
const askProvider = async (deps: CallLlmDeps, provider: LlmProvider, input: LlmInput): Promise<Answer> => {
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

type Cached = { cache: ResponseCache; policy: CachePolicy; orgId: string; key: string };

// The cache is an optimisation: when Redis is down or slow the call goes to the provider, never fails on it.
const lookUp = async (deps: CallLlmDeps, provider: LlmProvider, input: LlmInput): Promise<{ at: Cached; hit: Answer | null } | null> => {
  const scope = input.request.cacheScope;
  if (!deps.cache || !scope) return null;
  try {
    const policy = await deps.cache.policyFor(scope);
    if (!policy) return null;
    const at = { cache: deps.cache, policy, orgId: scope.orgId, key: responseCacheKey({ orgId: scope.orgId, provider: provider.name, request: input.request }) };
    const started = deps.now();
    const entry = await deps.cache.get(scope.orgId, at.key);
    if (!entry) return { at, hit: null };
    // Live viewers see the cached answer arrive in one piece.
    if (entry.response.content) input.deltas?.()(entry.response.content);
    const { provider: name, model, response, usage, storedAt } = entry;
    const hit: Answer = { iteration: input.iteration, provider: name, model, requestHash: hashLlmRequest(input.request), response, usage, latencyMs: deps.now() - started, cache: { hit: true, key: at.key, storedAt } };
    return { at, hit };
  } catch (error) {
    deps.logger?.warn({ err: error }, 'model response cache unavailable; asking the provider');
    return null;
  }
};

const store = async (deps: CallLlmDeps, at: Cached, answer: Answer): Promise<void> => {
  try {
    const entry = { provider: answer.provider, model: answer.model, response: answer.response, usage: answer.usage, storedAt: (deps.wallClock ?? (() => new Date()))().toISOString() };
    await at.cache.put({ orgId: at.orgId, key: at.key, entry, policy: at.policy });
  } catch (error) {
    deps.logger?.warn({ err: error }, 'model response not cached');
  }
};

/**
 * Asks the model once (or answers from the organization's response cache when it or the agent turned it on).
 * The result is only data: the caller records it as `LlmResponded` before anything acts on it; a cached
 * answer carries `cache: { hit: true, … }`, and priceUsage makes it cost nothing.
 */
export const callLlmActivity =
  (deps: CallLlmDeps) =>
  async (input: LlmInput): Promise<Answer> => {
    const provider = deps.providers.resolve(input.request.model);
    const cached = await lookUp(deps, provider, input);
    if (cached?.hit) return cached.hit;
    const answer = await askProvider(deps, provider, input);
    // Only complete answers are kept: a truncated one (length) or a filtered one would be repeated verbatim.
    if (cached && (answer.response.finishReason === 'stop' || answer.response.finishReason === 'tool_calls')) await store(deps, cached.at, answer);
    return answer;
  };
