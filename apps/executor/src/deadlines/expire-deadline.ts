import { evolveStep, initialStepState, isTerminalStep, type Step, type StepStreamEvent } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, parseStreamName, runFilter, stepRequestStream, type OrgId, type RunId, type StepAddress, type StepDeadlineExceeded } from '@shaman/events';
import { deterministicId, type Logger } from '@shaman/platform';
import { loadStep } from '../step-log.js';

export type DeadlineJob = { scope: 'step' | 'run'; orgId: string; runId: string; stepId: string; timeoutMs: number; deadline: string };

type Deps = { store: JetStreamEventStore; clock: () => Date; logger: Logger };

/**
 * A deadline came due: append `StepDeadlineExceeded` to the request subject of the step (step deadline) or of
 * every step of the run still open (run deadline). Derived from the log and idempotent: a step that has ended
 * or already timed out gets nothing, and the event id is deterministic (step, "deadline", scope), so a job
 * BullMQ runs twice is deduplicated by JetStream (`Nats-Msg-Id`).
 */
export const expireDeadline = async (deps: Deps, job: DeadlineJob): Promise<void> => {
  const steps = job.scope === 'step' ? [await stepOf(deps.store, job)] : await stepsOfRun(deps.store, job);
  const open = steps.filter(({ state }) => state.status !== 'absent' && !isTerminalStep(state) && !('timedOut' in state && state.timedOut));
  for (const { address } of open) {
    const event: StepDeadlineExceeded = {
      type: 'StepDeadlineExceeded',
      data: { scope: job.scope, timeoutMs: job.timeoutMs, deadline: job.deadline },
      metadata: { ...address, eventId: deterministicId(address.stepId, 'deadline', job.scope), at: deps.clock().toISOString() } as StepDeadlineExceeded['metadata'],
    };
    await deps.store.appendToStream(stepRequestStream(address), [event]);
    deps.logger.info({ stepId: address.stepId, scope: job.scope, timeoutMs: job.timeoutMs }, 'deadline passed');
  }
};

type Folded = { address: StepAddress; state: Step };

const stepOf = async (store: JetStreamEventStore, job: DeadlineJob): Promise<Folded> => {
  const address = { orgId: job.orgId, runId: job.runId, stepId: job.stepId } as StepAddress;
  return { address, state: (await loadStep(store, address)).state };
};

/** Every step of the run, folded; external agents' nodes are left out (their caller ends them). */
const stepsOfRun = async (store: JetStreamEventStore, job: DeadlineJob): Promise<Folded[]> => {
  const steps = new Map<string, Folded>();
  const external = new Set<string>();
  for await (const stored of store.readFilter(runFilter(job.orgId as OrgId, job.runId as RunId))) {
    const name = parseStreamName(stored.subject.slice(store.subjectOf('').length));
    if (!name) continue;
    const address = { orgId: name.orgId, runId: name.runId, stepId: name.stepId } as StepAddress;
    for (const raw of stored.commit.events) {
      const parsed = ShamanEvent.safeParse(raw);
      if (!parsed.success) continue; // not a step's event (or a newer one): it cannot change whether the step is open
      const event = parsed.data;
      if (event.type === 'RunRequested' && event.data.external) external.add(name.stepId);
      const folded = steps.get(name.stepId) ?? { address, state: initialStepState() };
      steps.set(name.stepId, { address, state: evolveStep(folded.state, event as StepStreamEvent) });
    }
  }
  return [...steps.values()].filter(({ address }) => !external.has(address.stepId));
};
