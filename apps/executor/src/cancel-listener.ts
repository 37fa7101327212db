import { EVENT_TYPES_HEADER } from '@shaman/event-store';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/**
 * Cancels reach the shared consumer, which hands them to any executor; the one running the step may be
 * another. Every executor therefore also watches request subjects over core NATS (JetStream publishes are
 * delivered to plain subscribers too) and aborts the step if it runs it here. Cheap: routed by header,
 * no JSON parsed.
 */
export const listenForCancels = (input: { nc: NatsConnection; subjectPrefix: string; inFlight: ReadonlyMap<string, AbortController> }): Subscription =>
  input.nc.subscribe(`${input.subjectPrefix}.req.*.*.*`, {
    callback: (error, msg) => {
      if (error) return;
      if (!msg.headers?.get(EVENT_TYPES_HEADER).includes('RunCancelRequested')) return;
      const stepId = msg.subject.split('.').at(-1);
      if (stepId) input.inFlight.get(stepId)?.abort();
    },
  });
