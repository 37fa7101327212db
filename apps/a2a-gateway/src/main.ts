import { createLogger, runApp, startTracing } from '@shaman/platform';
import { loadGatewayConfig, startGateway } from './index.js';

// Tracing first: the provider must be registered before the first span starts.
const config = loadGatewayConfig();
const tracing = startTracing('a2a-gateway', config);
// Waits for NATS instead of exiting; on SIGTERM stops accepting connections (Fastify answers 503 while closing),
// lets requests in flight finish, closes the push worker and connections, and exits 0.
await runApp({ logger: createLogger({ name: 'a2a-gateway', level: config.LOG_LEVEL }), tracing, start: () => startGateway(config) });
