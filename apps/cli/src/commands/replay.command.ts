import { connectNats, createPool } from '@shaman/platform';
import { DEFAULT_PROJECTION } from '@shaman/projector';
import { pino } from 'pino';
import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { buildDag, formatDag } from '../replay/dag-tree.js';
import { reexecuteRun } from '../replay/reexecute-run.js';
import { readRunEvents, runExistsAnywhere, toReceivedCommits, type RecordedEvent } from '../replay/run-recording.js';
import { resolveOrg, type ResolvedOrg } from '../replay/resolve-org.js';
import { formatTimeline } from '../replay/timeline.js';
import { verifyRun } from '../replay/verify-run.js';
import { withEventStore } from './event-store.js';
import { withAdmin } from './org.command.js';
import { printReexecuteResult } from './replay-reexecute.output.js';
import { printVerifyResult } from './replay-verify.output.js';

export type ReplayInput = { runId?: string; org?: string; verify: boolean; reexecute: boolean };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USAGE = 'usage: shaman replay <runId> [--org <slug>] [--json] [--verify | --reexecute]';
const STEP_TIMEOUT_MS = 30_000;

type Loaded = { events: RecordedEvent[]; elsewhere: boolean };

/**
 * Reads the run under the organization's own subjects only, so another tenant's events are never even fetched.
 * Whether the run exists elsewhere is asked only of an operator who named the organization (admin access): a
 * key-pinned caller learns nothing about other tenants' runs.
 */
const load = (config: CliConfig, input: { org: ResolvedOrg; runId: string }): Promise<Loaded> =>
  withEventStore(config, async (store) => {
    const events = await readRunEvents(store, { orgId: input.org.id, runId: input.runId });
    const elsewhere = events.length === 0 && input.org.pinnedBy === 'flag' ? await runExistsAnywhere(store, input.runId) : false;
    return { events, elsewhere };
  });

const printEvents = (out: Output, events: readonly RecordedEvent[]): void => {
  // The events exactly as stored (not as parsed, which would drop unknown fields): this is the audit export.
  for (const e of events) out.data({ seq: e.seq, index: e.index, subject: e.subject, storedAt: e.time.toISOString(), event: e.raw });
};

const printRun = (out: Output, input: { runId: string; org: ResolvedOrg; events: readonly RecordedEvent[] }): void => {
  out.line(out.bold(`Timeline (${input.events.length} events, organization ${input.org.slug})`));
  for (const line of formatTimeline(input.events, out)) out.line(line);
  out.line();
  for (const line of formatDag(input.runId, buildDag(input.events), out)) out.line(line);
};

const verify = async (config: CliConfig, out: Output, input: { runId: string; org: ResolvedOrg; events: readonly RecordedEvent[] }): Promise<number> => {
  const pool = createPool(config.DATABASE_ADMIN_URL, { max: 1, applicationName: 'shaman-replay' });
  try {
    const result = await verifyRun(pool, { run: { orgId: input.org.id, runId: input.runId }, commits: toReceivedCommits(input.events), projection: DEFAULT_PROJECTION });
    return printVerifyResult(out, { ...result, runId: input.runId, lastSeq: input.events.at(-1)?.seq ?? 0 });
  } finally {
    await pool.end();
  }
};

const reexecute = async (config: CliConfig, out: Output, input: { runId: string; events: readonly RecordedEvent[] }): Promise<number> => {
  const nc = await connectNats(config.NATS_URL, 'shaman-cli-reexecute', { maxReconnectAttempts: 0 });
  const logger = pino({ name: 'shaman-replay', level: config.LOG_LEVEL }, pino.destination(2));
  try {
    const result = await reexecuteRun({ nc, logger, stepTimeoutMs: STEP_TIMEOUT_MS }, input.events);
    return printReexecuteResult(out, { ...result, runId: input.runId });
  } finally {
    await nc.drain();
  }
};

/**
 * `shaman replay <runId> [--org <slug>] [--json] [--verify | --reexecute]`: the run's recording as a timeline and a DAG, its
 * raw events as JSON Lines, a rebuild of its read models diffed against the live ones, or a re-execution of its
 * agent loop answered from the recording.
 */
export const replayCommand = async (config: CliConfig, out: Output, input: ReplayInput): Promise<number> => {
  const { runId } = input;
  if (!runId || !UUID.test(runId)) {
    out.error(runId ? `run id ${runId} is not a UUID\n${USAGE}` : USAGE);
    return 2;
  }
  const resolved = await withAdmin(config, (c) => resolveOrg(c, { slug: input.org, apiKey: config.SHAMAN_API_KEY }));
  if (!resolved.ok) {
    out.error(resolved.message);
    return input.org === undefined && !config.SHAMAN_API_KEY ? 2 : 1;
  }
  const { org } = resolved;
  const { events, elsewhere } = await load(config, { org, runId });
  if (events.length === 0) {
    out.error(elsewhere ? `run ${runId} is not a run of organization ${org.slug}: refused` : `no run ${runId} in organization ${org.slug} (nothing recorded under its subjects)`);
    return 1;
  }
  if (input.verify && input.reexecute) {
    out.error(`--verify and --reexecute are separate checks; run one at a time\n${USAGE}`);
    return 2;
  }
  if (input.verify) return verify(config, out, { runId, org, events });
  if (input.reexecute) return reexecute(config, out, { runId, events });
  if (out.json) printEvents(out, events);
  else printRun(out, { runId, org, events });
  return 0;
};
