import type { AgentDefinition } from '@shaman/agents';
import { stepEventStream, type ToolCallRequest } from '@shaman/events';
import { nextAction, priceUsage, toolsOfferChanged, type NextAction, type Step, type WorkingStep } from '@shaman/domain';
import { buildLlmRequest } from './activities/call-llm.activity.js';
import { toolSpecsOf, type Tool } from './activities/call-tool.activity.js';
import { LlmError } from './llm/llm-provider.js';
import { FencedError, loadStep, type StepHandle } from './step-log.js';
import { armDeadlines } from './deadlines/arm-deadlines.js';
import { deadlineOf } from './deadlines/deadline-abort.js';
import { cancelOpenChildren, childResult } from './child-calls.js';
import { WAIT_FOR_AGENT, waitTarget } from './tools/platform/call-agent.tool.js';
import { startStepRun, type Intent, type RunStepDeps, type StepRun } from './step-run.js';
import { REQUEST_USER_INPUT, promptOf } from './tools/platform/request-user-input.tool.js';

export type { RunStepDeps } from './step-run.js';

/**
 * Drives one step from wherever its log ends to a terminal event, or until it waits for user input
 * (`await_input`: it returns without one and nothing holds the step). Every decision is appended behind the
 * fence before it is acted on (a staged claim is appended with the first decision after it, or alone, before
 * this returns or throws); a `FencedError` from an append means another executor owns the step now, and
 * propagates so the caller lets go without acking.
 */
export const runStep = (deps: RunStepDeps) => async (input: { handle: StepHandle; attempt: number; signal: AbortSignal }): Promise<StepHandle> => {
  const run = startStepRun(deps, input);
  try {
    await drive(run, input.signal);
  } catch (error) {
    // What was decided before the failure is in the log, as it would be had it been appended at once.
    if (!(error instanceof FencedError)) await run.flush().catch(() => undefined);
    throw error;
  }
  await run.flush();
  return run.handle;
};

const drive = async (run: StepRun, signal: AbortSignal): Promise<void> => {
  const { deps } = run;
  if (run.handle.state.status === 'working') {
    await run.record({ type: 'ResumeStep', data: { executorId: deps.executorId, attempt: run.attempt } });
    armDeadlines(run);
  }
  for (;;) {
    const state = signal.aborted ? withCancel(run.state(), signal.reason) : run.state();
    const agent = await run.agent();
    const action = nextAction(state, { maxIterations: agent.ok ? agent.agent.maxIterations : deps.defaultMaxIterations });
    if (action.kind === 'ignore' || action.kind === 'done') return;
    // Parked: the question is recorded and nothing holds the step; its answer comes as a new request.
    if (action.kind === 'await_input') {
      deps.logger.info({ stepId: run.handle.address.stepId }, 'step waits for user input');
      return;
    }
    // Parked on a child: its `ChildStepEnded` resumes the step on whichever executor picks it up. A child that
    // ended before the call was recorded has already been delivered (and let go, the step not yet waiting), so
    // look at the log once more before letting go.
    if (action.kind === 'await_child') {
      await run.flush();
      const latest = await loadStep(deps.store, run.handle.address);
      if (latest.version !== run.handle.version || !childEnded(latest.state, action.childStepId)) {
        deps.logger.info({ stepId: run.handle.address.stepId, childStepId: action.childStepId }, 'step waits for the agent it called');
        return;
      }
      run.handle = latest;
      continue;
    }
    await turn(run, action).catch(unlessAborted(signal));
  }
};

type Turn = Exclude<NextAction, { kind: 'ignore' | 'done' | 'await_input' | 'await_child' }>;

const childEnded = (step: Step, childStepId: string): boolean => step.status === 'working' && (step.children[childStepId]?.outcome ?? null) !== null;

