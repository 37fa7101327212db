import type { NatsConnection } from '@nats-io/transport-node';
import { ALL_REPOSITORY_EVENTS } from '@shaman/events';
import type { AgentNameResolver } from './agent-name-resolver.js';

/**
 * Invalidates an organization's resolution sources when one of its repositories records an event
 * (RepositorySynced, AgentDefinitionChanged, AgentRemoved on `<prefix>.repo.<org>.<repository>`). A plain
 * subscription suffices: every JetStream publish is also delivered to core subscribers, and a missed one (a
 * reconnect) only means the snapshot's TTL expires it instead. Returns the unsubscribe.
 */
export const invalidateOnRepositoryEvents = (nc: NatsConnection, subjectPrefix: string, resolver: Pick<AgentNameResolver, 'invalidate'>): (() => void) => {
  const subscription = nc.subscribe(`${subjectPrefix}.${ALL_REPOSITORY_EVENTS}`, {
    callback: (error, message) => {
      if (error) return;
      // `<prefix>.repo.<org>.<repository>`: the organization is the third token (prefixes have no dots).
      const orgId = message.subject.split('.')[2];
      if (orgId) resolver.invalidate(orgId);
    },
  });
  return () => subscription.unsubscribe();
};
