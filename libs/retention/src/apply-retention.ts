import type { JetStreamEventStore } from '@shaman/event-store';
import type pg from 'pg';
import { purgeRun, recordedSizes, type PurgeOutcome } from './purge-run.js';
import { planRetention, type PlannedPurge, type RetainedRun, type RetentionPolicy } from './retention-plan.js';

/** An organization and its retention settings (migrations/0015). */
export type OrgPolicy = { id: string; slug: string; policy: RetentionPolicy };

/** What retention found and did for one organization. */
export type OrgRetention = { slug: string; policy: RetentionPolicy; runs: number; bytes: number; planned: PlannedPurge[]; purged: PurgeOutcome[] };

type PolicyRow = { id: string; slug: string; max_age_days: number | null; max_bytes: string | null };

const POLICIES = 'SELECT id, slug, retention_max_age_days AS max_age_days, retention_max_bytes::text AS max_bytes FROM organizations';
const toPolicy = (r: PolicyRow): OrgPolicy => ({ id: r.id, slug: r.slug, policy: { maxAgeDays: r.max_age_days, maxBytes: r.max_bytes === null ? null : Number(r.max_bytes) } });

/** Every organization that has a policy (what the scheduled job applies), by slug; or the one organization named. */
export const organizationPolicies = async (client: pg.ClientBase, only?: { orgId: string }): Promise<OrgPolicy[]> => {
  const rows = only
    ? await client.query<PolicyRow>(`${POLICIES} WHERE id = $1`, [only.orgId])
    : await client.query<PolicyRow>(`${POLICIES} WHERE retention_max_age_days IS NOT NULL OR retention_max_bytes IS NOT NULL ORDER BY slug`);
  return rows.rows.map(toPolicy);
};

const runsOf = async (client: pg.ClientBase, org: OrgPolicy, sizes: Map<string, { bytes: number; events: number }>): Promise<RetainedRun[]> => {
  const rows = await client.query<{ id: string; status: string; updated_at: Date }>('SELECT id, status, updated_at FROM runs WHERE org_id = $1', [org.id]);
  const known = new Set(rows.rows.map((r) => r.id));
  // Recorded but not (yet) projected: never a candidate, but its bytes count towards the organization's total.
  const unprojected = [...sizes.entries()].filter(([id]) => !known.has(id)).map(([runId, s]): RetainedRun => ({ runId, status: 'unknown', lastActivityAt: new Date(), ...s }));
  return [...rows.rows.map((r): RetainedRun => ({ runId: r.id, status: r.status, lastActivityAt: r.updated_at, ...(sizes.get(r.id) ?? { bytes: 0, events: 0 }) })), ...unprojected];
};

export type ApplyRetentionDeps = { store: JetStreamEventStore; client: pg.ClientBase; exportDir: string; now: Date };

/**
 * Applies one organization's policy: plans from its runs (read models) and recorded bytes (stream), then, unless
 * `dryRun`, exports and purges each planned run in turn (purgeRun). The CLI and the gql-api's job share this.
 */
export const applyRetention = async (deps: ApplyRetentionDeps, input: { org: OrgPolicy; dryRun: boolean }): Promise<OrgRetention> => {
  const { org } = input;
  const runs = await runsOf(deps.client, org, await recordedSizes(deps.store, org.id));
  const planned = planRetention(runs, { policy: org.policy, now: deps.now });
  const purged: PurgeOutcome[] = [];
  if (!input.dryRun) for (const run of planned) purged.push(await purgeRun(deps, { org, run }));
  return { slug: org.slug, policy: org.policy, runs: runs.length, bytes: runs.reduce((s, r) => s + r.bytes, 0), planned, purged };
};
