import { createLogger, runApp, startTracing } from '@shaman/platform';
import { loadConfig } from './config.js';
import { startGqlApi } from './start.js';

// Tracing first: the provider must be registered before the first span starts.
const config = loadConfig();
const tracing = startTracing('gql-api', config);
// Waits for NATS and PostgreSQL instead of exiting; on SIGTERM stops accepting requests, finishes those in flight,
// stops the sync worker (syncs in flight finish), closes the connections and exits 0.
await runApp({ logger: createLogger({ name: 'gql-api', level: config.LOG_LEVEL }), tracing, start: () => startGqlApi(config) });
