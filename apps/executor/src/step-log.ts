import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { evolveStep, initialStepState, type Step, type StepStreamEvent } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, stepEventStream, type StepAddress, type StepEvent } from '@shaman/events';
import { deterministicId } from '@shaman/platform';

/**
 * A step as this executor knows it: its state folded from the log, the sequence of the last event on its
 * event subject (the fence: every append expects it), and how many events that subject holds (which
 * names the next event's deterministic id). `verified` says the handle is known to match the log: it was read
 * from it or advanced by an append behind the fence, or its request is too young to have been delivered before
 * (request-handler). A handle assumed fresh without that is checked before anything is staged (run-step).
 */
export type StepHandle = { address: StepAddress; state: Step; version: bigint; position: number; verified?: boolean };

/** Raised when another executor appended to the step first: this one must stop touching it. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

/** Rebuilds a step from both of its subjects (requests and recorded events), in stream order. */
export const loadStep = async (store: JetStreamEventStore, address: StepAddress): Promise<StepHandle> => {
  let state = initialStepState();
  let version = 0n;
  let position = 0;
  for await (const stored of store.readFilter(`*.${address.orgId}.${address.runId}.${address.stepId}`)) {
    const isEvt = stored.subject === store.subjectOf(stepEventStream(address));
    for (const raw of stored.commit.events) state = evolveStep(state, ShamanEvent.parse(raw) as StepStreamEvent);
    if (isEvt) {
      version = BigInt(stored.seq);
      position += stored.commit.events.length;
    }
  }
  return { address, state, version, position, verified: true };
};

/** The id of the event at `position` (+ `offset`) on a step's event subject: a retry computes the same one. */
export const nextEventId = (handle: StepHandle, offset = 0): string => deterministicId(handle.address.stepId, 'evt', handle.position + offset);

/** Appends decided events as one commit behind the fence and returns the advanced handle. */
export const appendStepEvents = async (store: JetStreamEventStore, handle: StepHandle, events: StepEvent[]): Promise<StepHandle> => {
  try {
    const result = await store.appendToStream(stepEventStream(handle.address), events, { expectedStreamVersion: handle.version });
    const state = events.reduce<Step>((s, e) => evolveStep(s, e), handle.state);
    return { ...handle, state, version: result.nextExpectedStreamVersion, position: handle.position + events.length, verified: true };
  } catch (error) {
    if (isExpectedVersionConflictError(error)) throw new FencedError(`step ${handle.address.stepId} was appended to by another executor`, { cause: error });
    throw error;
  }
};
