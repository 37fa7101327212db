import type { TestDatabase } from './database.js';
import type { TestNats } from './nats.js';
import { spawnApp, type AppProcess } from './processes.js';
import { createTestRedis, TEST_REDIS_URL } from './redis.js';

export type TestStack = {
  gatewayUrl: string;
  graphqlUrl: string;
  apps: AppProcess[];
  /** SIGTERM to every app; resolves with their exit codes (0 when each drained cleanly). */
  stop(): Promise<(number | null)[]>;
};

/**
 * The four apps as separate processes on a suite's own database and stream, started exactly as their
 * `main.ts` runs in production, and ready to serve (each has logged that it is).
 */
export const startStack = async (input: { db: TestDatabase; nats: TestNats; executorEnv?: Record<string, string> }): Promise<TestStack> => {
  const { db, nats } = input;
  // Its own BullMQ prefix (deleted on stop), so the gql-api's sync queue never touches the developer's.
  const redis = createTestRedis();
  const bus = { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix };
  const apps = [
    spawnApp('projector', { ...bus, DATABASE_URL: db.projectorUrl }),
    spawnApp('executor', { ...bus, ...input.executorEnv }),
    spawnApp('a2a-gateway', { ...bus, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0' }),
    spawnApp('gql-api', { ...bus, DATABASE_URL: db.appUrl, GQL_PORT: '0', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, REPO_SYNC_WORKER: 'false' }),
  ] as const;
  const stop = async (): Promise<(number | null)[]> => {
    const codes = await Promise.all(apps.map((a) => a.stop()));
    await redis.cleanup();
    return codes;
  };
  try {
    const [, , gateway, graphql] = await Promise.all([
      apps[0].waitForLog((l) => l.msg === 'projector started'),
      apps[1].waitForLog((l) => l.msg === 'executor pulling'),
      apps[2].waitForLog((l) => l.msg === 'a2a gateway listening'),
      apps[3].waitForLog((l) => l.msg === 'gql-api listening'),
    ]);
    return { gatewayUrl: String(gateway['url']), graphqlUrl: `${String(graphql['url'])}/graphql`, apps: [...apps], stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
