import { setTimeout as sleep } from 'node:timers/promises';
import { LlmError, type LlmProvider } from './llm-provider.js';

/**
 * Adds a fixed latency to every answer of a provider: how benchmarks model a slow hosted LLM, and how fault
 * tests hold a step inside a model call long enough to kill or freeze its executor there.
 */
export const withLatency = (provider: LlmProvider, latencyMs: number): LlmProvider =>
  latencyMs <= 0
    ? provider
    : {
        name: provider.name,
        complete: async (request, options) => {
          try {
            await sleep(latencyMs, undefined, { signal: options.signal });
          } catch (error) {
            throw new LlmError('llm.aborted', `model call aborted during ${latencyMs} ms of latency`, { cause: error });
          }
          return provider.complete(request, options);
        },
      };
