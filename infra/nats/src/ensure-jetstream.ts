import { JetStreamApiError, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import { EXECUTOR_CONSUMER, eventStreamConfig, executorConsumerConfig, type ExecutorConsumerTuning, type NatsLayout } from './layout.js';

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

export type EnsureReport = { stream: 'created' | 'updated' | 'unchanged'; consumers: Record<string, 'created' | 'updated' | 'unchanged'> };

/**
 * Creates or updates the stream and the shared consumers so that any app can start first, any number of
 * times. Only fields that differ trigger an update; JetStream refuses changes it cannot apply (e.g. storage
 * type), and that error is surfaced rather than papered over. The executor consumer's tuning belongs to the
 * executors: other apps (no `tuning`) create it with defaults when missing but never change it.
 */
export const ensureJetStream = async (
  jsm: JetStreamManager,
  layout: NatsLayout,
  tuning?: ExecutorConsumerTuning,
): Promise<EnsureReport> => {
  const stream = await ensureStream(jsm, layout);
  const executor = await ensureConsumer(jsm, layout.stream, { wanted: executorConsumerConfig(layout, tuning), update: tuning !== undefined });
  return { stream, consumers: { [EXECUTOR_CONSUMER]: executor } };
};

const ensureStream = async (jsm: JetStreamManager, layout: NatsLayout): Promise<EnsureReport['stream']> => {
  const wanted = eventStreamConfig(layout);
  try {
    const info = await jsm.streams.info(layout.stream);
    if (!differs(info.config, wanted)) return 'unchanged';
    await jsm.streams.update(layout.stream, { ...info.config, ...wanted });
    return 'updated';
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND)) throw error;
    try {
      await jsm.streams.add(wanted);
    } catch (addError) {
      // Another starter won the race; its config is ours.
      if (!(addError instanceof JetStreamApiError)) throw addError;
      await jsm.streams.info(layout.stream);
    }
    return 'created';
  }
};

const ensureConsumer = async (
  jsm: JetStreamManager,
  stream: string,
  { wanted, update }: { wanted: Partial<ConsumerConfig> & { durable_name: string }; update: boolean },
): Promise<'created' | 'updated' | 'unchanged'> => {
  try {
    const info = await jsm.consumers.info(stream, wanted.durable_name);
    if (!update || !differs(info.config, wanted)) return 'unchanged';
    await jsm.consumers.update(stream, wanted.durable_name, wanted);
    return 'updated';
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === CONSUMER_NOT_FOUND)) throw error;
    await jsm.consumers.add(stream, wanted);
    return 'created';
  }
};

const differs = (actual: object, wanted: object): boolean =>
  Object.entries(wanted).some(([k, v]) => JSON.stringify((actual as Record<string, unknown>)[k]) !== JSON.stringify(v));
