import { z } from 'zod';
import { EventId, OrgId, RunId, StepId } from './ids.js';

/** Identity and time of every event: which tenant, run and step it belongs to, and when it happened. */
export const EventMetadata = z.object({
  eventId: EventId,
  orgId: OrgId,
  runId: RunId,
  stepId: StepId,
  /** ISO-8601 UTC time at which the producer decided the event. */
  at: z.iso.datetime(),
  /** W3C `traceparent` of the work that produced the event, when it was traced. */
  traceparent: z.string().optional(),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** Who asked for a run or a cancel: an API key, a person, another agent's step, or the platform itself. */
export const Initiator = z.object({
  kind: z.enum(['api_key', 'user', 'agent', 'system']),
  id: z.string().min(1),
});
export type Initiator = z.infer<typeof Initiator>;

/** Tokens a model call consumed. */
export const TokenUsage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;
