import { createTestDatabase, createTestNats, createTestRedis, createTestTenant, spawnApp, TEST_REDIS_URL, type AppProcess, type TestDatabase, type TestNats } from '@shaman/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ShamanStack = {
  gatewayUrl: string;
  apiKey: string;
  apps: AppProcess[];
  /** What a scenario needs to look behind the apps: the scratch database, stream and agents directory. */
  orgId: string;
  adminUrl: string;
  nats: { url: string; stream: string; subjectPrefix: string };
  repository: string;
  /** `<url>` of the gql-api (`/graphql` for queries, ws on the same path), when started with `gqlApi`. */
  graphqlUrl?: string;
  stop(): Promise<void>;
};

/**
 * Our durable path as production runs it: projector, executor and gateway as their own processes (their
 * `main.ts`), on a scratch database and a private JetStream stream/prefix that are dropped on `stop`, so a
 * benchmark never touches a developer's state. `files` is the agents repository (name → content).
 */
export const startShamanStack = async (input: { files: Record<string, string>; executorEnv?: Record<string, string>; gqlApi?: boolean }): Promise<ShamanStack> => {
  let db: TestDatabase | undefined;
  let nats: TestNats | undefined;
  const apps: AppProcess[] = [];
  // Its own BullMQ/rate-limit key prefix (deleted on close), never the developer's.
  const redis = createTestRedis();
  const repo = await mkdtemp(join(tmpdir(), 'shaman-bench-'));
  const stop = async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await redis.cleanup();
    await nats?.cleanup();
    await db?.cleanup();
    await rm(repo, { recursive: true, force: true });
  };
  try {
    await Promise.all(Object.entries(input.files).map(([file, text]) => writeFile(join(repo, file), text)));
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    const tenant = await createTestTenant(db.adminUrl, { agentsRepository: repo });
    const bus = { NATS_URL: nats.url, NATS_STREAM: nats.layout.stream, NATS_SUBJECT_PREFIX: nats.layout.subjectPrefix };
    apps.push(
      spawnApp('projector', { ...bus, DATABASE_URL: db.projectorUrl }),
      spawnApp('executor', { ...bus, EXECUTOR_ID: 'bench', ...input.executorEnv }),
      // One API key drives the whole load, so a real per-key limit would measure itself: the limiter stays on
      // (one Redis INCR per request, as in production) with a limit the load never reaches.
      spawnApp('a2a-gateway', { ...bus, DATABASE_URL: db.appUrl, GATEWAY_PORT: '0', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, GATEWAY_RATE_LIMIT_PER_MINUTE: String(1e9) }),
    );
    if (input.gqlApi) {
      apps.push(spawnApp('gql-api', { ...bus, DATABASE_URL: db.appUrl, GQL_PORT: '0', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, REPO_SYNC_WORKER: 'false' }));
    }
    const [, , gateway, graphql] = await Promise.all([
      apps[0]!.waitForLog((l) => l.msg === 'projector started'),
      apps[1]!.waitForLog((l) => l.msg === 'executor pulling'),
      apps[2]!.waitForLog((l) => l.msg === 'a2a gateway listening'),
      apps[3]?.waitForLog((l) => l.msg === 'gql-api listening'),
    ]);
    return {
      gatewayUrl: String(gateway['url']),
      apiKey: tenant.apiKey,
      apps,
      orgId: tenant.orgId,
      adminUrl: db.adminUrl,
      nats: { url: nats.url, stream: nats.layout.stream, subjectPrefix: nats.layout.subjectPrefix },
      repository: repo,
      ...(graphql ? { graphqlUrl: String(graphql['url']) } : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
