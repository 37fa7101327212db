import { z } from 'zod';
import { EventId, OrgId, RunId } from './ids.js';
import { Initiator } from './metadata.js';

/** Identity of an event about a run as a whole, before (or beside) any of its steps. */
export const RunEventMetadata = z.object({ eventId: EventId, orgId: OrgId, runId: RunId, at: z.iso.datetime() });
export type RunEventMetadata = z.infer<typeof RunEventMetadata>;

/**
 * A run opened explicitly (GraphQL `createRun`) before any agent runs in it. Agents then join it as roots
 * (A2A `contextId` or `metadata["shaman:runId"]`), in parallel, and the run ends when all its roots have.
 */
export const RunCreated = z.object({
  type: z.literal('RunCreated'),
  data: z.object({ initiator: Initiator, label: z.string().max(200).nullable() }),
  metadata: RunEventMetadata,
});
export type RunCreated = z.infer<typeof RunCreated>;

export const RunLifecycleEvent = z.discriminatedUnion('type', [RunCreated]);
export type RunLifecycleEvent = z.infer<typeof RunLifecycleEvent>;

/**
 * The subject of a run's own events: `run.<org>.<run>.<run>`. Four tokens like a step's, so filters over a run
 * (`*.<org>.<run>.>`, `*.<org>.<run>.*`) include it, and it never collides with a step (kind `run`).
 */
export const runLifecycleStream = (orgId: string, runId: string): string => `run.${orgId}.${runId}.${runId}`;
