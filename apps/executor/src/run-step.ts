import type { AgentDefinition } from '@shaman/agents';
import type { ToolCallRequest } from '@shaman/events';
import { decideStep, evolveStep, nextAction, priceUsage, type CommandMetadata, type Step, type StepCommand, type WorkingStep } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger } from '@shaman/platform';
import { buildLlmRequest, type callLlmActivity } from './activities/call-llm.activity.js';
import { toolSpecsOf, type callToolActivity, type Tool, type ToolSource } from './activities/call-tool.activity.js';
import type { AgentResolver } from './agent-resolver.js';
import { LlmError } from './llm/llm-provider.js';
import { appendStepEvents, nextEventId, type StepHandle } from './step-log.js';
import { REQUEST_USER_INPUT, promptOf } from './tools/platform/request-user-input.tool.js';

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
};

type Command<T extends StepCommand['type']> = Extract<StepCommand, { type: T }>;
type Loop = { handle: StepHandle; agent: AgentDefinition | null; tools: ReadonlyMap<string, Tool> | null };
/** A command without its metadata: `record` stamps time and the deterministic event id. */
type Intent = { [T in StepCommand['type']]: { type: T; data: Command<T>['data'] } }[StepCommand['type']];

/**
 * Drives one step from wherever its log ends to a terminal event, or until it waits for user input
 * (`await_input`: it returns without one and nothing holds the step). Every decision is appended behind the
 * fence before it is acted on; a `FencedError` from an append means another executor owns the step now,
 * and propagates so the caller lets go without acking.
 */
export const runStep = (deps: RunStepDeps) => async (input: { handle: StepHandle; attempt: number; signal: AbortSignal }): Promise<StepHandle> => {
  let loop: Loop = { handle: input.handle, agent: null, tools: null };
  const toolsOf = async (agent: AgentDefinition): Promise<ReadonlyMap<string, Tool>> => {
    const repository = 'request' in loop.handle.state && loop.handle.state.request ? loop.handle.state.request.agent.repository : '';
    const tools = loop.tools ?? (await deps.tools.toolsFor({ ...agent, repository }, input.signal));
    loop = { ...loop, tools };
    return tools;
  };
  // Decides each intent on the state the previous one produced, and appends them all as one commit.
  const record = async (...intents: Intent[]): Promise<void> => {
    const at = deps.clock().toISOString();
    let state = loop.handle.state;
    const events = intents.map((intent, i) => {
      const metadata: CommandMetadata = { at, eventId: nextEventId(loop.handle, i) };
      const event = decideStep({ ...intent, metadata } as StepCommand, state);
      state = evolveStep(state, event);
      return event;
    });
    loop = { ...loop, handle: await appendStepEvents(deps.store, loop.handle, events) };
  };
  if (loop.handle.state.status === 'working') await record({ type: 'ResumeStep', data: { executorId: deps.executorId, attempt: input.attempt } });
  for (;;) {
    const state = input.signal.aborted ? withCancel(loop.handle.state) : loop.handle.state;
    const action = nextAction(state, { maxIterations: loop.agent?.maxIterations ?? deps.defaultMaxIterations });
    switch (action.kind) {
      case 'ignore':
      case 'done':
        return loop.handle;
      // Parked: the question is recorded and nothing holds the step; its answer comes as a new request.
      case 'await_input':
        deps.logger.info({ stepId: loop.handle.address.stepId }, 'step waits for user input');
        return loop.handle;
      case 'deliver_input':
        await record({ type: 'RecordToolResult', data: { toolCallId: action.toolCallId, output: action.text, isError: false, latencyMs: 0 } });
        break;
      case 'cancel':
        await record({ type: 'CancelStep', data: { reason: 'canceled by request' } });
        break;
      case 'complete':
        await record({ type: 'CompleteStep', data: {} });
        break;
      case 'fail':
        await record({ type: 'FailStep', data: { code: action.code, message: action.message } });
        break;
      case 'claim':
      case 'call_llm': {
        const resolved = await resolveAgent(deps, loop);
        if (!resolved.ok) {
          await record({ type: 'FailStep', data: { code: resolved.code, message: resolved.message } });
          break;
        }
        loop = { ...loop, agent: resolved.agent };
        const toolFailure = action.kind === 'call_llm' ? await permanentToolFailure(() => toolsOf(resolved.agent)) : null;
        if (toolFailure) {
          await record({ type: 'FailStep', data: { code: 'tool_error', message: toolFailure } });
          break;
        }
        if (action.kind === 'claim') await record({ type: 'ClaimStep', data: { executorId: deps.executorId, attempt: input.attempt, model: resolved.agent.model } });
        else await askModel({ deps, loop, tools: await toolsOf(resolved.agent), iteration: action.iteration, signal: input.signal, record });
        break;
      }
      case 'call_tool': {
        const resolved = await resolveAgent(deps, loop);
        const tools = resolved.ok ? await toolsOf(resolved.agent) : new Map<string, Tool>();
        const question = questionOf(action.call, tools);
        const recordCall: Intent[] = action.alreadyRecorded ? [] : [{ type: 'RecordToolCall', data: { iteration: action.iteration, call: action.call } }];
        // The call and its question are one decision, one commit: a step never waits on a call it did not record.
        if (question !== null) {
          await record(...recordCall, { type: 'RequestInput', data: { toolCallId: action.call.id, prompt: question } });
          break;
        }
        if (recordCall.length > 0) await record(...recordCall);
        const { address, state } = loop.handle;
        const { agent: ref, depth } = (state as WorkingStep).request;
        const agent = ref.name;
        const context = { ...address, agent, depth, repository: ref.repository };
        const { facts = [], ...result } = await deps.callTool({ call: action.call, tools, signal: input.signal, context });
        // Facts first, in the result's commit: whoever sees the result also sees what the tool wrote.
        const writes = facts.map((fact): Intent => ({ type: 'RecordRunData', data: { ...fact, agent } }));
        await record(...writes, { type: 'RecordToolResult', data: { toolCallId: action.call.id, ...result } });
        break;
      }
    }
  }
};

