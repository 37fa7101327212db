import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, isTerminalStepEvent, stepEventStream, type RunRequested, type StepAddress } from '@shaman/events';
import { randomUUID } from 'node:crypto';
import { eventually } from './eventually.js';

/** A root-step `RunRequested` for `agent` in `repository`, as the gateway would record it, with fresh ids. */
export const runRequested = (input: { orgId: string; agent: string; repository: string; text: string }): RunRequested => {
  const address = { orgId: input.orgId, runId: randomUUID(), stepId: randomUUID() } as StepAddress;
  return {
    type: 'RunRequested',
    data: {
      agent: { name: input.agent, repository: input.repository, commit: null },
      message: { messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: input.text }] },
      parentStepId: null,
      depth: 0,
      initiator: { kind: 'system', id: 'test' },
    },
    metadata: { ...address, eventId: randomUUID(), at: new Date().toISOString() } as RunRequested['metadata'],
  };
};

/** Everything recorded on a step's event subject so far, parsed. */
export const stepEvents = async (store: JetStreamEventStore, a: StepAddress): Promise<ShamanEvent[]> => {
  const out: ShamanEvent[] = [];
  for await (const c of store.readFilter(stepEventStream(a))) out.push(...c.commit.events.map((e) => ShamanEvent.parse(e)));
  return out;
};

/** A step's recorded events once one of them matches `until` (default: a terminal event). */
export const stepEventsUntil = (
  store: JetStreamEventStore,
  a: StepAddress,
  options: { until?: (e: ShamanEvent) => boolean; timeoutMs?: number } = {},
): Promise<ShamanEvent[]> => {
  const until = options.until ?? isTerminalStepEvent;
  return eventually(async () => {
    const events = await stepEvents(store, a);
    return events.some(until) ? events : undefined;
  }, { timeoutMs: options.timeoutMs ?? 15_000, what: `step ${a.stepId}` });
};
