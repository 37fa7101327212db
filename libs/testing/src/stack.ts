import { generateInternalKeyPair } from '@shaman/platform';
import type { TestDatabase } from './database.js';
import type { TestNats } from './nats.js';
import { spawnApp, type AppProcess } from './processes.js';
import { createTestRedis, TEST_REDIS_URL } from './redis.js';

export type TestStack = {
  gatewayUrl: string;
  /** The gateway's internal role (platform JWTs only), where the executor's agent calls go. */
  internalGatewayUrl: string;
  graphqlUrl: string;
  /** projector, executor, a2a-gateway, gql-api: in this order. */
  apps: AppProcess[];
  /** The projector now running (the first one, or the one `restartProjector` started). */
  projector(): AppProcess;
  /** A new projector in place of the current one (which the test has stopped or killed), once it has started. */
  restartProjector(): Promise<AppProcess>;
  /** SIGTERM to every app; resolves with their exit codes (0 when each drained cleanly). */
  stop(): Promise<(number | null)[]>;
};

/**
 * The four apps as separate processes on a suite's own database and stream, started exactly as their
 * `main.ts` runs in production, and ready to serve (each has logged that it is). Each stack has its own
 * internal-token key pair: the executor signs with the private key, the gateway's internal role verifies with
 * the JWKS. The executor starts once the gateway has said where its internal role listens.
 */
export const startStack = async (input: {
  db: Pick<TestDatabase, 'appUrl' | 'projectorUrl'>;
  nats: TestNats;
  executorEnv?: Record<string, string>;
  projectorEnv?: Record<string, string>;
}): Promise<TestStack> => {
  const { db, nats } = input;
  // Its own BullMQ prefix (deleted on stop), so the gql-api's sync queue never touches the developer's; the
  // gateway's push queue and used-token (jti) keys live under it too.
  const redis = createTestRedis();
  const keys = await generateInternalKeyPair();
  const bus = { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix };
  const started: AppProcess[] = [];
  const spawn = (name: string, env: Record<string, string>): AppProcess => {
    const app = spawnApp(name, env);
    started.push(app);
    return app;
  };
  const stop = async (): Promise<(number | null)[]> => {
    const codes = await Promise.all(started.map((a) => a.stop()));
    await redis.cleanup();
    return codes;
  };
  try {
    const projectorEnv = { ...bus, DATABASE_URL: db.projectorUrl, ...input.projectorEnv };
    let projector = spawn('projector', projectorEnv);
    const gatewayApp = spawn('a2a-gateway', {
      ...bus,
      DATABASE_URL: db.appUrl,
      GATEWAY_PORT: '0',
      GATEWAY_INTERNAL_PORT: '0',
      SHAMAN_INTERNAL_JWKS: JSON.stringify(keys.publicJwks),
      REDIS_URL: TEST_REDIS_URL,
      BULLMQ_PREFIX: redis.prefix,
    });
    const gqlApp = spawn('gql-api', { ...bus, DATABASE_URL: db.appUrl, GQL_PORT: '0', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, REPO_SYNC_WORKER: 'false' });
    const gateway = await gatewayApp.waitForLog((l) => l.msg === 'a2a gateway listening');
    const internalGatewayUrl = String(gateway['internalUrl']);
    const executor = spawn('executor', { ...bus, SHAMAN_INTERNAL_JWT_PRIVATE_KEY: JSON.stringify(keys.privateJwk), EXECUTOR_INTERNAL_GATEWAY_URL: internalGatewayUrl, ...input.executorEnv });
    const [, , graphql] = await Promise.all([
      projector.waitForLog((l) => l.msg === 'projector started'),
      executor.waitForLog((l) => l.msg === 'executor pulling'),
      gqlApp.waitForLog((l) => l.msg === 'gql-api listening'),
    ]);
    const restartProjector = async (): Promise<AppProcess> => {
      projector = spawn('projector', projectorEnv);
      await projector.waitForLog((l) => l.msg === 'projector started');
      return projector;
    };
    return { gatewayUrl: String(gateway['url']), internalGatewayUrl, graphqlUrl: `${String(graphql['url'])}/graphql`, apps: [projector, executor, gatewayApp, gqlApp], projector: () => projector, restartProjector, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
