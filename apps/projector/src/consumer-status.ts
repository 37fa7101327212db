import type { ConsumerMessages, ConsumerNotification } from '@nats-io/jetstream';
import type { Logger } from '@shaman/platform';

const WORTH_A_WARNING: ReadonlySet<ConsumerNotification['type']> = new Set([
  'heartbeats_missed',
  'stream_not_found',
  'consumer_not_found',
  'consumer_deleted',
  'no_responders',
  'exceeded_limits',
]);
const WORTH_NOTING: ReadonlySet<ConsumerNotification['type']> = new Set(['ordered_consumer_recreated', 'reset']);

/**
 * Logs a consumer's status notifications. The ordered consumer recovers on its own from missed heartbeats,
 * disconnects and deleted consumers (it recreates itself at the next sequence), so these are observations,
 * not errors. The loop is caught: a status stream that ends badly must not become an unhandled rejection.
 */
export const watchConsumerStatus = (messages: ConsumerMessages, logger: Logger): void => {
  const watch = async (): Promise<void> => {
    for await (const status of messages.status()) {
      if (WORTH_A_WARNING.has(status.type)) logger.warn({ status }, 'projector consumer status');
      else if (WORTH_NOTING.has(status.type)) logger.info({ status }, 'projector consumer status');
      else logger.debug({ status }, 'projector consumer status');
    }
  };
  watch().catch((err: unknown) => logger.warn({ err }, 'projector consumer status stream failed'));
};
