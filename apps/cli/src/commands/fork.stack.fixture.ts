import type { JetStreamEventStore } from '@shaman/event-store';
import { stepRequestStream, type ShamanEvent, type StepAddress } from '@shaman/events';
import { eventually as waitUntil, runRequested, stepEvents, stepEventsUntil } from '@shaman/testing';

// The fork, diff and retention specs run the CLI against the replay specs' stack (replay.stack.fixture.ts) and
// record runs straight into its log with these.

/** Polls `probe` until it returns something other than undefined. */
export const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> => waitUntil(probe, { what, timeoutMs });

export { stepEvents };

export const stepEventsUntilEnd = (store: JetStreamEventStore, a: StepAddress): Promise<ShamanEvent[]> => stepEventsUntil(store, a, { timeoutMs: 20_000 });

/** Records a root step of a new run (as the gateway would) and waits for its end. */
export const recordRun = async (store: JetStreamEventStore, input: { orgId: string; agent: string; repository: string; text: string }): Promise<StepAddress> => {
  const request = runRequested(input);
  await store.appendToStream(stepRequestStream(request.metadata), [request]);
  await stepEventsUntilEnd(store, request.metadata);
  return request.metadata;
};
