import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { isTerminalStepEvent, StepEvent, stepEventStream, stepRequestStream, type RequestEvent, type RunRequested, type StepAddress } from '@shaman/events';
import { startExecutorOn } from '@shaman/executor';
import type { Logger } from '@shaman/platform';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstDivergence, type Divergence } from './compare-steps.js';
import { createRecordedAnswers, type RecordedAnswers } from './recorded-answers.js';
import type { RecordedEvent } from './run-recording.js';

export type ReexecuteResult = { steps: number; modelCalls: number; divergence: Divergence | null };
type RecordedStep = { request: RunRequested; inputs: RequestEvent[]; recorded: StepEvent[] };

/** The run's steps in the order they were requested, each with what callers sent it and what was recorded. */
const stepsOf = (events: readonly RecordedEvent[]): RecordedStep[] => {
  const steps = new Map<string, RecordedStep>();
  for (const { event } of events) {
    if (event === null) continue;
    const step = steps.get(event.metadata.stepId);
    if (event.type === 'RunRequested') steps.set(event.metadata.stepId, step ?? { request: event, inputs: [], recorded: [] });
    else if (step === undefined) continue;
    else if (event.type === 'StepInputProvided' || event.type === 'RunCancelRequested' || event.type === 'ChildStepEnded' || event.type === 'StepDeadlineExceeded') step.inputs.push(event);
    else step.recorded.push(event);
  }
  return [...steps.values()];
};

const replayedEvents = async (store: JetStreamEventStore, address: StepAddress): Promise<StepEvent[]> => {
  const out: StepEvent[] = [];
  for await (const c of store.readFilter(stepEventStream(address))) out.push(...c.commit.events.map((e) => StepEvent.parse(e)));
  return out;
};

type StepRun = { store: JetStreamEventStore; answers: RecordedAnswers; step: RecordedStep; deadline: number };

/**
 * Sends the recorded request to the scratch executor and waits until the step ends (or parks with nothing
 * recorded to answer it); a recorded answer or cancel is sent when the step reaches the point it came at.
 */
const runStep = async ({ store, answers, step, deadline }: StepRun): Promise<StepEvent[]> => {
  const address = step.request.metadata;
  await store.appendToStream(stepRequestStream(address), [step.request]);
  const inputs = [...step.inputs];
  for (;;) {
    const replayed = await replayedEvents(store, address);
    const last = replayed.at(-1);
    if ((last && isTerminalStepEvent(last)) || answers.problem() !== null || Date.now() > deadline) return replayed;
    const next = inputs[0];
    if (last?.type === 'StepInputRequired') {
      if (next === undefined) return replayed; // the recording ends waiting here too
      await store.appendToStream(stepRequestStream(address), [next]);
      inputs.shift();
    }
    await sleep(25);
  }
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
 * at a time, every model call answered from the recording and no tool but the executor's built-ins offered: no
 * live model or tool call is made. Agents resolve at the commit each step is pinned to. Stops at the first
 * divergence. The scratch stream is deleted afterwards.
 */
export const reexecuteRun = async (deps: { nc: NatsConnection; logger: Logger; stepTimeoutMs: number }, events: readonly RecordedEvent[]): Promise<ReexecuteResult> => {
  const id = randomBytes(5).toString('hex');
  const layout = { stream: `SHAMAN_REPLAY_${id.toUpperCase()}`, subjectPrefix: `replay-${id}`, replicas: 1 };
  const answers = createRecordedAnswers();
  const executor = await startExecutorOn({ nc: deps.nc, layout, logger: deps.logger, config: CONFIG, providers: answers.registry, tools: { toolsFor: async () => new Map() } });
  const steps = stepsOf(events);
  try {
    const store = await createJetStreamEventStore({ nc: deps.nc, ...layout });
    for (const [i, step] of steps.entries()) {
      answers.load(step.recorded.flatMap((e) => (e.type === 'LlmResponded' ? [e.data] : [])));
      const replayed = await runStep({ store, answers, step, deadline: Date.now() + deps.stepTimeoutMs });
      const divergence = explain({ step, replayed, answers });
      if (divergence !== null) return { steps: i + 1, modelCalls: answers.calls(), divergence };
    }
    return { steps: steps.length, modelCalls: answers.calls(), divergence: null };
  } finally {
    await executor.stop(1000);
    await (await jetstreamManager(deps.nc)).streams.delete(layout.stream).catch(() => undefined);
  }
};
