import { z } from 'zod';
import { defineEvent } from './define-event.js';
import { AgentName, RunId, StepId } from './ids.js';
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
    /**
     * Agent names from the run's root down to this step's agent (absent for a root): what a depth-limit refusal
     * names, so a runaway cycle reads as `a → b → a → …`.
     */
    callChain: z.array(z.string().min(1).max(260)).max(64).optional(),
    /**
     * Set when the step is an external A2A agent called by `call_agent`: the calling executor records the node
     * (start and end) itself, and no executor runs it.
     */
    external: z.object({ url: z.url(), protocolVersion: z.enum(['0.3', '1.0']) }).optional(),
    /**
     * Set on every step of a run made by `shaman fork`: the origin step this one copies and the origin's stream
     * sequence the run was cut at (events before it are reused). `prefixEvents` events, copied from the origin, follow
     * on this step's event subject; an executor waits for all of them before it continues the step (docs/replay.md).
     * A root's link is the run's (`Run.forkedFrom`).
     */
    forkedFrom: z
      .object({ runId: RunId, stepId: StepId, seq: z.number().int().nonnegative(), prefixEvents: z.number().int().nonnegative() })
      .optional(),
    /**
     * Set by the gateway on a root that starts a new run: this request is the run's first commit. Readers that fold a
     * run from its first commit (the live `runsUpdated` feed) then know there is nothing before it without searching
     * the stream for it. Absent: unknown (a joining root, a call, a fork), so a reader looks.
     */
    opensRun: z.literal(true).optional(),
    /** What a fork changes: a model or system prompt here wins over the agent definition's. */
    overrides: z.object({ model: z.string().min(1).max(200).optional(), systemPrompt: z.string().max(200_000).optional() }).optional(),
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
