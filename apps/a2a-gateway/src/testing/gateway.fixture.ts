import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, type TestDatabase, type TestNats } from '@shaman/testing';
import type { FastifyInstance } from 'fastify';
import { createRunWatcher, type RunWatcher } from '../run-watcher.js';
import { createGatewayServer, type GatewayDeps } from '../server.js';

export type GatewayFixture = {
  db: TestDatabase;
  nats: TestNats;
  store: JetStreamEventStore;
  pool: Pool;
  watcher: RunWatcher;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
};

/**
 * A gateway in-process on a suite's own database and stream, listening on a free port, with real PostgreSQL
 * and nats-server behind it: what the gateway's integration specs share. `close` removes everything it made.
 */
export const startGatewayFixture = async (overrides: Partial<Pick<GatewayDeps, 'edge' | 'push' | 'bodyLimit' | 'clock'>> = {}): Promise<GatewayFixture> => {
  const [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
  const store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
  const pool = createPool(db.appUrl);
  const watcher = await createRunWatcher(nats.nc, store);
  let url = '';
  const app = createGatewayServer({ pool, store, watcher, logger: createLogger({ name: 't', level: 'silent' }), publicUrl: () => url, blockingTimeoutMs: 5000, bodyLimit: 64 * 1024, nc: nats.nc, ...overrides });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    db,
    nats,
    store,
    pool,
    watcher,
    app,
    url,
    close: async () => {
      await app.close();
      await watcher.close();
      await pool.end();
      await nats.cleanup();
      await db.cleanup();
    },
  };
};
