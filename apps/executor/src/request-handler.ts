import type { JsMsg } from '@nats-io/jetstream';
import { decideStep, evolveStep, initialStepState, isTerminalStep, type Step } from '@shaman/domain';
import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { RequestEvent, type RunRequested } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import type { runStep } from './run-step.js';
import { FencedError, appendStepEvents, loadStep, nextEventId, type StepHandle } from './step-log.js';

/** How long an answer waits when it arrives while the run that asked the question is still letting go here. */
const INPUT_RETRY_MS = 250;

export type RequestHandlerDeps = {
  store: JetStreamEventStore;
  runStep: ReturnType<typeof runStep>;
  logger: Logger;
  /** Steps running in this process, so a cancel can abort their in-flight calls. */
  inFlight: Map<string, AbortController>;
  heartbeatMs: number;
  maxDeliver: number;
  clock: () => Date;
};

/**
 * Handles one delivery of the executors' shared consumer. Acks only once the step is terminal or parked
 * waiting for user input (its answer, `StepInputProvided`, is a new delivery that resumes it); lets go
 * without acking when fenced (another executor owns the step and will ack); naks other failures with
 * back-off, and on the last delivery records the step as failed so nothing stays "working" forever.
 */
export const handleRequest = (deps: RequestHandlerDeps) => {
  // A redelivery of a request this process is still running (its heartbeats were lost, e.g. across a
  // nats-server restart) is settled together with the running attempt, never acked on arrival: if that attempt
  // then failed, its nak would find the message already acked and nothing would retry the step (issue 8).
  const overtaken = new Map<string, JsMsg>();
  return async (m: JsMsg): Promise<void> => {
    const event = parseRequest(m, deps.logger);
    if (!event) return;
    const stepId = event.metadata.stepId;
    if (deps.inFlight.has(stepId)) {
      // An answer that overtook the question's own run (still finishing here): look again once that run let go.
      if (event.type === 'StepInputProvided') return m.nak(INPUT_RETRY_MS);
      if (event.type === 'RunRequested') return void overtaken.set(stepId, m);
      deps.inFlight.get(stepId)?.abort(); // a cancel: the running attempt ends the step
      m.ack();
      return;
    }
    const deliveries = (): JsMsg[] => [m, ...[overtaken.get(stepId)].filter((d): d is JsMsg => d !== undefined)];
    try {
      await handleDelivery(deps, { m, event, deliveries });
    } finally {
      overtaken.delete(stepId);
    }
  };
};

const handleDelivery = async (deps: RequestHandlerDeps, input: { m: JsMsg; event: RequestEvent; deliveries: () => JsMsg[] }): Promise<void> => {
  const { m, event } = input;
  const ack = () => input.deliveries().forEach((d) => d.ack());
  const controller = new AbortController();
  deps.inFlight.set(event.metadata.stepId, controller);
  const heartbeat = setInterval(() => input.deliveries().forEach((d) => d.working()), deps.heartbeatMs);
  try {
    const handle = event.type === 'RunRequested' && m.info.deliveryCount === 1 ? fresh(event) : await loadStep(deps.store, event.metadata);
    // A parked step (waiting for input) has no owner to hear a cancel broadcast: this executor ends it.
    if (event.type === 'RunCancelRequested' && handle.state.status === 'working' && !handle.state.awaitingInput) {
      ack(); // owned by a live executor (it got the broadcast) or, if that one died, the redelivery will see the cancel
      return;
    }
    if (event.type === 'StepInputProvided' && !answersQuestion(handle.state)) {
      deps.logger.warn({ stepId: event.metadata.stepId, status: handle.state.status }, 'input for a step that is not waiting for it; ignored');
      ack();
      return;
    }
    await settle(deps, { handle, attempt: m.info.deliveryCount, signal: controller.signal });
    ack();
  } catch (error) {
    // The newest delivery carries the server's count of attempts; an older one of the same message is stale.
    await onFailure(deps, { m: input.deliveries().at(-1) ?? m, error, address: event.metadata });
  } finally {
    clearInterval(heartbeat);
    deps.inFlight.delete(event.metadata.stepId);
  }
};

/**
 * Runs the step. When another executor appended first (fenced) the log decides: a step that has ended is
 * acked — nothing is left to do, whoever did it — while a step still open belongs to its new owner, so this
 * executor lets go without acking (acking would hide the message from that owner).
 */
const settle = async (deps: RequestHandlerDeps, input: { handle: StepHandle; attempt: number; signal: AbortSignal }): Promise<void> => {
  try {
    await deps.runStep(input);
  } catch (error) {
    if (!(error instanceof FencedError)) throw error;
    deps.logger.info({ stepId: input.handle.address.stepId }, 'fenced: another executor owns this step');
    const current = await loadStep(deps.store, input.handle.address);
    if (!isTerminalStep(current.state)) throw error;
  }
};

const onFailure = async (deps: RequestHandlerDeps, input: { m: JsMsg; error: unknown; address: RunRequested['metadata'] }): Promise<void> => {
  const { m, error } = input;
  if (error instanceof FencedError) return; // logged in settle; the new owner acks
  deps.logger.error({ err: error, stepId: input.address.stepId, attempt: m.info.deliveryCount }, 'step attempt failed');
  if (m.info.deliveryCount < deps.maxDeliver) {
    m.nak(retryDelayMs(error, m.info.deliveryCount));
    return;
  }
  await deadLetter(deps, input).catch((e: unknown) => deps.logger.error({ err: e }, 'could not record dead letter'));
  m.term(`gave up after ${m.info.deliveryCount} deliveries`);
};

/** The last attempt failed: record the step as failed (behind the fence) so callers see a terminal state. */
const deadLetter = async (deps: RequestHandlerDeps, input: { error: unknown; address: RunRequested['metadata'] }): Promise<void> => {
  const handle = await loadStep(deps.store, input.address);
  if (isTerminalStep(handle.state) || handle.state.status === 'absent') return;
  const message = `gave up after repeated failures: ${(input.error as Error).message}`;
  const code = String((input.error as { code?: unknown }).code ?? '').startsWith('llm.') ? 'model_error' : 'internal';
  const metadata = { at: deps.clock().toISOString(), eventId: nextEventId(handle) };
  await appendStepEvents(deps.store, handle, [decideStep({ type: 'FailStep', data: { code, message }, metadata }, handle.state)]);
};

/** Exponential back-off per delivery, or what the failing service asked for (`Retry-After`), capped at 10 minutes. */
const retryDelayMs = (error: unknown, deliveryCount: number): number => {
  const asked = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof asked === 'number' && asked > 0 ? Math.min(asked, 600_000) : Math.min(1000 * 2 ** deliveryCount, 30_000);
};

/** Whether the step has a question whose (first) answer is folded in but not yet recorded as the call's result. */
const answersQuestion = (step: Step): boolean => step.status === 'working' && step.awaitingInput !== null && step.awaitingInput.answer !== null;

const fresh = (event: RunRequested): StepHandle => ({
  address: event.metadata,
  state: evolveStep(initialStepState(), event),
  version: 0n,
  position: 0,
});

/** A request commit holds exactly one request event; anything else is poison and is terminated, not retried. */
const parseRequest = (m: JsMsg, logger: Logger): RequestEvent | null => {
  try {
    const [first, ...rest] = decodeCommit(m.data).events;
    if (rest.length > 0) throw new Error('a request commit must hold one event');
    return RequestEvent.parse(first);
  } catch (error) {
    logger.error({ err: error, seq: m.seq, subject: m.subject }, 'unparseable request; terminating it');
    m.term('unparseable request');
    return null;
  }
};
