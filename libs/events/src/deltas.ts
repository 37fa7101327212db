import { z } from 'zod';
import type { StepAddress } from './subjects.js';

/**
 * A fragment of a model's answer while it streams, for live viewers only. Published on core NATS (never
 * stored, best-effort): the answer itself is recorded once, as `LlmResponded`, and that record is the truth.
 * `call` names one provider call (a retry or a redelivery is a new call); `seq` counts its fragments from 0,
 * so a receiver can tell a gap (a lost fragment) and a restart apart.
 */
export const TextDelta = z.object({
  v: z.literal(1),
  /** The step's model turn (`LlmResponded.data.iteration`) this fragment belongs to. */
  iteration: z.number().int().nonnegative(),
  call: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
  text: z.string(),
});
export type TextDelta = z.infer<typeof TextDelta>;

/**
 * Where a step's deltas are published: `<prefix>_delta.<org>.<run>.<step>`. Deliberately a sibling of the
 * prefix, not below it: the event stream captures `<prefix>.>`, and deltas must never be stored.
 */
export const stepDeltaSubject = (subjectPrefix: string, a: StepAddress): string => `${subjectPrefix}_delta.${a.orgId}.${a.runId}.${a.stepId}`;
