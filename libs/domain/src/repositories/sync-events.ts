import { RepositoryEventMetadata, type AgentDefinitionChanged, type AgentRemoved, type DefinitionProblem, type RepositoryEvent, type RepositorySynced } from '@shaman/events';

/** What listings need of a definition that went live; the rest stays in the worktree. */
export type LiveDefinition = {
  file: string;
  digest: string;
  exposed: boolean;
  description: string;
  tags: readonly string[];
  model: string | null;
};

/** A finished sync, as the git layer reports it. */
export type SyncOutcome = {
  orgId: string;
  repositoryId: string;
  repository: string;
  branch: string;
  previousCommit: string | null;
  commit: string;
  added: readonly string[];
  changed: readonly string[];
  removed: readonly string[];
  kept: readonly string[];
  problems: readonly DefinitionProblem[];
  /** Definitions of `added` and `changed`, by agent name. */
  definitions: Readonly<Record<string, LiveDefinition>>;
  /** The commit each removed agent was last live at. */
  removedFrom: Readonly<Record<string, string>>;
  at: Date;
};

/**
 * Event ids are derived from what they describe, so a sync retried after its append (a crash before the
 * database recorded it) produces the same ids, which JetStream's dedupe window drops.
 */
export type EventIdFor = (...parts: string[]) => string;

/**
 * The events a sync records: one `AgentDefinitionChanged` per new or changed agent, one `AgentRemoved` per
 * agent whose file is gone, then `RepositorySynced` with the whole outcome. A re-sync of an unchanged commit
 * records only `RepositorySynced` if it found something new to say (another commit, or other problems);
 * otherwise nothing.
 */
export const decideSyncEvents = (sync: SyncOutcome, idFor: EventIdFor, previousProblems: readonly DefinitionProblem[] | null): RepositoryEvent[] => {
  const at = sync.at.toISOString();
  // Parsed, not cast: the ids are checked (and branded) where the events are made.
  const meta = (...idParts: string[]) =>
    RepositoryEventMetadata.parse({ eventId: idFor(sync.repositoryId, sync.commit, ...idParts), orgId: sync.orgId, repositoryId: sync.repositoryId, at });
  const nothingChanged = sync.previousCommit === sync.commit && sync.added.length + sync.changed.length + sync.removed.length === 0;
  if (nothingChanged && sameProblems(previousProblems, sync.problems)) return [];
  const changes: AgentDefinitionChanged[] = [...sync.added.map((a) => [a, 'added'] as const), ...sync.changed.map((a) => [a, 'changed'] as const)].flatMap(
    ([agent, change]) => {
      const definition = sync.definitions[agent];
      if (!definition) return [];
      return [{
        type: 'AgentDefinitionChanged',
        data: { repository: sync.repository, agent, change, commit: sync.commit, ...definition, tags: [...definition.tags] },
        metadata: meta('changed', agent),
      }];
    },
  );
  const removals: AgentRemoved[] = sync.removed.map((agent) => ({
    type: 'AgentRemoved',
    data: { repository: sync.repository, agent, commit: sync.commit, lastCommit: sync.removedFrom[agent] ?? sync.previousCommit ?? sync.commit },
    metadata: meta('removed', agent),
  }));
  const synced: RepositorySynced = {
    type: 'RepositorySynced',
    data: {
      repository: sync.repository,
      branch: sync.branch,
      commit: sync.commit,
      previousCommit: sync.previousCommit,
      added: [...sync.added],
      changed: [...sync.changed],
      removed: [...sync.removed],
      kept: [...sync.kept],
      problems: [...sync.problems],
    },
    // Problems are part of the id: the same commit re-synced with a problem fixed elsewhere (a secret was
    // added) is a new fact, not a retry.
    metadata: meta('synced', JSON.stringify(sync.problems)),
  };
  return [...changes, ...removals, synced];
};

const sameProblems = (a: readonly DefinitionProblem[] | null, b: readonly DefinitionProblem[]): boolean =>
  a !== null && JSON.stringify(a) === JSON.stringify(b);
