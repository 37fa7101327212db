import { createLogger, runApp, startTracing } from '@shaman/platform';
import { loadConfig } from './config.js';
import { startProjector } from './start-projector.js';

// Tracing first: the provider must be registered before the first span starts.
const config = loadConfig();
const tracing = startTracing('projector', config);
const logger = createLogger({ name: 'projector', level: config.LOG_LEVEL });
// Waits for NATS and PostgreSQL instead of exiting; on SIGTERM the received commits are flushed and committed
// before the connections close, then it exits 0.
await runApp({ logger, tracing, start: () => startProjector(config, { logger }) });
