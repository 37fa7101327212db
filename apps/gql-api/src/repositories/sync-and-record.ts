import { GitSyncError, syncRepository, type RepositoryCache, type RepositorySyncResult } from '@shaman/agents';
import { decideSyncEvents } from '@shaman/domain';
import type { RepositoryEvent } from '@shaman/events';
import {
  deterministicId,
  listOrgSecrets,
  recordRepositorySync,
  recordRepositorySyncFailure,
  SecretBoxError,
  type RepositoryRecord,
  type SecretBox,
} from '@shaman/platform';
import type pg from 'pg';

/** Where a sync's repository events go (the event store); the sync waits for them to be stored. */
export type RepositoryEventSink = (target: { orgId: string; repositoryId: string }, events: readonly RepositoryEvent[]) => Promise<void>;

export type SyncAndRecordDeps = {
  cache: RepositoryCache;
  secretBox: SecretBox | null;
  events: RepositoryEventSink;
  clock: () => Date;
  /**
   * Worktrees of commits no live agent uses are removed once older than this (runs pinned to them may still
   * be reading them until then). Undefined keeps every worktree.
   */
  worktreeRetentionMs?: number;
  /** Where a failed clean-up is reported; it never fails the sync. */
  onPruneError?: (error: unknown) => void;
};

export type SyncAttempt =
  | { status: 'synced'; result: RepositorySyncResult; events: number }
  | { status: 'failed'; message: string; permanent: boolean };

// Wrong configuration or a malformed row: retrying would fail the same way.
const PERMANENT_GIT_CODES: ReadonlySet<string> = new Set(['git.bad_url', 'git.bad_name']);

const openToken = (secretBox: SecretBox | null, repo: RepositoryRecord): string | undefined => {
  if (repo.tokenCiphertext === null) return undefined;
  if (!secretBox) throw new SecretBoxError('secret.bad_key', `repository ${repo.name} has a token; set SHAMAN_SECRET_KEY to use it`);
  return secretBox.decrypt(repo.tokenCiphertext);
};

const pruneWorktrees = async (deps: SyncAndRecordDeps, synced: { repo: RepositoryRecord; result: RepositorySyncResult; at: Date }): Promise<void> => {
  const { repo, result, at } = synced;
  if (deps.worktreeRetentionMs === undefined) return;
  const keep = new Set([result.commit, ...Object.values(result.agents).map((a) => a.commit)]);
  await deps.cache.prune({ url: repo.url }, { keep, olderThan: new Date(at.getTime() - deps.worktreeRetentionMs) }).catch((error: unknown) => deps.onPruneError?.(error));
};

/**
 * Syncs one repository and records the outcome: the repository events first (deterministic ids, so a
 * retry after a crash re-appends nothing JetStream has not already deduplicated), then the live agent set in
 * the caller's transaction, which holds the repository's row lock (lockRepository). Every path that syncs —
 * the BullMQ worker, `shaman repo sync` — goes through here, so both record the same events.
 *
 * Git and key failures are recorded on the repository (their messages are redacted: no token, no user:pass@)
 * and returned; anything else is a bug or an outage and throws.
 */
export const syncAndRecord = async (deps: SyncAndRecordDeps, client: pg.ClientBase, repo: RepositoryRecord): Promise<SyncAttempt> => {
  try {
    const token = openToken(deps.secretBox, repo);
    const secretNames = new Set((await listOrgSecrets(client, repo.orgId)).map((s) => s.name));
    const result = await syncRepository({ name: repo.name, url: repo.url, branch: repo.branch, token, agents: repo.agents, secretNames }, deps.cache);
    const at = deps.clock();
    const events = decideSyncEvents(
      {
        orgId: repo.orgId,
        repositoryId: repo.id,
        repository: repo.name,
        branch: repo.branch,
        previousCommit: repo.lastCommit,
        commit: result.commit,
        added: result.added,
        changed: result.changed,
        removed: result.removed,
        kept: result.kept,
        problems: result.errors,
        definitions: result.definitions,
        removedFrom: result.removedFrom,
        at,
      },
      deterministicId,
      repo.lastErrors,
    );
    if (events.length > 0) await deps.events({ orgId: repo.orgId, repositoryId: repo.id }, events);
    await recordRepositorySync(client, { id: repo.id, commit: result.commit, agents: result.agents, aliases: result.aliases, errors: result.errors, externalAgents: result.externalAgents, at });
    await pruneWorktrees(deps, { repo, result, at });
    return { status: 'synced', result, events: events.length };
  } catch (error) {
    if (!(error instanceof GitSyncError) && !(error instanceof SecretBoxError)) throw error;
    await recordRepositorySyncFailure(client, { id: repo.id, message: error.message, at: deps.clock() });
    return { status: 'failed', message: error.message, permanent: error instanceof SecretBoxError || PERMANENT_GIT_CODES.has(error.code) };
  }
};
