import { registryStream, RegistrySkipped } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import { randomUUID } from 'node:crypto';
import type { ToolContext } from '../activities/call-tool.activity.js';

/** A registry resolution passed over, and why (the not-found message's text). */
export type SkippedRegistry = { registryId: string; name: string; reason: string };

/** Records that resolution of `agent` for `caller`'s step skipped a registry. Never throws, never waits. */
export type RegistrySkipRecorder = (caller: ToolContext, agent: string, skipped: SkippedRegistry) => void;

export type RegistrySkipRecorderDeps = {
  /** Appends one commit to a stream (the event store's `appendToStream`). */
  append: (stream: string, events: RegistrySkipped[]) => Promise<unknown>;
  logger: Pick<Logger, 'warn'>;
  clock?: () => Date;
  newId?: () => string;
  /** How many (step, registry) pairs are remembered to record each once; the oldest are forgotten past it. */
  remember?: number;
};

/**
 * The `RegistrySkipped` warning event (docs/agents.md, "Resolution"), on the registry's subject. Best effort by
 * design: the append is not awaited by resolution (a slow or absent NATS must not slow a call down, let alone
 * hang it), and a failure is logged only. At most one per registry and step in this process: a step that calls
 * several agents, or asks again, does not repeat the warning. A step re-run elsewhere (a claim after a crash)
 * may record it once more; that is the honest account of a second attempt.
 */
export const createRegistrySkipRecorder = (deps: RegistrySkipRecorderDeps): RegistrySkipRecorder => {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const remember = deps.remember ?? 10_000;
  const recorded = new Set<string>();
  return (caller, agent, skipped) => {
    const key = `${caller.stepId}:${skipped.registryId}`;
    if (recorded.has(key)) return;
    recorded.add(key);
    // A Set iterates in insertion order: the first key is the oldest.
    if (recorded.size > remember) recorded.delete(recorded.values().next().value ?? key);
    const parsed = RegistrySkipped.safeParse({
      type: 'RegistrySkipped',
      data: { ...skipped, agent, caller: caller.agent, runId: caller.runId, stepId: caller.stepId },
      metadata: { eventId: newId(), orgId: caller.orgId, registryId: skipped.registryId, at: clock().toISOString() },
    });
    if (!parsed.success) {
      deps.logger.warn({ orgId: caller.orgId, registry: skipped.name, issues: parsed.error.issues.slice(0, 3) }, 'registry skip not recorded: invalid event');
      return;
    }
    void deps
      .append(registryStream(caller.orgId, skipped.registryId), [parsed.data])
      .catch((error: unknown) => deps.logger.warn({ err: error, orgId: caller.orgId, registry: skipped.name }, 'registry skip not recorded'));
  };
};
