import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { ALL_REGISTRY_EVENTS, RegistryEvent, registryStream } from '@shaman/events';
import { createPool, createRepositorySyncQueue, createSecretBox, generateSecretKey, type Pool, type RepositorySyncQueue } from '@shaman/platform';
import { createTestDatabase, createTestNats, createTestRedis, createTestTenant, listedAgent, startRegistryServer, type RegistryServer, type TestDatabase, type TestNats, type TestRedis, type TestTenant } from '@shaman/testing';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { registryEvents } from './registry-events.sink.js';
import { checkAllRegistries } from './registry-health.worker.js';

const ADD = 'mutation($input: AddRegistryInput!) { addRegistry(input: $input) { registry { id name } errors { code field } } }';
const TEST = 'mutation($id: ID!) { testRegistry(id: $id) { status errors { code } } }';
const REMOVE = 'mutation($id: ID!) { removeRegistry(id: $id) { removed errors { code } } }';
const LAST = '{ registries { name lastEvent { type at status reason agent runId stepId } } }';

describe('registry events: added, removed and health changes on registry.<org>.<registry> (real NATS, PostgreSQL, HTTP)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let redis: TestRedis;
  let store: JetStreamEventStore;
  let pool: Pool;
  let queue: RepositorySyncQueue;
  let server: GqlServer;
  let url: string;
  let tenant: TestTenant;
  let other: TestTenant;
  let registry: RegistryServer;
  const gql = (query: string, variables: Record<string, unknown> = {}, apiKey = tenant.apiKey) => postGql(url, { query, variables, apiKey });
  const add = async (name: string, apiKey = tenant.apiKey): Promise<string> => {
    const res = (await gql(ADD, { input: { name, url: registry.url } }, apiKey)).body.data?.['addRegistry'] as { registry: { id: string } | null; errors: unknown[] };
    expect(res.errors).toEqual([]);
    return res.registry?.id ?? '';
  };
  const eventsOf = async (orgId: string, id: string): Promise<RegistryEvent[]> => {
    const out: RegistryEvent[] = [];
    for await (const { commit } of store.readFilter(registryStream(orgId, id))) out.push(...commit.events.map((e) => RegistryEvent.parse(e)));
    return out;
  };
  const allEvents = async (): Promise<RegistryEvent[]> => {
    const out: RegistryEvent[] = [];
    for await (const { commit } of store.readFilter(ALL_REGISTRY_EVENTS)) out.push(...commit.events.map((e) => RegistryEvent.parse(e)));
    return out;
  };

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(), createTestNats()]);
    redis = createTestRedis();
    store = await createJetStreamEventStore({ nc: nats.nc, ...nats.layout });
    [tenant, other] = await Promise.all([createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' }), createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' })]);
    pool = createPool(db.appUrl);
    queue = createRepositorySyncQueue({ connection: redis.connection, prefix: redis.prefix });
    server = await createGqlServer({ pool, logger: pino({ level: 'silent' }), maxDepth: 10, store, repositories: { queue, secretBox: createSecretBox(generateSecretKey()), allowLocalUrls: true } });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    registry = await startRegistryServer({ agents: [listedAgent('Translator')] });
  });
  afterAll(async () => {
    await server?.close();
    await registry?.close();
    await queue?.close();
    await redis?.cleanup();
    await pool?.end();
    await nats?.cleanup();
    await db?.cleanup();
  });

  it('records RegistryAdded, then RegistryHealthChanged only when a check changes the status, then RegistryRemoved', async () => {
    const id = await add('partner');
    expect(await eventsOf(tenant.orgId, id)).toMatchObject([{ type: 'RegistryAdded', data: { name: 'partner', url: registry.url, authSecret: null }, metadata: { orgId: tenant.orgId, registryId: id } }]);

    expect((await gql(TEST, { id })).body.data?.['testRegistry']).toMatchObject({ status: 'HEALTHY' });
    expect((await gql(TEST, { id })).body.data?.['testRegistry']).toMatchObject({ status: 'HEALTHY' }); // no change: no event
    Object.assign(registry.state, { status: 503, etag: '"v2"' }); // a new ETag: no 304 to the If-None-Match
    expect((await gql(TEST, { id })).body.data?.['testRegistry']).toMatchObject({ status: 'UNHEALTHY' });
    expect((await eventsOf(tenant.orgId, id)).map((e) => e.type)).toEqual(['RegistryAdded', 'RegistryHealthChanged', 'RegistryHealthChanged']);
    expect((await eventsOf(tenant.orgId, id)).slice(1).map((e) => e.data)).toEqual([
      { name: 'partner', status: 'healthy', previousStatus: 'unknown', error: null },
      { name: 'partner', status: 'unhealthy', previousStatus: 'healthy', error: 'GET /agents answered HTTP 503' },
    ]);

    // GraphQL shows the latest one.
    expect((await gql(LAST)).body.data?.['registries']).toEqual([
      { name: 'partner', lastEvent: { type: 'RegistryHealthChanged', at: expect.any(String), status: 'UNHEALTHY', reason: 'GET /agents answered HTTP 503', agent: null, runId: null, stepId: null } },
    ]);

    expect((await gql(REMOVE, { id })).body.data?.['removeRegistry']).toEqual({ removed: true, errors: [] });
    expect((await eventsOf(tenant.orgId, id)).at(-1)).toMatchObject({ type: 'RegistryRemoved', data: { name: 'partner' } });
    registry.state.status = 200;
  });

  it('the scheduled health round records a change once, and nothing while the status stays', async () => {
    const id = await add('scheduled');
    const logger = { warn: () => undefined, info: () => undefined };
    const deps = { pool, logger, secretBox: null, allowPrivateUrls: true, timeoutMs: 1000, concurrency: 2, events: registryEvents({ store, logger }) };
    await checkAllRegistries(deps);
    await checkAllRegistries(deps);
    expect((await eventsOf(tenant.orgId, id)).map((e) => e.type)).toEqual(['RegistryAdded', 'RegistryHealthChanged']);
  });

  it('bad input and another organization record nothing; each organization has its own subjects', async () => {
    const before = (await allEvents()).length;
    expect((await gql(ADD, { input: { name: 'bad name', url: 'ftp://x.example/' } })).body.data?.['addRegistry']).toMatchObject({ registry: null });
    expect((await gql(REMOVE, { id: randomUUID() })).body.data?.['removeRegistry']).toMatchObject({ removed: false, errors: [{ code: 'NOT_FOUND' }] });
    const mine = ((await gql('{ registries { id name } }')).body.data?.['registries'] as { id: string; name: string }[]).find((r) => r.name === 'scheduled')?.id;
    expect((await gql(REMOVE, { id: mine }, other.apiKey)).body.data?.['removeRegistry']).toMatchObject({ removed: false });
    expect((await gql(TEST, { id: mine }, other.apiKey)).body.data?.['testRegistry']).toMatchObject({ errors: [{ code: 'NOT_FOUND' }] });
    expect(await allEvents()).toHaveLength(before);

    const theirs = await add('partner', other.apiKey);
    expect(await eventsOf(other.orgId, theirs)).toMatchObject([{ type: 'RegistryAdded', metadata: { orgId: other.orgId } }]);
    expect(await eventsOf(tenant.orgId, theirs)).toEqual([]);
    // Another organization never reads this one's registry events through lastEvent either.
    expect((await gql(LAST, {}, other.apiKey)).body.data?.['registries']).toEqual([{ name: 'partner', lastEvent: expect.objectContaining({ type: 'RegistryAdded' }) }]);
  });

  it('a failure to record is logged, never thrown at the mutation that already committed', async () => {
    const warnings: unknown[] = [];
    const broken = registryEvents({ store: { appendToStream: () => Promise.reject(new Error('nats down')) }, logger: { warn: (o: unknown) => void warnings.push(o) } });
    await expect(broken.removed(tenant.orgId, { id: randomUUID(), name: 'x' })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
