import { isTerminalStep, type Step, type StepRequest } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import type { ChildOutcome, ChildStepEnded, RunCancelRequested, StepAddress } from '@shaman/events';
import { ShamanEvent, isTerminalStepEvent, messageText, stepEventStream, stepRequestStream } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import type { StepRun } from './step-run.js';

/** What the parent's model observes of a child that ended: its answer, or why there is none (an observation, not a failure of the parent). */
export const childResult = (input: { childStepId: string; agent: string; outcome: ChildOutcome }): { output: unknown; isError: boolean } => {
  const { outcome, agent, childStepId: taskId } = input;
  switch (outcome.state) {
    case 'completed':
      return { output: { agent, taskId, text: outcome.text }, isError: false };
    case 'failed':
      return { output: { agent, taskId, error: `agent ${agent} failed: ${outcome.message}` }, isError: true };
    case 'canceled':
      return { output: { agent, taskId, error: `agent ${agent} was canceled${outcome.reason ? `: ${outcome.reason}` : ''}` }, isError: true };
  }
};

/**
 * A canceled step cancels the children it is still waiting for or that still run (async): a cancel request on
 * each child's request subject, which its executor (or, for a parked child, any executor) turns into its end,
 * and which it passes on to its own children in turn. Ids are deterministic, so repeating this after a crash
 * appends nothing twice.
 */
export const cancelOpenChildren = async (run: StepRun): Promise<void> => {
  const step = run.state();
  if (step.status !== 'working') return;
  const at = run.deps.clock().toISOString();
  const open = Object.entries(step.children).filter(([, child]) => child.outcome === null);
  await Promise.all(
    open.map(([childStepId]) => {
      const address = { ...run.handle.address, stepId: childStepId } as StepAddress;
      const cancel: RunCancelRequested = {
        type: 'RunCancelRequested',
        data: { reason: 'the calling step was canceled', requestedBy: { kind: 'agent', id: run.handle.address.stepId } },
        metadata: { ...address, eventId: deterministicId(childStepId, 'canceled-by-parent'), at } as RunCancelRequested['metadata'],
      };
      return run.deps.store.appendToStream(stepRequestStream(address), [cancel]);
    }),
  );
};

/**
 * A child step ended: tell its parent, on the parent's request subject, so whichever executor picks that up
 * resumes the parent (parked on this child, holding nothing). Called after every settled delivery of an ended
 * child — also a redelivery after a crash — so the notice is never lost; its id is deterministic and the parent
 * folds only the first, so a repeat changes nothing.
 */
export const notifyParent = async (deps: { store: JetStreamEventStore; clock: () => Date }, step: Step): Promise<void> => {
  if (!isTerminalStep(step) || !step.request?.parentStepId) return;
  const { request } = step;
  const outcome = await outcomeOf(deps.store, request);
  if (!outcome) return;
  const parent = { orgId: request.orgId, runId: request.runId, stepId: request.parentStepId } as StepAddress;
  const ended: ChildStepEnded = {
    type: 'ChildStepEnded',
    data: { childStepId: request.stepId as ChildStepEnded['data']['childStepId'], agent: request.agent.name, outcome },
    metadata: { ...parent, eventId: deterministicId(request.stepId, 'ended'), at: deps.clock().toISOString() } as ChildStepEnded['metadata'],
  };
  await deps.store.appendToStream(stepRequestStream(parent), [ended]);
};

const outcomeOf = async (store: JetStreamEventStore, request: StepRequest): Promise<ChildOutcome | null> => {
  const last = await store.lastCommit(stepEventStream({ orgId: request.orgId, runId: request.runId, stepId: request.stepId } as StepAddress));
  const end = last?.commit.events.map((e) => ShamanEvent.parse(e)).find(isTerminalStepEvent);
  if (!end) return null;
  switch (end.type) {
    case 'StepCompleted':
      return { state: 'completed', text: messageText(end.data.output) };
    case 'StepFailed':
      return { state: 'failed', message: `${end.data.error.code}: ${end.data.error.message}` };
    case 'StepCanceled':
      return { state: 'canceled', ...(end.data.reason ? { reason: end.data.reason } : {}) };
  }
};
