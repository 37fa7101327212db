import type { CliConfig } from '../config.js';
import { withEventStore } from '../commands/event-store.js';
import { withAdmin } from '../commands/org.command.js';
import type { Output } from '../output.js';
import { resolveOrg, type ResolvedOrg } from './resolve-org.js';
import { readRunEvents, runExistsAnywhere, type RecordedEvent } from './run-recording.js';

export type LoadedRun = { org: ResolvedOrg; events: RecordedEvent[] };

/**
 * Resolves the organization (`--org`, else SHAMAN_API_KEY) and reads the run under its subjects only, with the
 * same refusals as `shaman replay`: a number is the exit code after the message was printed.
 */
export const loadRun = async (config: CliConfig, out: Output, input: { runId: string; org?: string | undefined }): Promise<LoadedRun | number> => {
  const resolved = await withAdmin(config, (c) => resolveOrg(c, { slug: input.org, apiKey: config.SHAMAN_API_KEY }));
  if (!resolved.ok) {
    out.error(resolved.message);
    return input.org === undefined && !config.SHAMAN_API_KEY ? 2 : 1;
  }
  const { org } = resolved;
  return withEventStore(config, async (store) => {
    const events = await readRunEvents(store, { orgId: org.id, runId: input.runId });
    if (events.length > 0) return { org, events };
    // Only an operator who named the organization learns whether the run belongs to another one.
    const elsewhere = org.pinnedBy === 'flag' && (await runExistsAnywhere(store, input.runId));
    out.error(elsewhere ? `run ${input.runId} is not a run of organization ${org.slug}: refused` : `no run ${input.runId} in organization ${org.slug} (nothing recorded under its subjects)`);
    return 1;
  });
};
