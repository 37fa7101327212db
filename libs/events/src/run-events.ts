import { z } from 'zod';
import { defineEvent } from './define-event.js';
import { AgentName, StepId } from './ids.js';
import { ChatMessage } from './message.js';
import { Initiator } from './metadata.js';

/** Where the executor finds an agent's definition, pinned when the run was requested. */
export const AgentRef = z.object({
  name: AgentName,
  /** A location the executor can open: a local repository directory today, a synced repository id later. */
  repository: z.string().min(1),
  /** The commit the step is pinned to; null for a working directory that is not a git checkout. */
  commit: z.string().nullable(),
});
export type AgentRef = z.infer<typeof AgentRef>;

/**
 * Raised once per step, when a caller (A2A, GraphQL, another agent) hands us work. Published on the step's
 * request subject; the executors' shared consumer picks it up. `metadata.stepId` is the new step (A2A task id),
 * `metadata.runId` the run (A2A contextId).
 */
export const RunRequested = defineEvent(
  'RunRequested',
  z.object({
    agent: AgentRef,
    message: ChatMessage,
    /** The step that called this one; null for a root step. This is the DAG's edge. */
    parentStepId: StepId.nullable(),
    /** 0 for a root step, parent depth + 1 for a call. */
    depth: z.number().int().nonnegative(),
    initiator: Initiator,
  }),
);
export type RunRequested = z.infer<typeof RunRequested>;

/**
 * A request to cancel a run, addressed to one of its steps (`metadata.stepId`, normally a root). The executor
 * owning that step aborts in-flight calls and propagates the cancel to the step's children.
 */
export const RunCancelRequested = defineEvent(
  'RunCancelRequested',
  z.object({ reason: z.string().max(2000).optional(), requestedBy: Initiator }),
);
export type RunCancelRequested = z.infer<typeof RunCancelRequested>;

/**
 * A person answered a step waiting for input (`StepInputRequired`): a request event on the step's request
 * subject, appended by the gateway (an A2A `message/send` with the task's id). The executors' shared consumer
 * picks it up and the step continues with `message` as the result of the pending `request_user_input` call.
 */
export const StepInputProvided = defineEvent('StepInputProvided', z.object({ message: ChatMessage, providedBy: Initiator }));
export type StepInputProvided = z.infer<typeof StepInputProvided>;
