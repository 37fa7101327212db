import type { ToolCallRequest } from '@shaman/events';
import type { LlmToolSpec } from '../llm/llm-provider.js';

/** A tool the executor can run for a model. `invoke` is keyed by the call id so a repeated call can be recognised. */
export type Tool = LlmToolSpec & {
  invoke(input: { call: ToolCallRequest; signal: AbortSignal }): Promise<unknown>;
};

export type ToolResult = { output: unknown; isError: boolean; latencyMs: number };

/**
 * Runs one tool call. A failure is not an exception here: it is a result the model observes (`isError`), as
 * an unknown tool is, so the agent can recover. Only a cancel propagates.
 */
export const callToolActivity =
  (deps: { tools: ReadonlyMap<string, Tool>; now: () => number }) =>
  async (input: { call: ToolCallRequest; allowed: readonly string[]; signal: AbortSignal }): Promise<ToolResult> => {
    const started = deps.now();
    const tool = input.allowed.includes(input.call.name) ? deps.tools.get(input.call.name) : undefined;
    if (!tool) return { output: { error: `tool ${input.call.name} is not available to this agent` }, isError: true, latencyMs: 0 };
    try {
      const output = await tool.invoke({ call: input.call, signal: input.signal });
      return { output, isError: false, latencyMs: deps.now() - started };
    } catch (error) {
      if (input.signal.aborted) throw error;
      return { output: { error: (error as Error).message }, isError: true, latencyMs: deps.now() - started };
    }
  };

/** The tools this executor offers an agent: those it names that exist. */
export const toolSpecsFor = (tools: ReadonlyMap<string, Tool>, names: readonly string[]): LlmToolSpec[] =>
  names.flatMap((n) => {
    const t = tools.get(n);
    return t ? [{ name: t.name, description: t.description, inputSchema: t.inputSchema }] : [];
  });
