import type { JetStreamEventStore } from '@shaman/event-store';
import { repositoryStream } from '@shaman/events';
import type { RepositoryEventSink } from './sync-and-record.js';

/**
 * Appends a sync's events as one commit on the repository's subject. No expected version: syncs of one
 * repository are already serialised by its row lock, and the ids make a repeated append a no-op.
 */
export const repositoryEventSink =
  (store: JetStreamEventStore): RepositoryEventSink =>
  async ({ orgId, repositoryId }, events) => {
    await store.appendToStream(repositoryStream(orgId, repositoryId), [...events]);
  };