const turn = async (run: StepRun, action: Turn): Promise<void> => {
  switch (action.kind) {
    case 'deliver_input':
      return run.record({ type: 'RecordToolResult', data: { toolCallId: action.toolCallId, output: action.text, isError: false, latencyMs: 0 } });
    case 'deliver_child':
      return run.record({ type: 'RecordToolResult', data: { toolCallId: action.toolCallId, ...childResult(action), latencyMs: 0 } });
    case 'cancel':
      // Children first: a crash after the step's own cancel would leave nobody to cancel them.
      await cancelOpenChildren(run);
      return run.record({ type: 'CancelStep', data: { reason: 'canceled by request' } });
    case 'complete':
      return run.record({ type: 'CompleteStep', data: {} });
    case 'fail':
      if (action.code === 'timeout') await cancelOpenChildren(run); // a timed-out step ends its calls, as a cancel does
      return run.record({ type: 'FailStep', data: { code: action.code, message: action.message } });
    case 'claim':
    case 'call_llm':
      return modelTurn(run, action);
    case 'call_tool':
      return toolTurn(run, action);
  }
};

/** Claims the step or asks the model, once the agent (and, for a model call, its tools) can be had. */
const modelTurn = async (run: StepRun, action: Extract<NextAction, { kind: 'claim' | 'call_llm' }>): Promise<void> => {
  const resolved = await run.agent();
  if (!resolved.ok) return run.record({ type: 'FailStep', data: { code: resolved.code, message: resolved.message } });
  if (action.kind === 'claim') {
    const claim: Intent = { type: 'ClaimStep', data: { executorId: run.deps.executorId, attempt: run.attempt, model: resolved.agent.model } };
    const flushAfterMs = run.deps.claimWithAnswerMs ?? 0;
    // Staged, the claim leads the first answer's commit when the model answers within flushAfterMs.
    if (flushAfterMs > 0 && (run.handle.verified === true || (await isCurrent(run)))) run.stage([claim], { flushAfterMs });
    else await run.record(claim);
    return armDeadlines(run);
  }
  const tools = await permanentToolFailure(() => run.tools(resolved.agent));
  if (typeof tools === 'string') return run.record({ type: 'FailStep', data: { code: 'tool_error', message: tools } });
  return askModel(run, { agent: resolved.agent, tools, iteration: action.iteration });
};

/**
 * Whether the step's event subject ends where this executor's handle does. A first delivery is taken to be a
 * fresh step without reading it (request-handler), but JetStream does not count a delivery to an executor that
 * died before acking, so the next one can also say "first" while the step has events. A claim appended at once
 * is fenced there before anything else happens; a staged one would first ask the model again what its owner
 * already asked, so staging waits for this one read — unless the request is younger than any redelivery could
 * be (`StepHandle.verified`).
 */
const isCurrent = async (run: StepRun): Promise<boolean> => {
  const last = await run.deps.store.lastCommit(stepEventStream(run.handle.address));
  return BigInt(last?.seq ?? 0) === run.handle.version;
};

const toolTurn = async (run: StepRun, action: Extract<NextAction, { kind: 'call_tool' }>): Promise<void> => {
  const resolved = await run.agent();
  const tools = resolved.ok ? await run.tools(resolved.agent) : new Map<string, Tool>();
  const recordCall: Intent[] = action.alreadyRecorded ? [] : [{ type: 'RecordToolCall', data: { iteration: action.iteration, call: action.call } }];
  // The call and its question are one decision, one commit: a step never waits on a call it did not record.
  const question = questionOf(action.call, tools);
  if (question !== null) return run.record(...recordCall, { type: 'RequestInput', data: { toolCallId: action.call.id, prompt: question } });
  if (action.call.name === WAIT_FOR_AGENT && tools.has(WAIT_FOR_AGENT)) return waitForAgent(run, action.call, recordCall);
  if (recordCall.length > 0) await run.record(...recordCall);
  const step = run.state() as WorkingStep;
  const { agent: ref, depth, callChain } = step.request;
  const context = { ...run.handle.address, agent: ref.name, depth, repository: ref.repository, commit: ref.commit, callChain, children: Object.keys(step.children).length };
  const { facts = [], childCall, ...result } = await run.deps.callTool({ call: action.call, tools, signal: run.signal, context });
  if (childCall) {
    const called: Intent = { type: 'RecordAgentCall', data: { toolCallId: action.call.id, ...childCall } };
    // Blocking: the call's result is the child's outcome, recorded when it arrives. Async: the task id is the result now.
    return run.record(called, ...(childCall.mode === 'async' ? [{ type: 'RecordToolResult', data: { toolCallId: action.call.id, ...result } } as Intent] : []));
  }
  // Facts first, in the result's commit: whoever sees the result also sees what the tool wrote.
  const writes = facts.map((fact): Intent => ({ type: 'RecordRunData', data: { ...fact, agent: ref.name } }));
  return run.record(...writes, { type: 'RecordToolResult', data: { toolCallId: action.call.id, ...result } });
};

