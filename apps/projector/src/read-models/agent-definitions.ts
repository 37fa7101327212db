import type { RepositoryEvent } from '@shaman/events';
import { appendRows, type AppendOnlyTable } from './append-only.js';
import { toJsonParam } from './json-param.js';
import type { Statement } from './statements.js';

export type SequencedRepositoryEvent = { seq: number; event: RepositoryEvent };

const HISTORY: AppendOnlyTable = {
  table: 'agent_definition_history',
  columns: [['org_id', 'uuid'], ['event_id', 'uuid'], ['repository_id', 'uuid'], ['name', 'text'], ['change', 'text'], ['commit', 'text'],
    ['digest', 'text'], ['recorded_at', 'timestamptz'], ['seq', 'bigint']],
};

// The last_seq guard makes a replayed or re-delivered batch a no-op and keeps an older event from undoing a newer one.
const UPSERT_LIVE = `
  INSERT INTO agent_definitions (org_id, repository_id, repository, name, commit, file, digest, exposed, description, tags, model, removed_at_commit, updated_at, last_seq)
  SELECT org_id, repository_id, repository, name, commit, file, digest, exposed, description, tags, model, NULL, updated_at, last_seq
    FROM jsonb_to_recordset($1::jsonb) AS r(org_id uuid, repository_id uuid, repository text, name text, commit text, file text, digest text,
      exposed boolean, description text, tags text[], model text, updated_at timestamptz, last_seq bigint)
  ON CONFLICT (org_id, repository_id, name) DO UPDATE SET repository = EXCLUDED.repository, commit = EXCLUDED.commit, file = EXCLUDED.file,
    digest = EXCLUDED.digest, exposed = EXCLUDED.exposed, description = EXCLUDED.description, tags = EXCLUDED.tags, model = EXCLUDED.model,
    removed_at_commit = NULL, updated_at = EXCLUDED.updated_at, last_seq = EXCLUDED.last_seq
  WHERE agent_definitions.last_seq < EXCLUDED.last_seq`;

const MARK_REMOVED = `
  UPDATE agent_definitions d SET removed_at_commit = r.commit, updated_at = r.updated_at, last_seq = r.last_seq
    FROM jsonb_to_recordset($1::jsonb) AS r(org_id uuid, repository_id uuid, name text, commit text, updated_at timestamptz, last_seq bigint)
   WHERE d.org_id = r.org_id AND d.repository_id = r.repository_id AND d.name = r.name AND d.last_seq < r.last_seq`;

/**
 * Projects repository events: `agent_definitions` holds each agent's current (or last) definition,
 * `agent_definition_history` every change. Events are applied one statement per kind, in stream order within
 * a batch (an agent added and removed in one batch ends removed: the removal's sequence is higher).
 */
export const agentDefinitionWrites = (events: readonly SequencedRepositoryEvent[]): Statement[] => {
  const statements: Statement[] = [];
  const history: Record<string, unknown>[] = [];
  for (const { seq, event } of events) {
    const base = { org_id: event.metadata.orgId, event_id: event.metadata.eventId, repository_id: event.metadata.repositoryId, recorded_at: event.metadata.at, seq };
    if (event.type === 'AgentDefinitionChanged') {
      const d = event.data;
      history.push({ ...base, name: d.agent, change: d.change, commit: d.commit, digest: d.digest });
      statements.push({ text: UPSERT_LIVE, values: [toJsonParam([{
        org_id: event.metadata.orgId, repository_id: event.metadata.repositoryId, repository: d.repository, name: d.agent, commit: d.commit, file: d.file,
        digest: d.digest, exposed: d.exposed, description: d.description, tags: d.tags, model: d.model, updated_at: event.metadata.at, last_seq: seq,
      }])] });
    } else if (event.type === 'AgentRemoved') {
      history.push({ ...base, name: event.data.agent, change: 'removed', commit: event.data.commit, digest: null });
      statements.push({ text: MARK_REMOVED, values: [toJsonParam([{
        org_id: event.metadata.orgId, repository_id: event.metadata.repositoryId, name: event.data.agent, commit: event.data.commit, updated_at: event.metadata.at, last_seq: seq,
      }])] });
    }
  }
  return [...statements, ...appendRows(HISTORY, history)];
};
