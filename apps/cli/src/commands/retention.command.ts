import { applyRetention, organizationPolicies, type OrgPolicy, type OrgRetention } from '@shaman/retention';
import type pg from 'pg';
import type { CliConfig } from '../config.js';
import type { Output } from '../output.js';
import { refusedBelow, resolveOrg } from '../replay/resolve-org.js';
import { withEventStore } from './event-store.js';
import { withAdmin } from './org.command.js';
import { printRetention } from './retention.output.js';

export type RetentionInput = { org?: string; dryRun: boolean; exportDir?: string };

const USAGE = 'usage: shaman retention apply [--org <slug>] (--export-dir DIR | --dry-run) [--json]';

/** The organizations to act for: the one named (or pinned by SHAMAN_API_KEY), else every one that has a policy. */
const organizations = async (config: CliConfig, client: pg.Client, slug: string | undefined): Promise<OrgPolicy[] | string> => {
  if (slug === undefined && !config.SHAMAN_API_KEY) return organizationPolicies(client);
  const resolved = await resolveOrg(client, { slug, apiKey: config.SHAMAN_API_KEY });
  if (!resolved.ok) return resolved.message;
  const refused = refusedBelow(resolved.org, { minimum: 'ADMIN', action: 'retention (it deletes runs)' });
  if (refused !== null) return refused;
  return organizationPolicies(client, { orgId: resolved.org.id });
};

// The plan, export and purge live in libs/retention, shared with the gql-api's scheduled job.
const applyFor = (config: CliConfig, input: { client: pg.Client; org: OrgPolicy; dryRun: boolean; exportDir: string }): Promise<OrgRetention> =>
  withEventStore(config, (store) => applyRetention({ store, client: input.client, exportDir: input.exportDir, now: new Date() }, { org: input.org, dryRun: input.dryRun }));

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
