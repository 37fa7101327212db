import type { JetStreamManager } from '@nats-io/jetstream';
import { sampledGauge, type AppMetrics } from '@shaman/platform';

/**
 * The projector's consumer lag in messages: the stream's last sequence minus the projected position. The
 * projector reads through ordered (ephemeral) consumers re-opened from its checkpoint, so this, not a durable
 * consumer's num_pending, is its backlog.
 */
export const projectionBacklogGauge = (metrics: AppMetrics, input: { jsm: JetStreamManager; stream: string; position: () => number }): void => {
  sampledGauge(metrics.registry, {
    name: 'shaman_projection_backlog_messages',
    help: 'Stream messages not yet in the read models (last stream sequence minus the projected position), sampled at scrape time.',
    labelNames: ['stream'],
    sample: async () => {
      const info = await input.jsm.streams.info(input.stream);
      return [{ labels: { stream: input.stream }, value: Math.max(0, info.state.last_seq - input.position()) }];
    },
  });
};
