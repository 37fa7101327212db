import { z } from 'zod';

/** An organization (tenant). Every event and every read-model row carries one. */
export const OrgId = z.uuid().brand<'OrgId'>();
export type OrgId = z.infer<typeof OrgId>;

/** A run: one DAG of steps. Equals the A2A `contextId`. */
export const RunId = z.uuid().brand<'RunId'>();
export type RunId = z.infer<typeof RunId>;

/** A step: one agent execution inside a run. Equals the A2A task `id`. */
export const StepId = z.uuid().brand<'StepId'>();
export type StepId = z.infer<typeof StepId>;

/** An event. Deterministic where a retry could repeat the work that produced it; it is also the `Nats-Msg-Id`. */
export const EventId = z.uuid().brand<'EventId'>();
export type EventId = z.infer<typeof EventId>;

/** An agent's name as written in its frontmatter: a subject-safe token, no dots or wildcards. */
export const AgentName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'letters, digits, "-" and "_", starting with a letter or digit');
export type AgentName = z.infer<typeof AgentName>;
