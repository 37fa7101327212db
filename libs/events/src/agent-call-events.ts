import { z } from 'zod';
import { defineEvent } from './define-event.js';
import { StepId } from './ids.js';

/**
 * The step asked another agent (`call_agent`) and the child step exists: `childStepId` is its A2A task id. A
 * `blocking` call parks the step until the child's `ChildStepEnded` arrives (the executor holds nothing while it
 * waits); an `async` call's tool result (the task id) is recorded in the same commit, and the model may later
 * wait for it with `wait_for_agent`.
 */
export const AgentCalled = defineEvent(
  'AgentCalled',
  z.object({
    toolCallId: z.string().min(1),
    childStepId: StepId,
    agent: z.string().min(1),
    mode: z.enum(['blocking', 'async']),
  }),
);
export type AgentCalled = z.infer<typeof AgentCalled>;

/** `wait_for_agent`: the result of tool call `toolCallId` is the outcome of the earlier async child `childStepId`. */
export const AgentAwaited = defineEvent('AgentAwaited', z.object({ toolCallId: z.string().min(1), childStepId: StepId }));
export type AgentAwaited = z.infer<typeof AgentAwaited>;

/** How a child step ended, as its parent's model will observe it. */
export const ChildOutcome = z.discriminatedUnion('state', [
  z.object({ state: z.literal('completed'), text: z.string() }),
  z.object({ state: z.literal('failed'), message: z.string() }),
  z.object({ state: z.literal('canceled'), reason: z.string().optional() }),
]);
export type ChildOutcome = z.infer<typeof ChildOutcome>;

/**
 * A child step ended: a request event on the PARENT's request subject, appended by the executor that ended the
 * child. It is what resumes a parent parked on that child (any executor may pick it up), and it is folded into
 * the parent's state even when nothing waits yet, for a later `wait_for_agent`.
 */
export const ChildStepEnded = defineEvent('ChildStepEnded', z.object({ childStepId: StepId, agent: z.string().min(1), outcome: ChildOutcome }));
export type ChildStepEnded = z.infer<typeof ChildStepEnded>;
