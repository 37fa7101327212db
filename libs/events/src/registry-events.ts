import { z } from 'zod';
import { EventId, OrgId, RunId, StepId } from './ids.js';

/** An external A2A agent registry of an organization (`agent_registries`, migration 0012). */
export const RegistryId = z.uuid().brand<'RegistryId'>();
export type RegistryId = z.infer<typeof RegistryId>;

/**
 * Identity of a registry event. Like repository events they belong to an organization, not to a run, so they
 * live on their own subject (`registry.<org>.<registry>`: three tokens, so no run filter `*.<org>.<run>.>` or
 * step filter `*.<org>.*.<step>` ever matches them) and in their own union.
 */
export const RegistryEventMetadata = z.object({
  eventId: EventId,
  orgId: OrgId,
  registryId: RegistryId,
  at: z.iso.datetime(),
});
export type RegistryEventMetadata = z.infer<typeof RegistryEventMetadata>;

const defineRegistryEvent = <TType extends string, TData extends z.ZodType>(type: TType, data: TData) =>
  z.object({ type: z.literal(type), data, metadata: RegistryEventMetadata });

/** A registry's health as its last check saw it (the `agent_registries.status` column). */
export const RegistryHealth = z.enum(['unknown', 'healthy', 'unhealthy']);
export type RegistryHealth = z.infer<typeof RegistryHealth>;

/** A registry was added through GraphQL (`addRegistry`). `authSecret` is the secret's name, never its value. */
export const RegistryAdded = defineRegistryEvent(
  'RegistryAdded',
  z.object({ name: z.string().min(1), url: z.string().min(1), authSecret: z.string().nullable() }),
);
export type RegistryAdded = z.infer<typeof RegistryAdded>;

/** A registry was removed (`removeRegistry`): its agents no longer resolve. */
export const RegistryRemoved = defineRegistryEvent('RegistryRemoved', z.object({ name: z.string().min(1) }));
export type RegistryRemoved = z.infer<typeof RegistryRemoved>;

/**
 * A check (the scheduled health round or `testRegistry`) found the registry in another state than the one
 * recorded. Only changes are recorded, so a registry that stays healthy adds nothing per round. `error` is
 * why it is unhealthy, null otherwise.
 */
export const RegistryHealthChanged = defineRegistryEvent(
  'RegistryHealthChanged',
  z.object({ name: z.string().min(1), status: RegistryHealth, previousStatus: RegistryHealth, error: z.string().nullable() }),
);
export type RegistryHealthChanged = z.infer<typeof RegistryHealthChanged>;

/**
 * Agent resolution skipped the registry while looking for `agent` for the step `stepId` of `runId` (whose agent
 * is `caller`): it was recorded unhealthy, did not answer in time, failed, or its secret could not be had.
 * `reason` is the text the not-found message shows (`unhealthy`, `unreachable: no answer within 3000 ms`, ...).
 * A warning, recorded best effort by the executor, at most once per registry and step.
 */
export const RegistrySkipped = defineRegistryEvent(
  'RegistrySkipped',
  z.object({
    registryId: RegistryId,
    name: z.string().min(1),
    reason: z.string().min(1),
    agent: z.string().min(1),
    caller: z.string().min(1),
    runId: RunId,
    stepId: StepId,
  }),
);
export type RegistrySkipped = z.infer<typeof RegistrySkipped>;

export const RegistryEvent = z.discriminatedUnion('type', [RegistryAdded, RegistryRemoved, RegistryHealthChanged, RegistrySkipped]);
export type RegistryEvent = z.infer<typeof RegistryEvent>;

/** The types after which what resolution holds of an organization's registries is out of date (not skips). */
export const REGISTRY_CHANGE_EVENTS = ['RegistryAdded', 'RegistryRemoved', 'RegistryHealthChanged'] as const satisfies readonly RegistryEvent['type'][];

/** The stream of one registry's events, relative to the subject prefix. */
export const registryStream = (orgId: string, registryId: string): string => `registry.${orgId}.${registryId}`;
/** Filter for every registry event of every organization. */
export const ALL_REGISTRY_EVENTS = 'registry.>';
