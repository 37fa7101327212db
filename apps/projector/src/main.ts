import { createLogger } from '@shaman/platform';
import { loadConfig } from './config.js';
import { startProjector } from './start-projector.js';

const config = loadConfig();
const logger = createLogger({ name: 'projector', level: config.LOG_LEVEL });
const running = await startProjector(config, { logger });

// Drain on SIGTERM/SIGINT: the received commits are flushed and committed before the connections close.
const shutdown = (signal: NodeJS.Signals): void => {
  logger.info({ signal }, 'draining');
  running.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'drain failed');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
