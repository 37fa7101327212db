import type { JetStreamManager } from '@nats-io/jetstream';
import { sampledGauge, type AppMetrics } from '@shaman/platform';

/**
 * The shared executor consumer's backlog, from consumer info at scrape time: `pending` requests no executor
 * has taken yet (the number to scale executors on), `ack_pending` taken and not yet settled, `redelivered`.
 */
export const executorConsumerGauge = (metrics: AppMetrics, input: { jsm: JetStreamManager; stream: string; consumer: string }): void => {
  sampledGauge(metrics.registry, {
    name: 'shaman_consumer_messages',
    help: 'JetStream consumer backlog (num_pending, num_ack_pending, num_redelivered), sampled at scrape time.',
    labelNames: ['stream', 'consumer', 'state'],
    sample: async () => {
      const info = await input.jsm.consumers.info(input.stream, input.consumer);
      const labels = (state: string) => ({ stream: input.stream, consumer: input.consumer, state });
      return [
        { labels: labels('pending'), value: info.num_pending },
        { labels: labels('ack_pending'), value: info.num_ack_pending },
        { labels: labels('redelivered'), value: info.num_redelivered },
      ];
    },
  });
};
