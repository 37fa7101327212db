import type { ToolCallRequest } from '@shaman/events';
import type { LlmToolSpec } from '../llm/llm-provider.js';

/** A tool the executor can run for a model. `invoke` is keyed by the call id so a repeated call can be recognised. */
export type Tool = LlmToolSpec & {
  invoke(input: { call: ToolCallRequest; signal: AbortSignal }): Promise<unknown>;
};

export type ToolResult = { output: unknown; isError: boolean; latencyMs: number };

/**
 * Where an agent's tools come from (built-in, MCP servers, …): exactly the tools that agent may use, by name.
 * A source that cannot provide them (an MCP server down) throws, and the step is retried by redelivery.
 */
export type ToolSource = { toolsFor(agent: { name: string; repository: string; tools: readonly string[]; mcpServers?: unknown }, signal: AbortSignal): Promise<ReadonlyMap<string, Tool>> };

/** Tools built into the executor, offered to agents that list them in `tools`. */
export const staticToolSource = (tools: ReadonlyMap<string, Tool>): ToolSource => ({
  toolsFor: async (agent) => new Map([...tools].filter(([name]) => agent.tools.includes(name))),
});

/** Several sources, merged; on a name clash the earlier source wins. */
export const combineToolSources = (...sources: ToolSource[]): ToolSource => ({
  toolsFor: async (agent, signal) => {
    const maps = await Promise.all(sources.map((s) => s.toolsFor(agent, signal)));
    const merged = new Map<string, Tool>();
    for (const map of maps) for (const [name, tool] of map) if (!merged.has(name)) merged.set(name, tool);
    return merged;
  },
});

/**
 * Runs one tool call. A failure is not an exception here: it is a result the model observes (`isError`), as
 * an unknown tool is, so the agent can recover. Only a cancel propagates.
 */
export const callToolActivity =
  (deps: { now: () => number }) =>
  async (input: { call: ToolCallRequest; tools: ReadonlyMap<string, Tool>; signal: AbortSignal }): Promise<ToolResult> => {
    const started = deps.now();
    const tool = input.tools.get(input.call.name);
    if (!tool) return { output: { error: `tool ${input.call.name} is not available to this agent` }, isError: true, latencyMs: 0 };
    try {
      const output = await tool.invoke({ call: input.call, signal: input.signal });
      return { output, isError: false, latencyMs: deps.now() - started };
    } catch (error) {
      if (input.signal.aborted) throw error;
      return { output: { error: (error as Error).message }, isError: true, latencyMs: deps.now() - started };
    }
  };

/** What a model is told about the tools it may call. */
export const toolSpecsOf = (tools: ReadonlyMap<string, Tool>): LlmToolSpec[] =>
  [...tools.values()].map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
