import { RunDataWritten, type ToolCallRequest } from '@shaman/events';
import { z } from 'zod';
import type { LlmToolSpec } from '../llm/llm-provider.js';

/**
 * Who is calling a tool: the step (and its place in the run's DAG), its agent's repository and the commit it
 * is pinned to. Platform tools scope what they read and write by it; MCP tools ignore it.
 */
export type ToolContext = {
  orgId: string;
  runId: string;
  stepId: string;
  agent: string;
  depth: number;
  repository: string;
  commit?: string | null;
  /** Agent names from the run's root down to this step's agent: what a call's token carries as its chain. */
  callChain?: readonly string[];
  /** Child steps this step has started so far (`call_agent`'s fan-out limit). */
  children?: number;
};

/** A tool the executor can run for a model. `invoke` is keyed by the call id so a repeated call can be recognised. */
export type Tool = LlmToolSpec & {
  invoke(input: { call: ToolCallRequest; signal: AbortSignal; context: ToolContext }): Promise<unknown>;
};

/** A value a tool asks the step to write to its run's data; the step adds the attribution (its agent). */
export const RunDataFact = RunDataWritten.shape.data.omit({ agent: true });
export type RunDataFact = z.infer<typeof RunDataFact>;

/** A child step a tool started (`call_agent`): recorded as `AgentCalled`; a blocking one parks the step until the child ends. */
export type ChildCall = { childStepId: string; agent: string; mode: 'blocking' | 'async' };

export type ToolResult = { output: unknown; isError: boolean; latencyMs: number; facts?: RunDataFact[]; childCall?: ChildCall };

// A symbol, so no JSON a tool returns (an MCP server's, say) can pass for an outcome.
const OUTCOME: unique symbol = Symbol('shaman.toolOutcome');
export type ToolOutcome = { readonly [OUTCOME]: true; output: unknown; facts: RunDataFact[]; childCall?: ChildCall };

/**
 * A tool's output together with facts to record in the same commit as its result. Recording them with the
 * result, not from inside the tool, keeps them behind the step's fence and exactly-once: a tool re-invoked
 * after a crash had recorded nothing the first time.
 */
export const toolOutcome = (output: unknown, facts: RunDataFact[], childCall?: ChildCall): ToolOutcome => ({ [OUTCOME]: true, output, facts, ...(childCall ? { childCall } : {}) });

const isToolOutcome = (value: unknown): value is ToolOutcome => typeof value === 'object' && value !== null && OUTCOME in value;

/**
 * Where an agent's tools come from (built-in, MCP servers, …): exactly the tools that agent may use, by name.
 * A source that cannot provide them (an MCP server down) throws, and the step is retried by redelivery.
 */
export type ToolSource = {
  /** `orgId` is the step's organization: sources that need tenant data (secrets) scope it by that. */
  toolsFor(agent: { name: string; repository: string; tools: readonly string[]; mcpServers?: unknown; orgId?: string }, signal: AbortSignal): Promise<ReadonlyMap<string, Tool>>;
};

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
  async (input: { call: ToolCallRequest; tools: ReadonlyMap<string, Tool>; signal: AbortSignal; context: ToolContext }): Promise<ToolResult> => {
    const started = deps.now();
    const tool = input.tools.get(input.call.name);
    if (!tool) return { output: { error: `tool ${input.call.name} is not available to this agent` }, isError: true, latencyMs: 0 };
    try {
      const returned = await tool.invoke({ call: input.call, signal: input.signal, context: input.context });
      if (!isToolOutcome(returned)) return { output: returned, isError: false, latencyMs: deps.now() - started };
      // An invalid fact would be an event no reader can parse: refuse it here, as the model's observation.
      const facts = z.array(RunDataFact).parse(returned.facts);
      const childCall = returned.childCall ? { childCall: returned.childCall } : {};
      return { output: returned.output, isError: false, latencyMs: deps.now() - started, ...(facts.length > 0 ? { facts } : {}), ...childCall };
    } catch (error) {
      if (input.signal.aborted) throw error;
      return { output: { error: (error as Error).message }, isError: true, latencyMs: deps.now() - started };
    }
  };

/** What a model is told about the tools it may call. */
export const toolSpecsOf = (tools: ReadonlyMap<string, Tool>): LlmToolSpec[] =>
  [...tools.values()].map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
