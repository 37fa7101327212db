import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeCommit, type JetStreamEventStore } from '@shaman/event-store';
import { RequestEvent } from '@shaman/events';
import type { Logger } from '@shaman/platform';
import { z } from 'zod';
import { notifyParent } from '../child-calls.js';
import { recordDeadLetter } from './failed-attempt.js';

/** nats-server's advisory when a consumer gave up on a message (`max_deliver` deliveries, none acked). */
const MaxDeliveriesAdvisory = z.object({ stream_seq: z.number().int().positive(), deliveries: z.number().int().positive() });

/**
 * A request whose every delivery timed out (its executors crashed, froze or lost their connection each time) is
 * never seen failing by any executor, so none records a dead letter, and JetStream delivers it no more: its step
 * would stay "working" forever. nats-server announces that moment; one executor (a queue group) reads the request
 * back by its stream sequence and dead-letters the step behind the fence (a step that has ended is left alone).
 * Best effort: an advisory nobody hears is lost, and the step's deadline (when Redis is configured) still ends it.
 */
export const listenForMaxDeliveries = (input: { nc: NatsConnection; store: JetStreamEventStore; consumer: string; clock: () => Date; logger: Logger }): Subscription => {
  const { store, logger } = input;
  const onAdvisory = async (data: Uint8Array): Promise<void> => {
    const advisory = MaxDeliveriesAdvisory.parse(JSON.parse(new TextDecoder().decode(data)));
    const stored = await store.jsm.streams.getMessage(store.stream, { seq: advisory.stream_seq });
    if (!stored) return; // gone (retention) before we could read it
    const parsed = RequestEvent.safeParse(decodeCommit(stored.data).events[0]);
    if (!parsed.success) return; // poison is terminated by the handler, never retried to the end
    const address = parsed.data.metadata;
    const message = `no executor finished an attempt in ${advisory.deliveries} deliveries of its ${parsed.data.type} (executors crashed or stopped answering)`;
    const ended = await recordDeadLetter({ store, clock: input.clock }, { address, attempts: advisory.deliveries, failure: { kind: 'internal', message }, code: 'internal' });
    if (ended) await notifyParent({ store, clock: input.clock }, ended);
    logger.warn({ stepId: address.stepId, seq: advisory.stream_seq, deliveries: advisory.deliveries }, 'request ran out of deliveries; step dead-lettered');
  };
  return input.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${store.stream}.${input.consumer}`, {
    queue: `shaman-max-deliveries-${store.stream}`,
    callback: (error, msg) => {
      if (error) return;
      onAdvisory(msg.data).catch((err: unknown) => logger.warn({ err }, 'could not dead-letter a request that ran out of deliveries'));
    },
  });
};
