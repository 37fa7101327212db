import { startExecutor } from './index.js';

const executor = await startExecutor();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void executor.stop().then(() => process.exit(0));
  });
}