const resolveAgent = async (deps: RunStepDeps, loop: Loop) => {
  if (loop.agent) return { ok: true as const, agent: loop.agent };
  const request = 'request' in loop.handle.state ? loop.handle.state.request : null;
  if (!request) return { ok: false as const, code: 'agent_not_found' as const, message: 'step has no request' };
  return deps.agents.resolve(request.agent);
};

/** The prompt of a valid `request_user_input` call the agent was offered; null for any other call (invoked as usual). */
const questionOf = (call: ToolCallRequest, tools: ReadonlyMap<string, Tool>): string | null => {
  if (call.name !== REQUEST_USER_INPUT || !tools.has(REQUEST_USER_INPUT)) return null;
  try {
    return promptOf(call.arguments);
  } catch {
    return null; // invoked, so the model sees the validation error as the call's result
  }
};

type Record = (...intents: Intent[]) => Promise<void>;

const askModel = async (input: { deps: RunStepDeps; loop: Loop; tools: ReadonlyMap<string, Tool>; iteration: number; signal: AbortSignal; record: Record }): Promise<void> => {
  const { deps, loop, signal, record } = input;
  const step = loop.handle.state as WorkingStep;
  const agent = loop.agent as AgentDefinition;
  const request = buildLlmRequest(step, agent, toolSpecsOf(input.tools));
  try {
    const data = await deps.callLlm({ request, iteration: input.iteration, signal });
    const usage: Intent = { type: 'RecordUsage', data: { iteration: data.iteration, provider: data.provider, model: data.model, agent: agent.name, ...data.usage, ...priceUsage({ model: data.model, ...data.usage }) } };
    // The answer, what it cost and (for a final answer) the completion it implies are one decision: one commit.
    const final: Intent[] = data.response.toolCalls.length === 0 ? [{ type: 'CompleteStep', data: {} }] : [];
    await record({ type: 'RecordLlmResponse', data }, usage, ...final);
  } catch (error) {
    if (signal.aborted) return; // the loop turns the abort into a recorded cancel
    // Transient (outage, throttling, malformed output): hand the step back for a delayed redelivery.
    if (!(error instanceof LlmError) || error.retryable) throw error;
    deps.logger.warn({ err: error, stepId: step.request.stepId }, 'model call failed');
    await record({ type: 'FailStep', data: { code: 'model_error', message: `${error.code}: ${error.message}` } });
  }
};

/**
 * Loads the agent's tools; a failure that retrying cannot fix (a refused command, a missing secret) becomes the
 * step's failure message, while a transient one (a server down) propagates so the step is redelivered.
 */
const permanentToolFailure = async (load: () => Promise<unknown>): Promise<string | null> => {
  try {
    await load();
    return null;
  } catch (error) {
    if ((error as { permanent?: unknown }).permanent === true) return (error as Error).message;
    throw error;
  }
};

/** A locally aborted step is treated as if its cancel were already folded in. */
const withCancel = (step: Step): Step => ('cancelRequested' in step ? { ...step, cancelRequested: true } : step);
