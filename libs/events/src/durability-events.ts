import { z } from 'zod';
import { defineEvent } from './define-event.js';

/**
 * What failed in an attempt, as the retry policy tells failures apart: the model provider (outage, throttling,
 * malformed answer), a tool source (an MCP server that cannot be reached), the network or the event store
 * (connection refused or reset, timeouts), or anything else (`internal`, most likely a bug).
 */
export const FailureKind = z.enum(['model', 'tool', 'network', 'internal']);
export type FailureKind = z.infer<typeof FailureKind>;

/**
 * An attempt at the step failed with an error that retrying may fix; the executor hands the step back and it
 * is tried again, on any executor, after `delayMs`. Recorded behind the step's fence before the request is
 * redelivered, so the log says why the step paused. `attempt` is the attempt that failed (1 = the first).
 */
export const StepRetryScheduled = defineEvent(
  'StepRetryScheduled',
  z.object({
    attempt: z.number().int().positive(),
    kind: FailureKind,
    delayMs: z.number().int().nonnegative(),
    error: z.string(),
  }),
);
export type StepRetryScheduled = z.infer<typeof StepRetryScheduled>;

/**
 * The last attempt the policy allows failed: the step is dead-lettered. Recorded in the same commit as, and
 * right before, the `StepFailed` that ends the step, so a reader of the log (or of GraphQL) can tell
 * "gave up retrying" from a failure the first attempt decided.
 */
export const StepDeadLettered = defineEvent(
  'StepDeadLettered',
  z.object({
    attempts: z.number().int().positive(),
    kind: FailureKind,
    error: z.string(),
  }),
);
export type StepDeadLettered = z.infer<typeof StepDeadLettered>;

/**
 * A deadline of the step (`scope: 'step'`, the agent's `timeoutSeconds` or the executor's default) or of its
 * whole run (`'run'`) passed. A request event on the step's request subject, appended by the deadline
 * scheduler with a deterministic id: the executor running the step aborts its in-flight calls and the step
 * fails with `timeout`; a step nobody runs (parked, queued) is failed by whichever executor takes the request.
 */
export const StepDeadlineExceeded = defineEvent(
  'StepDeadlineExceeded',
  z.object({
    scope: z.enum(['step', 'run']),
    timeoutMs: z.number().int().positive(),
    /** When the deadline was (ISO-8601 UTC); the event's own `at` is when the scheduler noticed. */
    deadline: z.iso.datetime(),
  }),
);
export type StepDeadlineExceeded = z.infer<typeof StepDeadlineExceeded>;
