import type { JetStreamEventStore } from '@shaman/event-store';
import { runFilter, type OrgId, type RunId } from '@shaman/events';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { PlannedPurge } from './retention-plan.js';
import { PURGED_RUN_TABLES } from './run-tables.js';

/** A connection that may delete every tenant's run rows (an administrative role): the CLI's, or the gql-api job's. */
export type PurgeDeps = { store: JetStreamEventStore; client: pg.ClientBase; exportDir: string };
export type PurgeTarget = { org: { id: string; slug: string }; run: PlannedPurge };
export type PurgeOutcome = { runId: string; exported: number; exportFile: string | null };

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The run's events exactly as `shaman replay --json` prints them: stored (not parsed, which would drop unknown
 * fields), one JSON object per line, `{ seq, index, subject, storedAt, event }`.
 */
const exportLines = async (store: JetStreamEventStore, target: PurgeTarget): Promise<string[]> => {
  const lines: string[] = [];
  for await (const stored of store.readFilter(runFilter(target.org.id as OrgId, target.run.runId as RunId))) {
    stored.commit.events.forEach((event, index) => lines.push(`${JSON.stringify({ seq: stored.seq, index, subject: stored.subject, storedAt: stored.time.toISOString(), event })}\n`));
  }
  return lines;
};

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/**
 * Writes the export durably (temporary file, fsync, rename) before anything is deleted. A run whose events are
 * already gone (a purge interrupted after the stream step) keeps the export written the first time.
 */
const exportRun = async (deps: PurgeDeps, target: PurgeTarget): Promise<PurgeOutcome> => {
  const lines = await exportLines(deps.store, target);
  const dir = join(deps.exportDir, target.org.slug);
  const file = join(dir, `${target.run.runId}.jsonl`);
  if (lines.length === 0) return { runId: target.run.runId, exported: 0, exportFile: (await exists(file)) ? file : null };
  await mkdir(dir, { recursive: true });
  const handle = await open(`${file}.partial`, 'w');
  try {
    await handle.writeFile(lines.join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(`${file}.partial`, file);
  return { runId: target.run.runId, exported: lines.length, exportFile: file };
};

const deleteRows = async (client: pg.ClientBase, input: { target: PurgeTarget; exportFile: string | null }): Promise<void> => {
  const { org, run } = input.target;
  await client.query('BEGIN');
  try {
    for (const t of PURGED_RUN_TABLES) await client.query(`DELETE FROM public.${quote(t.name)} WHERE org_id = $1 AND ${quote(t.runColumn)} = $2`, [org.id, run.runId]);
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
 * interrupted anywhere completes when retention runs again.
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
