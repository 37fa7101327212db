import { z } from 'zod';
import { defineEvent } from './define-event.js';
import { AgentName } from './ids.js';

/** A run-data key: a path-like name (`report/summary`, `inputs.customer`), queried by prefix or glob. */
export const RunDataKey = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/:-]*$/, 'letters, digits and . _ / : -, starting with a letter or digit');

/**
 * A step wrote a value to its run's shared data (`run_data_write`). Immutable: a later write to the same key
 * is a new version, and reads return the latest. Attributed to the writing step (metadata) and agent.
 */
export const RunDataWritten = defineEvent(
  'RunDataWritten',
  z.object({
    key: RunDataKey,
    value: z.json(),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    agent: AgentName,
  }),
);
export type RunDataWritten = z.infer<typeof RunDataWritten>;

/**
 * What one model call cost, priced when it was recorded from a versioned price table, so history keeps the
 * price that applied then. Recorded in the same commit as its `LlmResponded`. Costs are integer micro-dollars
 * (1e-6 USD): sums stay exact.
 */
export const UsageRecorded = defineEvent(
  'UsageRecorded',
  z.object({
    iteration: z.number().int().nonnegative(),
    provider: z.string().min(1),
    model: z.string().min(1),
    agent: AgentName,
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    costMicros: z.number().int().nonnegative(),
    /** Version of the price table used; `unpriced` when the model has no price (cost 0). */
    priceTable: z.string().min(1),
  }),
);
export type UsageRecorded = z.infer<typeof UsageRecorded>;
