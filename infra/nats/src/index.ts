export {
  DEFAULT_LAYOUT,
  EXECUTOR_CONSUMER,
  DEFAULT_EXECUTOR_TUNING,
  eventStreamConfig,
  executorConsumerConfig,
  type NatsLayout,
  type ExecutorConsumerTuning,
} from './layout.js';
export { ensureJetStream, type EnsureReport } from './ensure-jetstream.js';
