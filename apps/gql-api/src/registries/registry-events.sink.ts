import type { RegistryStatus } from '@shaman/agents';
import type { JetStreamEventStore } from '@shaman/event-store';
import { RegistryEvent, registryStream } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import { randomUUID } from 'node:crypto';
import type { RegistryRecord } from './registry.repository.js';

/**
 * The registry events the gql-api records (docs/agents.md, "Registries"), on `registry.<org>.<registry>`.
 * The table is the truth and the mutation has already committed when they are appended, so they are best
 * effort: a failure is logged and the caller still gets its answer; executors then see the change when their
 * 10 s snapshot expires instead of at once.
 */
export type RegistryEvents = {
  added(orgId: string, registry: RegistryRecord): Promise<void>;
  removed(orgId: string, registry: { id: string; name: string }): Promise<void>;
  /** Records RegistryHealthChanged when a check moved the registry to another status; nothing otherwise. */
  checked(orgId: string, registry: RegistryRecord, previousStatus: RegistryStatus): Promise<void>;
};

export type RegistryEventsDeps = {
  /** Null when the server runs without NATS: nothing is recorded. */
  store: Pick<JetStreamEventStore, 'appendToStream'> | null;
  logger: Pick<Logger, 'warn'> | null;
  clock?: () => Date;
  newId?: () => string;
};

type Data<T extends RegistryEvent['type']> = Extract<RegistryEvent, { type: T }>['data'];

export const registryEvents = (deps: RegistryEventsDeps): RegistryEvents => {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const record = async <T extends RegistryEvent['type']>(type: T, of: { orgId: string; registryId: string }, data: Data<T>): Promise<void> => {
    const { orgId, registryId } = of;
    if (!deps.store) return;
    try {
      const event = RegistryEvent.parse({ type, data, metadata: { eventId: newId(), orgId, registryId, at: clock().toISOString() } });
      await deps.store.appendToStream(registryStream(orgId, registryId), [event]);
    } catch (error) {
      deps.logger?.warn({ err: error, orgId, registryId, type }, 'registry event not recorded; executors see the change within 10 s');
    }
  };
  return {
    added: (orgId, r) => record('RegistryAdded', { orgId, registryId: r.id }, { name: r.name, url: r.url, authSecret: r.auth }),
    removed: (orgId, r) => record('RegistryRemoved', { orgId, registryId: r.id }, { name: r.name }),
    checked: async (orgId, r, previousStatus) => {
      if (r.status === previousStatus) return;
      await record('RegistryHealthChanged', { orgId, registryId: r.id }, { name: r.name, status: r.status, previousStatus, error: r.lastError });
    },
  };
};
