import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { EVENT_TYPES_HEADER, decodeCommit } from '@shaman/event-store';
import { StepDeadlineExceeded } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import { deadlineAbortOf } from './deadlines/deadline-abort.js';

/**
 * Cancels and expired deadlines reach the shared consumer, which hands them to any executor; the one running
 * the step may be another (which then acks them, the step being owned). So every executor also watches the
 * request subjects over core NATS (JetStream publishes reach plain subscribers too) and aborts the step if it
 * runs it here: a cancel with no reason, a deadline with the deadline as the reason.
 *
 * One subscription for both: each request commit (every `RunRequested` too) crosses the connection once per
 * subscription. Routed by the commit's types header; only a deadline's commit is parsed.
 */
export const listenForStepSignals = (input: { nc: NatsConnection; subjectPrefix: string; inFlight: ReadonlyMap<string, AbortController>; logger: Logger }): Subscription =>
  input.nc.subscribe(`${input.subjectPrefix}.req.*.*.*`, {
    callback: (error, msg) => {
      if (error) return;
      const types = msg.headers?.get(EVENT_TYPES_HEADER) ?? '';
      const canceled = types.includes('RunCancelRequested');
      if (!canceled && !types.includes('StepDeadlineExceeded')) return;
      const controller = input.inFlight.get(msg.subject.slice(msg.subject.lastIndexOf('.') + 1));
      if (!controller) return;
      if (canceled) {
        controller.abort();
        return;
      }
      try {
        controller.abort(deadlineAbortOf(StepDeadlineExceeded.parse(decodeCommit(msg.data).events[0])));
      } catch (e) {
        input.logger.warn({ err: e, subject: msg.subject }, 'unparseable deadline request');
      }
    },
  });
