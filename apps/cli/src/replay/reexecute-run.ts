import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { isTerminalStepEvent, StepEvent, stepEventStream, stepRequestStream, type EventId, type RequestEvent, type RunRequested, type StepAddress } from '@shaman/events';
import { startExecutorOn, type Executor } from '@shaman/executor';
import { EXECUTOR_CONSUMER } from '@shaman/nats-infra';
import type { Logger } from '@shaman/platform';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstDivergence, type Divergence } from './compare-steps.js';
import { createRecordedAnswers, type RecordedAnswers } from './recorded-answers.js';
import { createRecordedTools, type SequencedStepEvent } from './recorded-tools.js';
import type { RecordedEvent } from './run-recording.js';

export type ReexecuteResult = { steps: number; modelCalls: number; divergence: Divergence | null };
type RecordedStep = { request: RunRequested; inputs: RequestEvent[]; recorded: StepEvent[]; sequenced: SequencedStepEvent[] };

/** The run's steps in the order they were requested, each with what callers sent it and what was recorded. */
const stepsOf = (events: readonly RecordedEvent[]): RecordedStep[] => {
  const steps = new Map<string, RecordedStep>();
  for (const { event, seq } of events) {
    if (event === null) continue;
    const step = steps.get(event.metadata.stepId);
    if (event.type === 'RunRequested') steps.set(event.metadata.stepId, step ?? { request: event, inputs: [], recorded: [], sequenced: [] });
    else if (step === undefined) continue;
    else if (event.type === 'StepInputProvided' || event.type === 'RunCancelRequested' || event.type === 'ChildStepEnded' || event.type === 'StepDeadlineExceeded') step.inputs.push(event);
    else {
      step.recorded.push(event);
      step.sequenced.push({ seq, event });
    }
  }
  // An external agent's node is recorded by the step that called it (its tool, answered from the recording here).
  return [...steps.values()].filter((s) => !s.request.data.external);
};

const replayedEvents = async (store: JetStreamEventStore, address: StepAddress): Promise<StepEvent[]> => {
  const out: StepEvent[] = [];
  for await (const c of store.readFilter(stepEventStream(address))) out.push(...c.commit.events.map((e) => StepEvent.parse(e)));
  return out;
};

type StepRun = { store: JetStreamEventStore; answers: RecordedAnswers; step: RecordedStep; deadline: number; idle: () => Promise<boolean> };

/**
 * Sends the recorded request to the scratch executor and waits until the step ends, or lets go of it (parked on
 * a question or on an agent it called) with nothing recorded left to send it. What callers sent the step (an
 * answer, a called agent's end, a cancel, a passed deadline) is sent in recorded order, each once the executor
 * is idle: every delivery settled, so none arrives while the step is still held (it would be refused).
 */
const runStep = async ({ store, answers, step, deadline, idle }: StepRun): Promise<StepEvent[]> => {
  const address = step.request.metadata;
  await store.appendToStream(stepRequestStream(address), [step.request]);
  const inputs = [...step.inputs];
  for (;;) {
    const replayed = await replayedEvents(store, address);
    const last = replayed.at(-1);
    if ((last && isTerminalStepEvent(last)) || answers.problem() !== null || Date.now() > deadline) return replayed;
    // Idle and not ended: parked, unless something was recorded since the read above (then look again).
    if ((await idle()) && (await replayedEvents(store, address)).length === replayed.length) {
      const next = inputs.shift();
      if (next === undefined) return replayed; // the recording ends waiting here too
      await store.appendToStream(stepRequestStream(address), [asSent(next)]);
    }
    await sleep(25);
  }
};

/*
 * A called agent's end is sent under an id of its own: the child, re-executed later as its own step, tells its
 * caller again under the recorded (deterministic) id, which must not collide with this copy. The caller folds
 * only the first end of a child, so the second changes nothing.
 */