/** `wait_for_agent`: the call's result becomes the outcome of an async child this step started, now or once it ends. */
const waitForAgent = (run: StepRun, call: ToolCallRequest, recordCall: Intent[]): Promise<void> => {
  const target = waitTarget(call.arguments);
  const step = run.state() as WorkingStep;
  if (target.ok && step.children[target.taskId]) return run.record(...recordCall, { type: 'AwaitAgent', data: { toolCallId: call.id, childStepId: target.taskId } });
  const error = target.ok ? `wait_for_agent: ${target.taskId} is not an agent this step called` : target.error;
  return run.record(...recordCall, { type: 'RecordToolResult', data: { toolCallId: call.id, output: { error }, isError: true, latencyMs: 0 } });
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

const askModel = async (run: StepRun, input: { agent: AgentDefinition; tools: ReadonlyMap<string, Tool>; iteration: number }): Promise<void> => {
  const { deps, signal } = run;
  const step = run.state() as WorkingStep;
  const specs = toolSpecsOf(input.tools);
  const request = buildLlmRequest(step, input.agent, specs);
  try {
    const sink = deps.deltas;
    const deltas = sink ? () => sink(run.handle.address, { iteration: input.iteration }) : undefined;
    const data = await deps.callLlm({ request, iteration: input.iteration, signal, deltas });
    const priced = { ...data.usage, ...priceUsage({ model: data.model, ...data.usage, cached: data.cache?.hit === true }) };
    const usage: Intent = { type: 'RecordUsage', data: { iteration: data.iteration, provider: data.provider, model: data.model, agent: input.agent.name, ...priced } };
    // The answer, what it cost and (for a final answer) the completion it implies are one decision: one commit.
    const final: Intent[] = data.response.toolCalls.length === 0 ? [{ type: 'CompleteStep', data: {} }] : [];
    // What the model was offered, when it changed: re-execution offers exactly that (docs/replay.md, ToolsOffered).
    const offered: Intent[] = toolsOfferChanged(step, specs) ? [{ type: 'OfferTools', data: { tools: specs } }] : [];
    await run.record(...offered, { type: 'RecordLlmResponse', data }, usage, ...final);
  } catch (error) {
    if (signal.aborted) return; // the loop turns the abort into a recorded cancel
    // Transient (outage, throttling, malformed output): hand the step back for a delayed redelivery.
    if (!(error instanceof LlmError) || error.retryable) throw error;
    deps.logger.warn({ err: error, stepId: step.request.stepId }, 'model call failed');
    await run.record({ type: 'FailStep', data: { code: 'model_error', message: `${error.code}: ${error.message}` } });
  }
};

/**
 * Loads the agent's tools; a failure that retrying cannot fix (a refused command, a missing secret) comes back
 * as the step's failure message, while a transient one (a server down) propagates so the step is redelivered.
 */
const permanentToolFailure = async (load: () => Promise<ReadonlyMap<string, Tool>>): Promise<ReadonlyMap<string, Tool> | string> => {
  try {
    return await load();
  } catch (error) {
    if ((error as { permanent?: unknown }).permanent === true) return (error as Error).message;
    throw error;
  }
};

/** A locally aborted step is treated as if its cancel were already folded in. */
const withCancel = (step: Step, reason: unknown): Step => {
  if (!('cancelRequested' in step)) return step;
  const deadline = step.timedOut ?? deadlineOf(reason); // aborted for a deadline: the step fails with `timeout`
  return { ...step, cancelRequested: true, ...(deadline ? { timedOut: deadline } : {}) };
};

/** A call the abort interrupted (a tool's, say) ends the turn; the loop then records the cancel or the timeout. */
const unlessAborted =
  (signal: AbortSignal) =>
  (error: unknown): void => {
    if (!signal.aborted || error instanceof FencedError) throw error;
  };
