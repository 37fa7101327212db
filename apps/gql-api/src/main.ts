import { loadConfig } from './config.js';
import { startGqlApi } from './start.js';

const api = await startGqlApi(loadConfig());

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  api.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('gql-api: failed to stop cleanly', error);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
