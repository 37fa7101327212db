import type { JetStreamEventStore } from '@shaman/event-store';
import { runFilter, type OrgId, type RunId } from '@shaman/events';
import { READ_MODEL_TABLES } from '@shaman/projector';
import { open, rename, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { PlannedPurge } from './retention-plan.js';
import { readRunEvents, type RecordedEvent } from './run-recording.js';
import { quote } from './scratch-schema.js';

export type PurgeDeps = { store: JetStreamEventStore; client: pg.Client; exportDir: string };
export type PurgeTarget = { org: { id: string; slug: string }; run: PlannedPurge };
export type PurgeOutcome = { runId: string; exported: number; exportFile: string | null };

/*
 * Kept on purpose: the usage ledger (money spent outlives the recording; `projections rebuild` leaves a purged
 * run's rows in place), the audit log (management actions, no run rows) and retention_purges (what was deleted,
 * when, why, and where its export went). Everything else a run has in the read models goes with it.
 */
const KEPT: ReadonlySet<string> = new Set(['usage_ledger']);
const RUN_TABLES = READ_MODEL_TABLES.filter((t) => t.runColumn !== null && !KEPT.has(t.name));

/** The events as `shaman replay --json` prints them: stored, not parsed, one JSON object per line. */
const jsonLines = (events: readonly RecordedEvent[]): string =>
  events.map((e) => `${JSON.stringify({ seq: e.seq, index: e.index, subject: e.subject, storedAt: e.time.toISOString(), event: e.raw })}\n`).join('');

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/**
 * Writes the export durably (temporary file, fsync, rename) before anything is deleted. A run whose events are
 * already gone (a purge interrupted after the stream step) keeps the export written the first time.
 */
const exportRun = async (deps: PurgeDeps, target: PurgeTarget): Promise<PurgeOutcome> => {
  const events = await readRunEvents(deps.store, { orgId: target.org.id, runId: target.run.runId });
  const dir = join(deps.exportDir, target.org.slug);
  const file = join(dir, `${target.run.runId}.jsonl`);
  if (events.length === 0) return { runId: target.run.runId, exported: 0, exportFile: (await exists(file)) ? file : null };
  await mkdir(dir, { recursive: true });
  const handle = await open(`${file}.partial`, 'w');
  try {
    await handle.writeFile(jsonLines(events));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(`${file}.partial`, file);
  return { runId: target.run.runId, exported: events.length, exportFile: file };
};

const deleteRows = async (client: pg.Client, input: { target: PurgeTarget; exportFile: string | null }): Promise<void> => {
  const { org, run } = input.target;
  await client.query('BEGIN');
  try {
    for (const t of RUN_TABLES) await client.query(`DELETE FROM public.${quote(t.name)} WHERE org_id = $1 AND ${quote(t.runColumn ?? 'run_id')} = $2`, [org.id, run.runId]);
    await client.query(
      `INSERT INTO retention_purges (org_id, run_id, reason, last_activity_at, events, bytes, export_file) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (org_id, run_id) DO UPDATE SET purged_at = now(), export_file = COALESCE(EXCLUDED.export_file, retention_purges.export_file)`,
      [org.id, run.runId, run.reason, run.lastActivityAt, run.events, run.bytes, input.exportFile],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
};

/**
 * Export first, then the stream (a JetStream purge by the run's subject filter, which nats-server 2.9 has), then
 * the read-model rows and the record of the deletion in one transaction. Each step is safe to repeat, so a purge
 * interrupted anywhere completes when `retention apply` runs again.
 */
export const purgeRun = async (deps: PurgeDeps, target: PurgeTarget): Promise<PurgeOutcome> => {
  const outcome = await exportRun(deps, target);
  const filter = deps.store.subjectOf(runFilter(target.org.id as OrgId, target.run.runId as RunId));
  await deps.store.jsm.streams.purge(deps.store.stream, { filter });
  await deleteRows(deps.client, { target, exportFile: outcome.exportFile });
  return outcome;
};

/** Bytes (commit payloads) and events each run of the organization holds in the stream, by run id. */
export const recordedSizes = async (store: JetStreamEventStore, orgId: string): Promise<Map<string, { bytes: number; events: number }>> => {
  const sizes = new Map<string, { bytes: number; events: number }>();
  for (const kind of ['req', 'evt', 'run']) {
    for await (const stored of store.readFilter(`${kind}.${orgId}.>`)) {
      const runId = stored.subject.split('.').at(-2) ?? '';
      const size = sizes.get(runId) ?? { bytes: 0, events: 0 };
      sizes.set(runId, { bytes: size.bytes + Buffer.byteLength(JSON.stringify(stored.commit)), events: size.events + stored.commit.events.length });
    }
  }
  return sizes;
};
