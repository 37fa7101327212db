import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { EVENT_TYPES_HEADER } from '@shaman/event-store';
import { ALL_REGISTRY_EVENTS, ALL_REPOSITORY_EVENTS, REGISTRY_CHANGE_EVENTS } from '@shaman/events';
import type { AgentNameResolver } from './agent-name-resolver.js';

const CHANGES: ReadonlySet<string> = new Set(REGISTRY_CHANGE_EVENTS);

// A commit's event types, from the header the event store sets (no JSON parsing). A message without it is
// not one of ours as far as we know: treated as a change, since invalidating too often only costs a read.
const isOnlySkips = (message: Msg): boolean => {
  const types = message.headers?.get(EVENT_TYPES_HEADER);
  return types !== undefined && types !== '' && types.split(',').every((t) => !CHANGES.has(t));
};

/**
 * Invalidates an organization's resolution sources when one of its repositories or registries records an
 * event: RepositorySynced, AgentDefinitionChanged, AgentRemoved on `<prefix>.repo.<org>.<repository>`, and
 * RegistryAdded, RegistryRemoved, RegistryHealthChanged on `<prefix>.registry.<org>.<registry>` (which also
 * drops what is held of that registry). RegistrySkipped changes nothing and is ignored: executors record it
 * themselves, and reloading on it would turn every skip into a database read. A plain subscription suffices:
 * every JetStream publish is also delivered to core subscribers, and a missed one (a reconnect) only means
 * the snapshot's TTL expires it instead. Returns the unsubscribe.
 */
export const invalidateOnOrgEvents = (nc: NatsConnection, subjectPrefix: string, resolver: Pick<AgentNameResolver, 'invalidate'>): (() => void) => {
  // `<prefix>.<kind>.<org>.<id>`: the organization is the third token (prefixes have no dots).
  const repositories = nc.subscribe(`${subjectPrefix}.${ALL_REPOSITORY_EVENTS}`, {
    callback: (error, message) => {
      const orgId = error ? undefined : message.subject.split('.')[2];
      if (orgId) resolver.invalidate(orgId);
    },
  });
  const registries = nc.subscribe(`${subjectPrefix}.${ALL_REGISTRY_EVENTS}`, {
    callback: (error, message) => {
      if (error || isOnlySkips(message)) return;
      const [, , orgId, registryId] = message.subject.split('.');
      if (orgId) resolver.invalidate(orgId, registryId);
    },
  });
  return () => {
    repositories.unsubscribe();
    registries.unsubscribe();
  };
};