const asSent = (input: RequestEvent): RequestEvent =>
  input.type === 'ChildStepEnded' ? { ...input, metadata: { ...input.metadata, eventId: randomUUID() as EventId } } : input;

/** Whether the scratch executor has nothing delivered, pending or running. */
const idleOf = (input: { store: JetStreamEventStore; stream: string; executor: Executor }) => async (): Promise<boolean> => {
  if (input.executor.inFlight() > 0) return false;
  const info = await input.store.jsm.consumers.info(input.stream, EXECUTOR_CONSUMER);
  return info.num_pending === 0 && info.num_ack_pending === 0 && input.executor.inFlight() === 0;
};

/** The first divergence of a step, with the request its model was asked this time (recordings keep only its hash). */
const explain = (input: { step: RecordedStep; replayed: StepEvent[]; answers: RecordedAnswers }): Divergence | null => {
  const { step, replayed, answers } = input;
  const found = firstDivergence({ stepId: step.request.metadata.stepId, agent: step.request.data.agent.name, recorded: step.recorded, replayed });
  const problem = answers.problem();
  if (found === null && problem === null) return null;
  const d = found ?? { stepId: step.request.metadata.stepId, agent: step.request.data.agent.name, position: replayed.length, what: '', expected: null, actual: null };
  const iteration = (d.expected as { iteration?: unknown } | null)?.iteration;
  const request = (typeof iteration === 'number' ? answers.requests()[iteration] : undefined) ?? answers.requests().at(-1) ?? null;
  return { ...d, what: problem ?? d.what, actual: { event: d.actual, request } };
};

const CONFIG = { EXECUTOR_ID: 'replay', EXECUTOR_CONCURRENCY: 1, EXECUTOR_ACK_WAIT_MS: 30_000, EXECUTOR_MAX_DELIVER: 1, EXECUTOR_MAX_ACK_PENDING: 10, STEP_MAX_ITERATIONS: 10, LLM_MAX_ATTEMPTS: 1 };

/**
 * Re-executes a run with the real step loop (the executor, exported entry point) on a scratch stream, one step
 * at a time in request order, every model call and every tool call answered from the recording (`call_agent`
 * included: the recorded child's end is sent to its caller, and the child is re-executed as a step of its own):
 * no live model, tool, database or agent is called. Agents resolve at the commit each step is pinned to. Stops
 * at the first divergence. The scratch stream is deleted afterwards.
 */
export const reexecuteRun = async (deps: { nc: NatsConnection; logger: Logger; stepTimeoutMs: number }, events: readonly RecordedEvent[]): Promise<ReexecuteResult> => {
  const id = randomBytes(5).toString('hex');
  const layout = { stream: `SHAMAN_REPLAY_${id.toUpperCase()}`, subjectPrefix: `replay-${id}`, replicas: 1 };
  const answers = createRecordedAnswers();
  const tools = createRecordedTools({ modelCalls: () => answers.requests().length });
  const executor = await startExecutorOn({ nc: deps.nc, layout, logger: deps.logger, config: CONFIG, providers: answers.registry, tools: tools.source });
  const steps = stepsOf(events);
  try {
    const store = await createJetStreamEventStore({ nc: deps.nc, ...layout });
    const idle = idleOf({ store, stream: layout.stream, executor });
    for (const [i, step] of steps.entries()) {
      answers.load(step.recorded.flatMap((e) => (e.type === 'LlmResponded' ? [e.data] : [])));
      tools.load(step.sequenced);
      const replayed = await runStep({ store, answers, step, deadline: Date.now() + deps.stepTimeoutMs, idle });
      const divergence = explain({ step, replayed, answers });
      if (divergence !== null) return { steps: i + 1, modelCalls: answers.calls(), divergence };
    }
    return { steps: steps.length, modelCalls: answers.calls(), divergence: null };
  } finally {
    await executor.stop(1000);
    await (await jetstreamManager(deps.nc)).streams.delete(layout.stream).catch(() => undefined);
  }
};
