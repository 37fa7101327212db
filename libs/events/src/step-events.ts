import { z } from 'zod';
import { defineEvent } from './define-event.js';
import { AgentRef } from './run-events.js';
import { Part } from './message.js';
import { TokenUsage } from './metadata.js';

/**
 * The claim: the first event on a step's event subject, appended with "expected last subject sequence = 0" so
 * that exactly one executor owns the step (DESIGN §4).
 */
export const StepStarted = defineEvent(
  'StepStarted',
  z.object({
    agent: AgentRef,
    model: z.string().min(1),
    executorId: z.string().min(1),
    /** JetStream delivery count of the request that started it. */
    attempt: z.number().int().positive(),
  }),
);
export type StepStarted = z.infer<typeof StepStarted>;

/** Another executor took over a step whose owner stopped (crash, ack timeout) and continues after its last event. */
export const StepResumed = defineEvent(
  'StepResumed',
  z.object({ executorId: z.string().min(1), attempt: z.number().int().positive() }),
);
export type StepResumed = z.infer<typeof StepResumed>;

/** A tool call the model asked for, exactly as it asked. */
export const ToolCallRequest = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()),
});
export type ToolCallRequest = z.infer<typeof ToolCallRequest>;

/**
 * A model answered. Recorded before anything acts on it, so a resumed or replayed step never asks again.
 * `requestHash` is the SHA-256 of the canonical request, which lets a re-execution detect divergence.
 */
export const LlmResponded = defineEvent(
  'LlmResponded',
  z.object({
    iteration: z.number().int().nonnegative(),
    provider: z.string().min(1),
    model: z.string().min(1),
    requestHash: z.string().regex(/^[0-9a-f]{64}$/),
    response: z.object({
      content: z.string().nullable(),
      toolCalls: z.array(ToolCallRequest),
      finishReason: z.enum(['stop', 'tool_calls', 'length', 'content_filter']),
    }),
    usage: TokenUsage,
    latencyMs: z.number().nonnegative(),
    /**
     * Set when the organization's model response cache answered instead of the provider: `key` is the cache
     * entry (SHA-256 of organization and request), `storedAt` when the provider's answer was stored. `usage` is
     * then what the original call consumed, and the call itself costs nothing (UsageRecorded says `cached`).
     * Optional, so events recorded before the cache existed parse unchanged.
     */
    cache: z.object({ hit: z.literal(true), key: z.string().regex(/^[0-9a-f]{64}$/), storedAt: z.iso.datetime() }).optional(),
  }),
);
export type LlmResponded = z.infer<typeof LlmResponded>;

/** The executor is about to invoke a tool the model asked for. */
export const ToolCalled = defineEvent(
  'ToolCalled',
  z.object({
    iteration: z.number().int().nonnegative(),
    toolCallId: z.string().min(1),
    name: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()),
  }),
);
export type ToolCalled = z.infer<typeof ToolCalled>;

/** A tool answered (or failed: `isError`, which the model sees as an observation). */
export const ToolResulted = defineEvent(
  'ToolResulted',
  z.object({
    toolCallId: z.string().min(1),
    name: z.string().min(1),
    output: z.unknown(),
    isError: z.boolean(),
    latencyMs: z.number().nonnegative(),
  }),
);
export type ToolResulted = z.infer<typeof ToolResulted>;

/** The step finished with an answer. Terminal. */
export const StepCompleted = defineEvent(
  'StepCompleted',
  z.object({
    output: z.object({ parts: z.array(Part).min(1) }),
    usage: TokenUsage,
    iterations: z.number().int().nonnegative(),
  }),
);
export type StepCompleted = z.infer<typeof StepCompleted>;

/** Closed set of reasons a step fails. */
export const StepFailureCode = z.enum([
  'agent_not_found',
  'agent_invalid',
  'model_error',
  'tool_error',
  'max_iterations',
  'timeout',
  'internal',
]);
export type StepFailureCode = z.infer<typeof StepFailureCode>;

/** The step cannot finish. Terminal. */
export const StepFailed = defineEvent(
  'StepFailed',
  z.object({ error: z.object({ code: StepFailureCode, message: z.string() }) }),
);
export type StepFailed = z.infer<typeof StepFailed>;

/** The step was canceled before it finished. Terminal. */
export const StepCanceled = defineEvent('StepCanceled', z.object({ reason: z.string().optional() }));
export type StepCanceled = z.infer<typeof StepCanceled>;

/**
 * The model called `request_user_input`: the step waits for a person's answer to `prompt` (A2A `input-required`).
 * Recorded in the same commit as the `ToolCalled` it answers; the executor then lets go of the step, holding
 * no slot, until a `StepInputProvided` arrives on the step's request subject.
 */
export const StepInputRequired = defineEvent(
  'StepInputRequired',
  z.object({ toolCallId: z.string().min(1), prompt: z.string().min(1) }),
);
export type StepInputRequired = z.infer<typeof StepInputRequired>;
