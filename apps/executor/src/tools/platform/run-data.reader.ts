import type { JetStreamEventStore } from '@shaman/event-store';
import { RunDataWritten } from '@shaman/events';

/** The latest version of one key of a run's data, with who wrote it and when. */
export type RunDataEntry = {
  key: string;
  value: RunDataWritten['data']['value'];
  tags: string[];
  agent: string;
  stepId: string;
  /** Stream sequence of the commit that wrote it: later writes have higher versions, across steps too. */
  version: number;
  writtenAt: string;
};

export type RunDataReader = {
  /** The latest entry of every key the run has written, sorted by key. */
  entries(orgId: string, runId: string): Promise<RunDataEntry[]>;
};

const isRunDataWrite = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'RunDataWritten';

/**
 * Reads run data from the event log, the executor's only source of truth (it has no database by design).
 * A read replays every commit of the run's event subjects, so it costs O(events of the run): fine for runs
 * of hundreds of steps. At scale a KV bucket per run (`@nats-io/kv`), written from the same events, would
 * answer a key in one lookup; the log stays the truth and the bucket would be rebuilt from it.
 */
export const createRunDataReader = (store: JetStreamEventStore): RunDataReader => ({
  entries: async (orgId, runId) => {
    const latest = new Map<string, RunDataEntry>();
    // Stream order, so a later write (a higher sequence, or later in the same commit) replaces an earlier one.
    for await (const stored of store.readFilter(`evt.${orgId}.${runId}.*`)) {
      for (const raw of stored.commit.events) {
        if (!isRunDataWrite(raw)) continue;
        // A malformed event is skipped, as the projector skips it: one bad write must not hide the others.
        const parsed = RunDataWritten.safeParse(raw);
        if (!parsed.success) continue;
        const { data, metadata } = parsed.data;
        latest.set(data.key, { ...data, stepId: metadata.stepId, version: stored.seq, writtenAt: metadata.at });
      }
    }
    return [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  },
});
