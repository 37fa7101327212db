import type { JsMsg } from '@nats-io/jetstream';
import { DEFAULT_RETRY_POLICY, decideRetry, evolveStep, initialStepState, isTerminalStep, nextAction, type RetryPolicy, type Step } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import { RequestEvent, type RunRequested } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import type { runStep } from './run-step.js';
import { FencedError, loadStep, type StepHandle } from './step-log.js';
import { deadlineAbortOf } from './deadlines/deadline-abort.js';
import { classifyFailure, recordDeadLetter, recordRetry } from './deadlines/failed-attempt.js';
import { notifyParent } from './child-calls.js';
import { requestCommitOf } from './request-commit.js';

/** How long an answer waits when it arrives while the run that asked the question is still letting go here. */
const INPUT_RETRY_MS = 250;
/** How often, and how many times, a forked step's request looks for its copied prefix (appended right after it). */
const FORK_PREFIX_POLL_MS = 100;
const FORK_PREFIX_POLLS = 50;

export type RequestHandlerDeps = {
  store: JetStreamEventStore;
  runStep: ReturnType<typeof runStep>;
  logger: Logger;
  /** Steps running in this process, so a cancel can abort their in-flight calls. */
  inFlight: Map<string, AbortController>;
  heartbeatMs: number;
  maxDeliver: number;
  clock: () => Date;
  /** Back-off and attempts per kind of failure (default: DEFAULT_RETRY_POLICY), capped by `maxDeliver`. */
  retryPolicy?: RetryPolicy;
  /**
   * The consumer's `ack_wait`. Without it every first delivery is checked against the log before the step's
   * claim is staged (run-step `isCurrent`); with it, only one whose request is old enough to have been delivered
   * before (`firstDeliveryUnseen`).
   */
  ackWaitMs?: number;
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
    // An external agent's node: the executor that called it records it; there is nothing to run here.
    if (event.type === 'RunRequested' && event.data.external) return m.ack();
    const stepId = event.metadata.stepId;
    if (deps.inFlight.has(stepId)) {
      // An answer that overtook the question's own run (still finishing here): look again once that run let go.
      if (event.type === 'StepInputProvided' || event.type === 'ChildStepEnded') return m.nak(INPUT_RETRY_MS);
      if (event.type === 'RunRequested') return void overtaken.set(stepId, m);
      // A cancel or a passed deadline: the running attempt ends the step (failed with `timeout` for a deadline).
      deps.inFlight.get(stepId)?.abort(event.type === 'StepDeadlineExceeded' ? deadlineAbortOf(event) : undefined);
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
    // A fork's first request is not fresh: its copied prefix follows it on the step's event subject.
    const prefix = event.type === 'RunRequested' ? event.data.forkedFrom?.prefixEvents : undefined;
    const handle =
      event.type === 'RunRequested' && m.info.deliveryCount === 1 && prefix === undefined
        ? fresh(event, firstDeliveryUnseen(m, deps))
        : await loadWithPrefix(deps.store, { address: event.metadata, prefixEvents: prefix ?? 0 });
    // A parked step (waiting for input) has no owner to hear a cancel broadcast: this executor ends it.
    if ((event.type === 'RunCancelRequested' || event.type === 'StepDeadlineExceeded') && handle.state.status === 'working' && !isParked(handle.state)) {
      // A deadline must end the step even if its owner is gone for good (its request out of deliveries): look
      // again later, and a step still open then is taken over and failed here (its owner, if alive, is fenced).
      if (event.type === 'StepDeadlineExceeded' && m.info.deliveryCount === 1) return m.nak(deps.heartbeatMs * 6);
      if (event.type === 'RunCancelRequested') {
        ack(); // owned by a live executor (it got the broadcast) or, if that one died, the redelivery will see the cancel
        return;
      }
    }
    if (event.type === 'StepInputProvided' && !answersQuestion(handle.state)) {
      deps.logger.warn({ stepId: event.metadata.stepId, status: handle.state.status }, 'input for a step that is not waiting for it; ignored');
      ack();
      return;
    }
    // A child's end resumes its parent only when the parent waits on it now; otherwise it is folded in for later.
    if (event.type === 'ChildStepEnded' && nextAction(handle.state, { maxIterations: Number.MAX_SAFE_INTEGER }).kind !== 'deliver_child') {
      ack();
      return;
    }
    const ended = await settle(deps, { handle, attempt: m.info.deliveryCount, signal: controller.signal });
    await notifyParent(deps, ended);
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
const settle = async (deps: RequestHandlerDeps, input: { handle: StepHandle; attempt: number; signal: AbortSignal }): Promise<Step> => {
  try {
    return (await deps.runStep(input)).state;
  } catch (error) {
    if (!(error instanceof FencedError)) throw error;
    deps.logger.info({ stepId: input.handle.address.stepId }, 'fenced: another executor owns this step');
    const current = await loadStep(deps.store, input.handle.address);
    if (!isTerminalStep(current.state)) throw error;
    return current.state;
  }
};

/** Waiting for a person's answer or for a child step: no executor holds the step, so none hears a cancel broadcast. */
const isParked = (step: Step): boolean => {
  // Asked with the cancel set aside: the cancel being handled is what would otherwise answer.
  const kind = nextAction(step.status === 'working' ? { ...step, cancelRequested: false } : step, { maxIterations: Number.MAX_SAFE_INTEGER }).kind;
  return kind === 'await_input' || kind === 'await_child';
};

/**
 * A failed attempt (issue 7): classified (model, tool, network, internal); while the kind's policy allows another
 * attempt, `StepRetryScheduled` is recorded and the request goes back with that kind's back-off; after the last
 * one the step is dead-lettered (`StepDeadLettered` + `StepFailed`, one commit) and the request terminated.
 */
const onFailure = async (deps: RequestHandlerDeps, input: { m: JsMsg; error: unknown; address: RunRequested['metadata'] }): Promise<void> => {
  const { m, error, address } = input;
  if (error instanceof FencedError) return; // logged in settle; the new owner acks
  const attempt = m.info.deliveryCount;
  const failure = classifyFailure(error);
  deps.logger.error({ err: error, stepId: address.stepId, attempt, kind: failure.kind }, 'step attempt failed');
  const policy = deps.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const decision = decideRetry(policy, { kind: failure.kind, attempt, maxDeliveries: deps.maxDeliver, retryAfterMs: failure.retryAfterMs, jitter: Math.random() });
  if (decision.kind === 'retry') {
    // Unrecorded (the store is what failed, say) the retry still happens: the log then only lacks the why.
    const recorded = await recordRetry(deps, { address, attempt, failure, delayMs: decision.delayMs }).catch((e: unknown) => {
      deps.logger.warn({ err: e, stepId: address.stepId }, 'could not record the retry');
      return 'unrecorded' as const;
    });
    if (recorded !== 'fenced') m.nak(decision.delayMs);
    return;
  }
  try {
    const ended = await recordDeadLetter(deps, { address, attempts: attempt, failure, code: decision.code });
    if (ended) await notifyParent(deps, ended);
  } catch (e) {
    deps.logger.error({ err: e, stepId: address.stepId }, 'could not record dead letter');
  }
  m.term(`gave up after ${attempt} attempts (${failure.kind} error)`);
};

/** Whether the step has a question whose (first) answer is folded in but not yet recorded as the call's result. */
const answersQuestion = (step: Step): boolean => step.status === 'working' && step.awaitingInput !== null && step.awaitingInput.answer !== null;

/**
 * Loads the step; for a fork, once its copied prefix is all there. Claiming before would race the prefix's append
 * (expected sequence 0) and lose the fork; a prefix that never comes fails the delivery like any other error.
 */
const loadWithPrefix = async (store: JetStreamEventStore, input: { address: RunRequested['metadata']; prefixEvents: number }): Promise<StepHandle> => {
  for (let i = 0; ; i += 1) {
    const handle = await loadStep(store, input.address);
    if (handle.position >= input.prefixEvents) return handle;
    if (i >= FORK_PREFIX_POLLS) throw new Error(`forked step ${input.address.stepId}: ${handle.position} of ${input.prefixEvents} copied events are there`);
    await new Promise((resolve) => setTimeout(resolve, FORK_PREFIX_POLL_MS));
  }
};

const fresh = (event: RunRequested, verified: boolean): StepHandle => ({
  address: event.metadata,
  state: evolveStep(initialStepState(), event),
  version: 0n,
  position: 0,
  verified,
});

/**
 * Whether no executor can have seen this delivery's request before. JetStream does not always count a delivery
 * to an executor that died before acking, so "first delivery" alone does not say it; but the server hands an
 * unacknowledged message to anyone else only once `ack_wait` has passed since that delivery, which came after
 * the message was stored. A request stored less than half an `ack_wait` ago (the other half absorbs clock skew
 * between this host and the server's) has not been handed to anyone before; an older one is read (run-step).
 */
const firstDeliveryUnseen = (m: JsMsg, deps: Pick<RequestHandlerDeps, 'ackWaitMs' | 'clock'>): boolean =>
  deps.ackWaitMs !== undefined && deps.clock().getTime() - m.info.timestampNanos / 1e6 < deps.ackWaitMs / 2;

/** A request commit holds exactly one request event; anything else is poison and is terminated, not retried. */
const parseRequest = (m: JsMsg, logger: Logger): RequestEvent | null => {
  try {
    const [first, ...rest] = requestCommitOf(m).events;
    if (rest.length > 0) throw new Error('a request commit must hold one event');
    return RequestEvent.parse(first);
  } catch (error) {
    logger.error({ err: error, seq: m.seq, subject: m.subject }, 'unparseable request; terminating it');
    m.term('unparseable request');
    return null;
  }
};
