import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { EVENT_TYPES_HEADER, decodeCommit } from '@shaman/event-store';
import { StepDeadlineExceeded } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import { deadlineAbortOf } from './deadline-abort.js';

/**
 * A `StepDeadlineExceeded` reaches the shared consumer, which hands it to any executor; the one running the step
 * may be another (which then acks it, the step being owned). So, as for cancels (cancel-listener.ts), every
 * executor watches request subjects over core NATS and aborts the step if it runs it here, with the deadline
 * as the abort's reason. Routed by header; only deadline commits are parsed.
 */
export const listenForDeadlines = (input: { nc: NatsConnection; subjectPrefix: string; inFlight: ReadonlyMap<string, AbortController>; logger: Logger }): Subscription =>
  input.nc.subscribe(`${input.subjectPrefix}.req.*.*.*`, {
    callback: (error, msg) => {
      if (error || !msg.headers?.get(EVENT_TYPES_HEADER).includes('StepDeadlineExceeded')) return;
      const controller = input.inFlight.get(msg.subject.split('.').at(-1) ?? '');
      if (!controller) return;
      try {
        controller.abort(deadlineAbortOf(StepDeadlineExceeded.parse(decodeCommit(msg.data).events[0])));
      } catch (e) {
        input.logger.warn({ err: e, subject: msg.subject }, 'unparseable deadline request');
      }
    },
  });
