import type { JetStreamEventStore } from '@shaman/event-store';
import { RegistryEvent, registryStream } from '@shaman/events';

/** `Registry.lastEvent` (registries.graphql.ts): the latest event on the registry's subject, flattened. */
export type RegistryActivity = {
  type: RegistryEvent['type'];
  at: string;
  status: string | null;
  reason: string | null;
  agent: string | null;
  runId: string | null;
  stepId: string | null;
};

const activityOf = (event: RegistryEvent): RegistryActivity => {
  const base = { type: event.type, at: event.metadata.at, status: null, reason: null, agent: null, runId: null, stepId: null };
  switch (event.type) {
    case 'RegistryAdded':
    case 'RegistryRemoved':
      return base;
    case 'RegistryHealthChanged':
      return { ...base, status: event.data.status.toUpperCase(), reason: event.data.error };
    case 'RegistrySkipped':
      return { ...base, reason: event.data.reason, agent: event.data.agent, runId: event.data.runId, stepId: event.data.stepId };
  }
};

/**
 * One direct read of the last message on `registry.<org>.<registry>` (no scan, however many skips were
 * recorded). The organization is the caller's, so another tenant's subject is never read. Null without an
 * event store (a server without NATS), before the first event, or when the stored event no longer parses.
 */
export const lastRegistryEvent = async (store: Pick<JetStreamEventStore, 'lastCommit'> | null, orgId: string, registryId: string): Promise<RegistryActivity | null> => {
  if (!store) return null;
  const last = await store.lastCommit(registryStream(orgId, registryId));
  const parsed = RegistryEvent.safeParse(last?.commit.events.at(-1));
  return parsed.success ? activityOf(parsed.data) : null;
};
