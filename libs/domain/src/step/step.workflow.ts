import type { ToolCallRequest } from '@shaman/events';
import type { ChildOutcome } from '@shaman/events';
import { awaitedChild, type ExceededDeadline, type Step } from './step.state.js';

export type StepLimits = { maxIterations: number };

/**
 * What the executor must do next for a step, derived only from its recorded events. Because the answer is a
 * function of the log, an executor that resumes a step after a crash picks up exactly where the log ends:
 * a recorded model response or tool result is never requested again.
 */
export type NextAction =
  | { kind: 'ignore'; reason: 'not_requested' }
  | { kind: 'done' }
  | { kind: 'claim' }
  | { kind: 'cancel' }
  | { kind: 'call_llm'; iteration: number }
  | { kind: 'call_tool'; call: ToolCallRequest; iteration: number; alreadyRecorded: boolean }
  /** The step waits for a person (`StepInputRequired`): nothing to do until `StepInputProvided` arrives. */
  | { kind: 'await_input' }
  /** A person answered: record `text` as the result of the waiting `request_user_input` call. */
  | { kind: 'deliver_input'; toolCallId: string; text: string }
  /** A tool call waits on a child step (`call_agent`, `wait_for_agent`) that has not ended: nothing to do until its `ChildStepEnded`. */
  | { kind: 'await_child'; toolCallId: string; childStepId: string }
  /** The awaited child ended: record its outcome as the call's result. */
  | { kind: 'deliver_child'; toolCallId: string; childStepId: string; agent: string; outcome: ChildOutcome }
  | { kind: 'complete' }
  | { kind: 'fail'; code: 'max_iterations' | 'timeout'; message: string };

export const nextAction = (step: Step, limits: StepLimits): NextAction => {
  switch (step.status) {
    case 'absent':
      return { kind: 'ignore', reason: 'not_requested' };
    case 'completed':
    case 'failed':
    case 'canceled':
      return { kind: 'done' };
    case 'requested':
      return step.cancelRequested ? stop(step.timedOut) : { kind: 'claim' };
    case 'working': {
      if (step.cancelRequested) return stop(step.timedOut);
      if (step.awaitingInput) {
        const { toolCallId, answer } = step.awaitingInput;
        return answer === null ? { kind: 'await_input' } : { kind: 'deliver_input', toolCallId, text: answer };
      }
      const call = step.pendingToolCalls[0];
      const iteration = step.llmResponses - 1;
      const awaited = call ? awaitedChild(step, call.id) : null;
      if (call && awaited) {
        const { childStepId, child } = awaited;
        return child?.outcome ? { kind: 'deliver_child', toolCallId: call.id, childStepId, agent: child.agent, outcome: child.outcome } : { kind: 'await_child', toolCallId: call.id, childStepId };
      }
      if (call) return { kind: 'call_tool', call, iteration, alreadyRecorded: step.calledToolIds.includes(call.id) };
      const last = step.transcript.at(-1);
      if (last?.kind === 'assistant' && last.toolCalls.length === 0) return { kind: 'complete' };
      if (step.llmResponses >= limits.maxIterations) {
        return { kind: 'fail', code: 'max_iterations', message: `the agent used all ${limits.maxIterations} iterations without a final answer` };
      }
      return { kind: 'call_llm', iteration: step.llmResponses };
    }
  }
};

/** A cancel, or the failure a passed deadline asks for. */
const stop = (deadline: ExceededDeadline | undefined): NextAction =>
  deadline ? { kind: 'fail', code: 'timeout', message: `the ${deadline.scope} deadline of ${deadline.timeoutMs} ms passed` } : { kind: 'cancel' };
