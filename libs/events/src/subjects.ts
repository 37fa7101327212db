import type { OrgId, RunId, StepId } from './ids.js';
import { isRequestEvent, type ShamanEvent } from './catalog.js';

/**
 * Stream names (emmett's `streamName`) are NATS subjects relative to the deployment's subject prefix:
 * `req.<org>.<run>.<step>` for what callers ask of a step, `evt.<org>.<run>.<step>` for what the executor
 * records. The event store prepends the prefix (`shaman` in production, a unique one per test suite).
 */
export type StreamKind = 'req' | 'evt';
export type StepAddress = { orgId: OrgId; runId: RunId; stepId: StepId };

export const stepStreamName = (kind: StreamKind, a: StepAddress): string => `${kind}.${a.orgId}.${a.runId}.${a.stepId}`;
export const stepRequestStream = (a: StepAddress): string => stepStreamName('req', a);
export const stepEventStream = (a: StepAddress): string => stepStreamName('evt', a);

/** The stream an event belongs to, from its own metadata. */
export const streamNameOf = (event: ShamanEvent): string =>
  stepStreamName(isRequestEvent(event) ? 'req' : 'evt', event.metadata);

/** Filter for every subject of one run: both kinds, every step. */
export const runFilter = (orgId: OrgId, runId: RunId): string => `*.${orgId}.${runId}.>`;
/** Filter for every request of every run: the executors' shared consumer. */
export const ALL_REQUESTS = 'req.>';
/** Filter for every executor-recorded event. */
export const ALL_STEP_EVENTS = 'evt.>';

/** Splits a relative stream name back into its parts; null when it is not one of ours. */
export const parseStreamName = (name: string): ({ kind: StreamKind } & Record<'orgId' | 'runId' | 'stepId', string>) | null => {
  const [kind, orgId, runId, stepId, ...rest] = name.split('.');
  if (rest.length > 0 || !orgId || !runId || !stepId) return null;
  if (kind !== 'req' && kind !== 'evt') return null;
  return { kind, orgId, runId, stepId };
};
