import type { Output } from '../output.js';
import type { OrgRetention, RetentionPolicy } from '@shaman/retention';

const policyText = (p: RetentionPolicy): string =>
  p.maxAgeDays === null && p.maxBytes === null ? 'keep forever' : [p.maxAgeDays === null ? null : `${p.maxAgeDays} days`, p.maxBytes === null ? null : `${p.maxBytes} bytes`].filter(Boolean).join(', ');

/** One block per organization: its policy, what it holds, and each run deleted (or, dry, that would be). */
export const printRetention = (out: Output, input: { dryRun: boolean; orgs: OrgRetention[] }): void => {
  if (out.json) {
    out.data({
      dryRun: input.dryRun,
      organizations: input.orgs.map((o) => ({
        slug: o.slug, policy: o.policy, runs: o.runs, bytes: o.bytes,
        runsPastPolicy: o.planned.map((p) => ({ runId: p.runId, reason: p.reason, lastActivityAt: p.lastActivityAt.toISOString(), events: p.events, bytes: p.bytes, exportFile: o.purged.find((x) => x.runId === p.runId)?.exportFile ?? null })),
      })),
    });
    return;
  }
  if (input.orgs.length === 0) out.line('no organization has a retention policy: nothing to do');
  for (const o of input.orgs) {
    out.line(`${out.bold(o.slug)}: ${policyText(o.policy)}; ${o.runs} runs, ${o.bytes} bytes recorded`);
    if (o.planned.length === 0) out.line('  nothing past the policy');
    for (const p of o.planned) {
      const done = o.purged.find((x) => x.runId === p.runId);
      const where = done ? (done.exportFile ? `exported to ${done.exportFile}, deleted` : 'no events left to export, deleted') : 'would be exported and deleted';
      out.line(`  ${p.runId} ${p.reason === 'max_age' ? 'older than the limit' : 'over the byte limit'} (last activity ${p.lastActivityAt.toISOString()}, ${p.events} events, ${p.bytes} bytes): ${where}`);
    }
  }
};
