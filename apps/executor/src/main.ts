import { createLogger, runApp, startTracing } from '@shaman/platform';
import { loadExecutorConfig } from './config.js';
import { startExecutor } from './index.js';

// Tracing first: the provider must be registered before the first span starts.
const config = loadExecutorConfig();
const tracing = startTracing('executor', config);
// Waits for NATS (and PostgreSQL, when configured) instead of exiting; on SIGTERM stops pulling, lets steps in
// progress finish for EXECUTOR_DRAIN_GRACE_MS, hands the rest back to other executors, and exits 0.
await runApp({ logger: createLogger({ name: 'executor', level: config.LOG_LEVEL }), tracing, start: () => startExecutor(config) });
