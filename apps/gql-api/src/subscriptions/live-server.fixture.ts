// Test-only: a gql-api server with its subscriptions endpoint on a private database and stream, two tenants,
// and graphql-ws clients that are disposed with it.
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestTenant, eventually, type TestDatabase, type TestNats, type TestTenant } from '@shaman/testing';
import type { Client } from 'graphql-ws';
import { createGqlServer, type GqlServer, type GqlServerDeps } from '../server.js';
import { wsClient, type Subscription } from './ws-client.fixture.js';

export type LiveServer = {
  db: TestDatabase;
  nats: TestNats;
  store: JetStreamEventStore;
  pool: Pool;
  server: GqlServer;
  url: string;
  a: TestTenant;
  b: TestTenant;
  /** A client authenticated as the tenant's API key, on `url` or another server's. */
  clientOf: (tenant: TestTenant, url?: string) => Client;
  /** A client sending these `connection_init` params. */
  clientWith: (params: Record<string, unknown> | undefined, url?: string) => Client;
  /** Another server on the same database (and, unless given, the same stream). */
  startServer: (deps?: Partial<GqlServerDeps>) => Promise<{ server: GqlServer; url: string }>;
  close: () => Promise<void>;
};

export const startLiveServer = async (): Promise<LiveServer> => {
  const db = await createTestDatabase();
  const nats = await createTestNats();
  const store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
  const a = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' });
  const b = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' });
  const pool = createPool(db.appUrl);
  const clients: Client[] = [];
  const servers: GqlServer[] = [];
  const startServer = async (deps: Partial<GqlServerDeps> = {}) => {
    const server = await createGqlServer({ pool, logger: createLogger({ name: 'gql-api-test', level: 'silent' }), maxDepth: 10, store, ...deps });
    servers.push(server);
    return { server, url: await server.app.listen({ host: '127.0.0.1', port: 0 }) };
  };
  const { server, url } = await startServer();
  const clientWith = (params: Record<string, unknown> | undefined, on = url): Client => {
    const client = wsClient(on, params);
    clients.push(client);
    return client;
  };
  const clientOf = (tenant: TestTenant, on = url): Client => clientWith({ authorization: `Bearer ${tenant.apiKey}` }, on);
  const close = async (): Promise<void> => {
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    await pool.end();
    await nats.cleanup();
    await db.cleanup();
  };
  return { db, nats, store, pool, server, url, a, b, clientOf, clientWith, startServer, close };
};

/** The close code of a refused connection, or the `extensions.code` of a GraphQL error. */
export const codeOf = (error: unknown): unknown =>
  (error as { code?: unknown }).code ?? (error as { extensions?: { code?: unknown } }).extensions?.code;

/** The subscription's values once `done` holds; fails at once on an error. */
export const until = <T>(sub: Subscription<T>, done: (values: T[]) => boolean, what: string): Promise<T[]> =>
  eventually(async () => (sub.errors.length > 0 ? Promise.reject(new Error(JSON.stringify(sub.errors))) : done(sub.values) ? sub.values : undefined), { what, timeoutMs: 15_000 });

/** Names of the stream's ephemeral consumers (the durable ones are the executors'). */
export const ephemeralConsumers = async (store: JetStreamEventStore): Promise<string[]> =>
  (await store.jsm.consumers.list(store.stream).next()).filter((c) => !c.config.durable_name).map((c) => c.name);
