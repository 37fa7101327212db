import { STREAM_DOES_NOT_EXIST, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { decideExternalCall, type ExternalCallCommand } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, isTerminalStepEvent, messageText, stepEventStream, stepRequestStream, type RunRequested, type StepAddress, type TerminalStepEvent } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import type { ToolContext } from '../../activities/call-tool.activity.js';
import { FencedError, appendStepEvents, loadStep, nextEventId, type StepHandle } from '../../step-log.js';

/** A command for the node without its metadata (the event id follows from the node's log, the time from the clock). */
export type ExternalIntent = ExternalCallCommand extends infer C ? (C extends ExternalCallCommand ? Omit<C, 'metadata'> : never) : never;

/** What a node of the DAG recorded as its end, if it has one. */
export type RecordedEnd = { status: 'completed'; text: string } | { status: 'failed'; message: string } | { status: 'canceled' };

export type ExternalNodeRequest = { caller: ToolContext; name: string; message: string; callId: string; external: { url: string; protocolVersion: '0.3' | '1.0' } };

/** The node's step id: derived from the calling step and its recorded tool call, so a resumed caller finds it again. */
export const externalNodeAddress = (caller: ToolContext, callId: string): StepAddress =>
  ({ orgId: caller.orgId, runId: caller.runId, stepId: deterministicId(caller.stepId, 'call', callId) }) as StepAddress;

const requestOf = (input: ExternalNodeRequest, address: StepAddress, at: string): RunRequested => ({
  type: 'RunRequested',
  data: {
    agent: { name: input.name, repository: input.caller.repository, commit: input.caller.commit ?? null },
    message: { messageId: address.stepId, role: 'user', parts: [{ kind: 'text', text: input.message }] },
    parentStepId: input.caller.stepId as RunRequested['data']['parentStepId'],
    depth: input.caller.depth + 1,
    initiator: { kind: 'agent', id: input.caller.stepId },
    callChain: [...(input.caller.callChain ?? [input.caller.agent]), input.name],
    external: input.external,
  },
  metadata: { ...address, eventId: deterministicId(address.stepId, 'request'), at } as RunRequested['metadata'],
});

/**
 * Appends the node's `RunRequested` once (expected: no such subject yet; a second attempt finds it and appends
 * nothing) and returns the node as its log has it. Executors ack an external request without running it.
 */
export const requestExternalNode = async (store: JetStreamEventStore, input: ExternalNodeRequest, at: string): Promise<StepHandle> => {
  const address = externalNodeAddress(input.caller, input.callId);
  const request = requestOf(input, address, at);
  try {
    await store.appendToStream(stepRequestStream(address), [request], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
  } catch (error) {
    if (!isExpectedVersionConflictError(error)) throw error; // requested by an earlier attempt
  }
  return loadStep(store, address);
};

/**
 * Decides and appends one event behind the node's fence. When another writer got there first (a stale attempt of
 * the same caller), its record stands: the node is reloaded and returned as the log has it.
 */
export const recordExternal = async (store: JetStreamEventStore, handle: StepHandle, decision: { intent: ExternalIntent; at: string }): Promise<StepHandle> => {
  const command = { ...decision.intent, metadata: { eventId: nextEventId(handle), at: decision.at } } as ExternalCallCommand;
  const event = decideExternalCall(command, handle.state);
  try {
    return await appendStepEvents(store, handle, [event]);
  } catch (error) {
    if (error instanceof FencedError) return loadStep(store, handle.address);
    throw error;
  }
};

/** The node's recorded end, if it has one: its terminal event is the last on its event subject. */
export const recordedEnd = async (store: JetStreamEventStore, handle: StepHandle): Promise<RecordedEnd | undefined> => {
  if (handle.state.status !== 'completed' && handle.state.status !== 'failed' && handle.state.status !== 'canceled') return undefined;
  const last = await store.lastCommit(stepEventStream(handle.address));
  const end = last?.commit.events.map((e) => ShamanEvent.safeParse(e)).find((r) => r.success && isTerminalStepEvent(r.data));
  const event = end?.success ? (end.data as TerminalStepEvent) : undefined;
  switch (event?.type) {
    case 'StepCompleted':
      return { status: 'completed', text: messageText(event.data.output) };
    case 'StepFailed':
      return { status: 'failed', message: event.data.error.message };
    case 'StepCanceled':
    case undefined:
      return { status: 'canceled' };
  }
};
