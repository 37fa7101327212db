import { SpanKind, inSpan, type RunMetrics } from '@shaman/platform';
import type { callLlmActivity } from '../activities/call-llm.activity.js';
import type { callToolActivity } from '../activities/call-tool.activity.js';

type CallLlm = ReturnType<typeof callLlmActivity>;
type CallTool = ReturnType<typeof callToolActivity>;

/** A model call as a span (`llm <model>`, a client span) and a latency sample by provider, model and outcome. */
export const measureLlm =
  (callLlm: CallLlm, metrics: RunMetrics): CallLlm =>
  (input) => {
    const model = input.request.model;
    const started = performance.now();
    return inSpan(`llm ${model}`, { kind: SpanKind.CLIENT, attributes: { 'gen_ai.request.model': model, 'shaman.iteration': input.iteration } }, async (span) => {
      let outcome = 'error';
      try {
        const data = await callLlm(input);
        outcome = 'ok';
        span.setAttributes({ 'gen_ai.system': data.provider, 'gen_ai.usage.input_tokens': data.usage.inputTokens, 'gen_ai.usage.output_tokens': data.usage.outputTokens });
        metrics.llmDuration.observe({ provider: data.provider, model, outcome }, (performance.now() - started) / 1000);
        return data;
      } catch (error) {
        if (input.signal.aborted) outcome = 'aborted';
        metrics.llmDuration.observe({ provider: 'unknown', model, outcome }, (performance.now() - started) / 1000);
        throw error;
      }
    });
  };

/**
 * A tool call as a span (`tool <name>`): what a tool sends elsewhere (call_agent's A2A request, via
 * `injectTraceHeaders`) continues from it. Counted by tool and outcome (ok, error — the model saw an error —
 * or aborted).
 */
export const measureTool =
  (callTool: CallTool, metrics: RunMetrics): CallTool =>
  (input) => {
    const tool = input.call.name;
    const started = performance.now();
    return inSpan(`tool ${tool}`, { kind: SpanKind.CLIENT, attributes: { 'gen_ai.tool.name': tool, 'gen_ai.tool.call.id': input.call.id } }, async (span) => {
      let outcome = 'aborted';
      try {
        const result = await callTool(input);
        outcome = result.isError ? 'error' : 'ok';
        span.setAttribute('shaman.tool.is_error', result.isError);
        return result;
      } finally {
        metrics.toolCalls.inc({ tool, outcome });
        metrics.toolDuration.observe({ tool, outcome }, (performance.now() - started) / 1000);
      }
    });
  };
