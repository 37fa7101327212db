import type { AgentDefinition } from '@shaman/agents';
import { decideStep, evolveStep, type CommandMetadata, type StepCommand } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger } from '@shaman/platform';
import type { callLlmActivity } from './activities/call-llm.activity.js';
import type { callToolActivity, Tool, ToolSource } from './activities/call-tool.activity.js';
import type { AgentResolution, AgentResolver } from './agent-resolver.js';
import type { DeltaSink } from './llm/delta-publisher.js';
import type { DeadlineScheduler } from './deadlines/deadline-queue.js';
import { appendStepEvents, nextEventId, type StepHandle } from './step-log.js';

export type RunStepDeps = {
  store: JetStreamEventStore;
  agents: AgentResolver;
  callLlm: ReturnType<typeof callLlmActivity>;
  callTool: ReturnType<typeof callToolActivity>;
  tools: ToolSource;
  executorId: string;
  defaultMaxIterations: number;
  clock: () => Date;
  logger: Logger;
  /** Where the model's text goes while it streams (core NATS, never stored); absent: nowhere. */
  deltas?: DeltaSink | undefined;
  /** Arms step and run deadlines (BullMQ); absent without Redis: no deadlines. */
  deadlines?: DeadlineScheduler | undefined;
};

type Command<T extends StepCommand['type']> = Extract<StepCommand, { type: T }>;
/** A command without its metadata: `record` stamps time and the deterministic event id. */
export type Intent = { [T in StepCommand['type']]: { type: T; data: Command<T>['data'] } }[StepCommand['type']];

/**
 * One executor's hold on one step while it drives it: the step as the log has it (`handle`, advanced by every
 * append), and its agent and tools, resolved once per step.
 */
export type StepRun = {
  readonly deps: RunStepDeps;
  readonly signal: AbortSignal;
  readonly attempt: number;
  handle: StepHandle;
  /** Decides each intent on the state the previous one produced, and appends them all as one commit. */
  record(...intents: Intent[]): Promise<void>;
  agent(): Promise<AgentResolution>;
  tools(agent: AgentDefinition): Promise<ReadonlyMap<string, Tool>>;
};

export const startStepRun = (deps: RunStepDeps, input: { handle: StepHandle; attempt: number; signal: AbortSignal }): StepRun => {
  let agent: AgentResolution | null = null;
  let tools: ReadonlyMap<string, Tool> | null = null;
  const run: StepRun = {
    deps,
    signal: input.signal,
    attempt: input.attempt,
    handle: input.handle,
    record: async (...intents) => {
      const at = deps.clock().toISOString();
      let state = run.handle.state;
      const events = intents.map((intent, i) => {
        const metadata: CommandMetadata = { at, eventId: nextEventId(run.handle, i) };
        const event = decideStep({ ...intent, metadata } as StepCommand, state);
        state = evolveStep(state, event);
        return event;
      });
      run.handle = await appendStepEvents(deps.store, run.handle, events);
    },
    agent: async () => {
      if (agent?.ok) return agent;
      const request = 'request' in run.handle.state ? run.handle.state.request : null;
      agent = request ? await deps.agents.resolve(request.agent) : { ok: false, code: 'agent_not_found', message: 'step has no request' };
      // A fork's overrides win over the definition, for the claim's model and every model request alike.
      const overrides = request?.overrides;
      if (agent.ok && overrides) agent = { ...agent, agent: { ...agent.agent, model: overrides.model ?? agent.agent.model, systemPrompt: overrides.systemPrompt ?? agent.agent.systemPrompt } };
      return agent;
    },
    tools: async (definition) => {
      const repository = 'request' in run.handle.state && run.handle.state.request ? run.handle.state.request.agent.repository : '';
      tools ??= await deps.tools.toolsFor({ ...definition, repository, orgId: run.handle.address.orgId }, input.signal);
      return tools;
    },
  };
  return run;
};
