import type { AgentDefinition } from '@shaman/agents';
import { decideStep, nextAction, type CommandMetadata, type Step, type StepCommand, type WorkingStep } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger } from '@shaman/platform';
import { buildLlmRequest, type callLlmActivity } from './activities/call-llm.activity.js';
import { toolSpecsFor, type callToolActivity, type Tool } from './activities/call-tool.activity.js';
import type { AgentResolver } from './agent-resolver.js';
import { LlmError } from './llm/llm-provider.js';
import { appendStepEvent, nextEventId, type StepHandle } from './step-log.js';

export type RunStepDeps = {
  store: JetStreamEventStore;
  agents: AgentResolver;
  callLlm: ReturnType<typeof callLlmActivity>;
  callTool: ReturnType<typeof callToolActivity>;
  tools: ReadonlyMap<string, Tool>;
  executorId: string;
  defaultMaxIterations: number;
  clock: () => Date;
  logger: Logger;
};

type Command<T extends StepCommand['type']> = Extract<StepCommand, { type: T }>;
type Loop = { handle: StepHandle; agent: AgentDefinition | null };

/**
 * Drives one step from wherever its log ends to a terminal event. Every decision is appended behind the
 * fence before it is acted on; a `FencedError` from an append means another executor owns the step now,
 * and propagates so the caller lets go without acking.
 */
export const runStep = (deps: RunStepDeps) => async (input: { handle: StepHandle; attempt: number; signal: AbortSignal }): Promise<StepHandle> => {
  let loop: Loop = { handle: input.handle, agent: null };
  const record = async <T extends StepCommand['type']>(type: T, data: Command<T>['data']): Promise<void> => {
    const metadata: CommandMetadata = { at: deps.clock().toISOString(), eventId: nextEventId(loop.handle) };
    const event = decideStep({ type, data, metadata } as StepCommand, loop.handle.state);
    loop = { ...loop, handle: await appendStepEvent(deps.store, loop.handle, event) };
  };
  if (loop.handle.state.status === 'working') await record('ResumeStep', { executorId: deps.executorId, attempt: input.attempt });
  for (;;) {
    const state = input.signal.aborted ? withCancel(loop.handle.state) : loop.handle.state;
    const action = nextAction(state, { maxIterations: loop.agent?.maxIterations ?? deps.defaultMaxIterations });
    switch (action.kind) {
      case 'ignore':
      case 'done':
        return loop.handle;
      case 'cancel':
        await record('CancelStep', { reason: 'canceled by request' });
        break;
      case 'complete':
        await record('CompleteStep', {});
        break;
      case 'fail':
        await record('FailStep', { code: action.code, message: action.message });
        break;
      case 'claim':
      case 'call_llm': {
        const resolved = await resolveAgent(deps, loop);
        if (!resolved.ok) {
          await record('FailStep', { code: resolved.code, message: resolved.message });
          break;
        }
        loop = { ...loop, agent: resolved.agent };
        if (action.kind === 'claim') await record('ClaimStep', { executorId: deps.executorId, attempt: input.attempt, model: resolved.agent.model });
        else await askModel({ deps, loop, iteration: action.iteration, signal: input.signal, record });
        break;
      }
      case 'call_tool': {
        if (!action.alreadyRecorded) await record('RecordToolCall', { iteration: action.iteration, call: action.call });
        const result = await deps.callTool({ call: action.call, allowed: loop.agent?.tools ?? [], signal: input.signal });
        await record('RecordToolResult', { toolCallId: action.call.id, ...result });
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

type Record = <T extends StepCommand['type']>(type: T, data: Command<T>['data']) => Promise<void>;

const askModel = async (input: { deps: RunStepDeps; loop: Loop; iteration: number; signal: AbortSignal; record: Record }): Promise<void> => {
  const { deps, loop, signal, record } = input;
  const step = loop.handle.state as WorkingStep;
  const agent = loop.agent as AgentDefinition;
  const request = buildLlmRequest(step, agent, toolSpecsFor(deps.tools, agent.tools));
  try {
    const data = await deps.callLlm({ request, iteration: input.iteration, signal });
    await record('RecordLlmResponse', data);
  } catch (error) {
    if (signal.aborted) return; // the loop turns the abort into a recorded cancel
    if (!(error instanceof LlmError)) throw error;
    deps.logger.warn({ err: error, stepId: step.request.stepId }, 'model call failed');
    await record('FailStep', { code: 'model_error', message: `${error.code}: ${error.message}` });
  }
};

/** A locally aborted step is treated as if its cancel were already folded in. */
const withCancel = (step: Step): Step => ('cancelRequested' in step ? { ...step, cancelRequested: true } : step);
