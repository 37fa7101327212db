import type pg from 'pg';
import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { purgeRun, recordedSizes, type PurgeOutcome } from '../replay/purge-run.js';
import { refusedBelow, resolveOrg } from '../replay/resolve-org.js';
import { planRetention, type PlannedPurge, type RetainedRun, type RetentionPolicy } from '../replay/retention-plan.js';
import { withEventStore } from './event-store.js';
import { withAdmin } from './org.command.js';
import { printRetention, type OrgRetention } from './retention.output.js';

export type RetentionInput = { org?: string; dryRun: boolean; exportDir?: string };

const USAGE = 'usage: shaman retention apply [--org <slug>] (--export-dir DIR | --dry-run) [--json]';

type OrgPolicy = { id: string; slug: string; policy: RetentionPolicy };
type PolicyRow = { id: string; slug: string; max_age_days: number | null; max_bytes: string | null };

const POLICIES = 'SELECT id, slug, retention_max_age_days AS max_age_days, retention_max_bytes::text AS max_bytes FROM organizations';
const toPolicy = (r: PolicyRow): OrgPolicy => ({ id: r.id, slug: r.slug, policy: { maxAgeDays: r.max_age_days, maxBytes: r.max_bytes === null ? null : Number(r.max_bytes) } });

/** The organizations to act for: the one named (or pinned by SHAMAN_API_KEY), else every one that has a policy. */
const organizations = async (config: CliConfig, client: pg.Client, slug: string | undefined): Promise<OrgPolicy[] | string> => {
  if (slug === undefined && !config.SHAMAN_API_KEY) {
    const rows = await client.query<PolicyRow>(`${POLICIES} WHERE retention_max_age_days IS NOT NULL OR retention_max_bytes IS NOT NULL ORDER BY slug`);
    return rows.rows.map(toPolicy);
  }
  const resolved = await resolveOrg(client, { slug, apiKey: config.SHAMAN_API_KEY });
  if (!resolved.ok) return resolved.message;
  const refused = refusedBelow(resolved.org, { minimum: 'ADMIN', action: 'retention (it deletes runs)' });
  if (refused !== null) return refused;
  return (await client.query<PolicyRow>(`${POLICIES} WHERE id = $1`, [resolved.org.id])).rows.map(toPolicy);
};

const runsOf = async (client: pg.Client, org: OrgPolicy, sizes: Map<string, { bytes: number; events: number }>): Promise<RetainedRun[]> => {
  const rows = await client.query<{ id: string; status: string; updated_at: Date }>('SELECT id, status, updated_at FROM runs WHERE org_id = $1', [org.id]);
  const known = new Set(rows.rows.map((r) => r.id));
  // Recorded but not (yet) projected: never a candidate, but its bytes count towards the organization's total.
  const unprojected = [...sizes.entries()].filter(([id]) => !known.has(id)).map(([runId, s]): RetainedRun => ({ runId, status: 'unknown', lastActivityAt: new Date(), ...s }));
  return [...rows.rows.map((r): RetainedRun => ({ runId: r.id, status: r.status, lastActivityAt: r.updated_at, ...(sizes.get(r.id) ?? { bytes: 0, events: 0 }) })), ...unprojected];
};

const applyFor = async (config: CliConfig, input: { client: pg.Client; org: OrgPolicy; dryRun: boolean; exportDir: string }): Promise<OrgRetention> =>
  withEventStore(config, async (store) => {
    const { org } = input;
    const runs = await runsOf(input.client, org, await recordedSizes(store, org.id));
    const planned: PlannedPurge[] = planRetention(runs, { policy: org.policy, now: new Date() });
    const purged: PurgeOutcome[] = [];
    if (!input.dryRun) for (const run of planned) purged.push(await purgeRun({ store, client: input.client, exportDir: input.exportDir }, { org, run }));
    return { slug: org.slug, policy: org.policy, runs: runs.length, bytes: runs.reduce((s, r) => s + r.bytes, 0), planned, purged };
  });

/**
 * `shaman retention apply`: for each organization's policy, exports the runs past it (JSON Lines, as `replay
 * --json`), then deletes them from the event stream and the read models. `--dry-run` lists them and changes nothing.
 */
export const retentionApplyCommand = async (config: CliConfig, out: Output, input: RetentionInput): Promise<number> => {
  if (!input.dryRun && !input.exportDir) {
    out.error(`--export-dir is required: a run is exported before it is deleted (or use --dry-run)\n${USAGE}`);
    return 2;
  }
  return withAdmin(config, async (client) => {
    const orgs = await organizations(config, client, input.org);
    if (typeof orgs === 'string') {
      out.error(orgs);
      return 1;
    }
    const results: OrgRetention[] = [];
    for (const org of orgs) results.push(await applyFor(config, { client, org, dryRun: input.dryRun, exportDir: input.exportDir ?? '' }));
    printRetention(out, { dryRun: input.dryRun, orgs: results });
    return 0;
  });
};
