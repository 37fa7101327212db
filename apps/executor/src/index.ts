import { connect } from '@nats-io/transport-node';
import { createLogger } from '@shaman/platform';
import { loadExecutorConfig, type ExecutorConfig } from './config.js';
import { startExecutorOn } from './executor.js';

export { startExecutorOn, defaultProviders, type Executor, type ExecutorDeps } from './executor.js';
export { loadExecutorConfig, type ExecutorConfig } from './config.js';

/** Starts an executor with its own NATS connection; `stop` drains it. */
export const startExecutor = async (config: ExecutorConfig = loadExecutorConfig()): Promise<{ stop(): Promise<void> }> => {
  const logger = createLogger({ name: 'executor', level: config.LOG_LEVEL });
  const nc = await connect({ servers: config.NATS_URL, name: `executor-${config.EXECUTOR_ID}` });
  const executor = await startExecutorOn({ nc, layout: { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX }, config, logger });
  return {
    stop: async () => {
      await executor.stop();
      await nc.drain();
    },
  };
};
