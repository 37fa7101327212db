import type { JetStreamEventStore } from '@shaman/event-store';
import pg from 'pg';

/** What the event log says about every step in it. */
export type LogAudit = {
  lastSeq: number;
  events: number;
  /** Event ids recorded more than once (with how many times). */
  duplicateEventIds: Map<string, number>;
  /** Step id → its terminal events' types, in order (exactly one is correct). */
  terminals: Map<string, string[]>;
  /** Steps that have a `RunRequested`. */
  requested: Set<string>;
  /** Step id → every event type recorded for it, in order (for diagnosing a step that did not end). */
  history: Map<string, string[]>;
};

type RawEvent = { type?: unknown; data?: { executorId?: unknown }; metadata?: { eventId?: unknown; stepId?: unknown; at?: unknown } };
const TERMINAL = new Set(['StepCompleted', 'StepFailed', 'StepCanceled']);

/** Reads the whole stream once (up to its last sequence when called) and tallies ids and terminal events per step. */
export const auditLog = async (store: JetStreamEventStore): Promise<LogAudit> => {
  const audit: LogAudit = { lastSeq: 0, events: 0, duplicateEventIds: new Map(), terminals: new Map(), requested: new Set(), history: new Map() };
  const seen = new Set<string>();
  for await (const stored of store.readFilter('>')) {
    audit.lastSeq = stored.seq;
    for (const raw of stored.commit.events as RawEvent[]) {
      audit.events += 1;
      const eventId = String(raw.metadata?.eventId);
      if (seen.has(eventId)) audit.duplicateEventIds.set(eventId, (audit.duplicateEventIds.get(eventId) ?? 1) + 1);
      seen.add(eventId);
      const stepId = String(raw.metadata?.stepId);
      const by = raw.data?.executorId === undefined ? '' : ` by ${String(raw.data.executorId)}`;
      audit.history.set(stepId, [...(audit.history.get(stepId) ?? []), `${String(raw.type)}${by} at ${String(raw.metadata?.at)}`]);
      if (raw.type === 'RunRequested') audit.requested.add(stepId);
      if (typeof raw.type === 'string' && TERMINAL.has(raw.type)) audit.terminals.set(stepId, [...(audit.terminals.get(stepId) ?? []), raw.type]);
    }
  }
  return audit;
};

/**
 * The tables the read-models projection writes and their keys (apps/cli `READ_MODEL_TABLES`, which a lib may
 * not import). Every column of them comes from an event, so none is left out of the comparison.
 */
export const READ_MODELS: readonly { name: string; key: string }[] = [
  { name: 'runs', key: 'id' },
  { name: 'steps', key: 'id' },
  { name: 'usage_ledger', key: 'event_id' },
  { name: 'run_data', key: 'event_id' },
  { name: 'step_tool_calls', key: 'event_id' },
  { name: 'step_llm_calls', key: 'event_id' },
  { name: 'step_input_requests', key: 'event_id' },
  { name: 'agent_definitions', key: 'org_id, repository_id, name' },
  { name: 'agent_definition_history', key: 'event_id' },
];

const withClient = async <T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};

/** Every read-model row as JSON text, per table, in key order: two snapshots are equal exactly when the rows are. */
export const snapshotReadModels = (adminUrl: string): Promise<Record<string, string[]>> =>
  withClient(adminUrl, async (client) => {
    const out: Record<string, string[]> = {};
    for (const t of READ_MODELS) {
      const rows = await client.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${t.name} t ORDER BY ${t.key}`);
      out[t.name] = rows.rows.map((r) => r.row);
    }
    return out;
  });

/** Empties the read models and their checkpoint, so the next projector folds the stream from its start. */
export const clearReadModels = (adminUrl: string): Promise<void> =>
  withClient(adminUrl, async (client) => {
    await client.query('BEGIN');
    for (const t of [...READ_MODELS].reverse()) await client.query(`DELETE FROM ${t.name}`);
    await client.query("DELETE FROM projection_checkpoints WHERE name = 'read-models'");
    await client.query('COMMIT');
  });

export const readCheckpoint = (adminUrl: string): Promise<number> =>
  withClient(adminUrl, async (client) => {
    const result = await client.query<{ position: string }>("SELECT position::text FROM projection_checkpoints WHERE name = 'read-models'");
    return Number(result.rows[0]?.position ?? 0);
  });
