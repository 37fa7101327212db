import type { PoolClient } from '@shaman/platform';
import { applyEvents, type ReceivedCommit } from '@shaman/projector';

/**
 * Folds decoded commits into whatever tables the session's `search_path` names, with the projector's own code
 * and order (`applyEvents`, what `projectBatch` runs minus the checkpoint): a rebuild differs from the live fold
 * only in how the events are cut into batches, which the read models must not depend on.
 */
export const applyCommits = async (client: PoolClient, commits: readonly ReceivedCommit[]): Promise<number> => {
  const batch = { events: commits.flatMap((c) => c.events), repositoryEvents: commits.flatMap((c) => c.repositoryEvents), runEvents: commits.flatMap((c) => c.runEvents) };
  await applyEvents(client, batch);
  return batch.events.length + batch.repositoryEvents.length + batch.runEvents.length;
};
