import type { AgentDefinition } from '@shaman/agents';
import { decideStep, evolveStep, type CommandMetadata, type Step, type StepCommand } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { StepEvent } from '@shaman/events';
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
  /**
   * How long a claim may wait to share the first model answer's commit (0: the claim is always its own commit).
   * See `StepRun.stage`.
   */
  claimWithAnswerMs?: number | undefined;
};

type Command<T extends StepCommand['type']> = Extract<StepCommand, { type: T }>;
/** A command without its metadata: `record` stamps time and the deterministic event id. */
export type Intent = { [T in StepCommand['type']]: { type: T; data: Command<T>['data'] } }[StepCommand['type']];

/**
 * One executor's hold on one step while it drives it: the step as the log has it (`handle`, advanced by every
 * append), what it has decided but not yet appended (`stage`), and its agent and tools, resolved once per step.
 */
export type StepRun = {
  readonly deps: RunStepDeps;
  readonly signal: AbortSignal;
  readonly attempt: number;
  handle: StepHandle;
  /** The step as the log will have it once the staged events are appended: what the next decision is made on. */
  state(): Step;
  /**
   * Decides intents now (stamped now) without appending them: they lead the next `record`'s commit, or are
   * appended alone by `flush`, at the latest `flushAfterMs` after staging. A claim staged this way shares one
   * commit with a model answer that comes within that time: one append, one delivery to every reader, instead
   * of two; a slower answer finds the claim already in the log, as if it had never been staged.
   */
  stage(intents: Intent[], options: { flushAfterMs: number }): void;
  /** Appends the staged events, if any, as their own commit. */
  flush(): Promise<void>;
  /** Decides each intent on the state the previous one produced, and appends them (after any staged) as one commit. */
  record(...intents: Intent[]): Promise<void>;
  agent(): Promise<AgentResolution>;
  tools(agent: AgentDefinition): Promise<ReadonlyMap<string, Tool>>;
};

export const startStepRun = (deps: RunStepDeps, input: { handle: StepHandle; attempt: number; signal: AbortSignal }): StepRun => {
  let agent: AgentResolution | null = null;
  let tools: ReadonlyMap<string, Tool> | null = null;
  let staged: { events: StepEvent[]; state: Step; timer: ReturnType<typeof setTimeout> } | null = null;
  // Appends run one after another: each decides on the handle the previous one left, so ids and the fence agree.
  let appending: Promise<unknown> = Promise.resolve();
  const serially = (append: () => Promise<void>): Promise<void> => {
    const next = appending.then(append);
    appending = next.catch(() => undefined);
    return next;
  };
  const decide = (intents: Intent[], from: { state: Step; offset: number }): { events: StepEvent[]; state: Step } => {
    const at = deps.clock().toISOString();
    let state = from.state;
    const events = intents.map((intent, i) => {
      const metadata: CommandMetadata = { at, eventId: nextEventId(run.handle, from.offset + i) };
      const event = decideStep({ ...intent, metadata } as StepCommand, state);
      state = evolveStep(state, event);
      return event;
    });
    return { events, state };
  };
  /** The staged events are in the log now. */
  const unstage = (): void => {
    if (staged !== null) clearTimeout(staged.timer);
    staged = null;
  };
  const run: StepRun = {
    deps,
    signal: input.signal,
    attempt: input.attempt,
    handle: input.handle,
    state: () => staged?.state ?? run.handle.state,
    stage: (intents, options) => {
      if (staged !== null) throw new Error('stage: events are already staged');
      const decided = decide(intents, { state: run.handle.state, offset: 0 });
      // A failed flush here is the next append's to report: it finds the events still staged and tries again.
      const timer = setTimeout(() => void run.flush().catch(() => undefined), options.flushAfterMs);
      staged = { ...decided, timer };
    },
    flush: () =>
      serially(async () => {
        const events = staged?.events ?? [];
        if (events.length === 0) return;
        run.handle = await appendStepEvents(deps.store, run.handle, events);
        unstage();
      }),
    record: (...intents) =>
      serially(async () => {
        const lead = staged?.events ?? [];
        const { events } = decide(intents, { state: run.state(), offset: lead.length });
        run.handle = await appendStepEvents(deps.store, run.handle, [...lead, ...events]);
        unstage();
      }),
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
