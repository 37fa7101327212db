import { createPool, createRepositorySyncQueue, createSecretBox, generateSecretKey, issueApiKey, type Pool, type RepositorySyncQueue, type SecretBox } from '@shaman/platform';
import { createTestDatabase, createTestRedis, createTestTenant, eventually, listedAgent, startRegistryServer, type RegistryServer, type TestDatabase, type TestRedis, type TestTenant } from '@shaman/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { withAdmin } from '../testing/seed.fixture.js';
import { checkAllRegistries, startRegistryHealth } from './registry-health.worker.js';

const FIELDS = 'id name url authSecret status lastCheckedAt lastError agentCount agents(first: 10) { name url description protocolVersion cardUrl } createdAt';
const ADD = `mutation($input: AddRegistryInput!) { addRegistry(input: $input) { registry { ${FIELDS} } errors { code field message } } }`;
const TEST = `mutation($id: ID!) { testRegistry(id: $id) { registry { ${FIELDS} } status agentCount error errors { code field message } } }`;
const REMOVE = 'mutation($id: ID!) { removeRegistry(id: $id) { removed errors { code field message } } }';

type Registry = { id: string; name: string; status: string; agentCount: number; lastError: string | null; authSecret: string | null; agents: { name: string }[] };

describe('GraphQL registries and model cache settings (real PostgreSQL under RLS, real HTTP registries)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let pool: Pool;
  let queue: RepositorySyncQueue;
  let box: SecretBox;
  let server: GqlServer;
  let url: string;
  let tenant: TestTenant;
  let other: TestTenant;
  let healthy: RegistryServer;
  let failing: RegistryServer;
  let slow: RegistryServer;
  const keys: Record<'ADMIN' | 'DEVELOPER' | 'VIEWER', string> = { ADMIN: '', DEVELOPER: '', VIEWER: '' };
  const gql = (query: string, variables: Record<string, unknown> = {}, apiKey = keys.ADMIN) => postGql(url, { query, variables, apiKey });
  const add = async (input: Record<string, unknown>, apiKey = keys.ADMIN) => (await gql(ADD, { input }, apiKey)).body.data?.['addRegistry'] as { registry: Registry | null; errors: { code: string; field: string }[] };

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    [tenant, other] = await Promise.all([createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' }), createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' })]);
    await withAdmin(db.adminUrl, async (c) => {
      for (const role of ['ADMIN', 'DEVELOPER', 'VIEWER'] as const) keys[role] = (await issueApiKey(c, { orgId: tenant.orgId, name: role, role })).key;
    });
    pool = createPool(db.appUrl);
    box = createSecretBox(generateSecretKey());
    queue = createRepositorySyncQueue({ connection: redis.connection, prefix: redis.prefix });
    // Registries on 127.0.0.1 need the operator's local-URL allowance, as local repositories do.
    server = await createGqlServer({ pool, logger: pino({ level: 'silent' }), maxDepth: 10, repositories: { queue, secretBox: box, allowLocalUrls: true } });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    healthy = await startRegistryServer({ agents: [listedAgent('Translator'), listedAgent('Summarizer')], etag: '"listing-1"' });
    failing = await startRegistryServer({ status: 500 });
    slow = await startRegistryServer({ agents: [listedAgent('Slowpoke')], delayMs: 3000 });
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([healthy?.close(), failing?.close(), slow?.close()]);
    await queue?.close();
    await redis?.cleanup();
    await pool?.end();
    await db?.cleanup();
  });

  it('adds a registry (ADMIN), lists it with its health for any role, and tests it: healthy, agent count, bearer secret', async () => {
    expect((await gql('mutation { setSecret(name: "REG_TOKEN", value: "reg-secret-value") { errors { code } } }')).body.errors).toBeUndefined();
    const added = await add({ name: 'partner', url: healthy.url, authSecret: 'REG_TOKEN' });
    expect(added.errors).toEqual([]);
    expect(added.registry).toMatchObject({ name: 'partner', status: 'UNKNOWN', agentCount: 0, authSecret: 'REG_TOKEN' });
    const id = added.registry?.id;

    const tested = await gql(TEST, { id });
    expect(tested.body.data?.['testRegistry']).toMatchObject({ status: 'HEALTHY', agentCount: 2, error: null, errors: [], registry: { status: 'HEALTHY', agentCount: 2 } });
    expect(healthy.requests.at(-1)?.headers['authorization']).toBe('Bearer reg-secret-value');
    expect(JSON.stringify(tested.body)).not.toContain('reg-secret-value');

    const listed = await gql(`{ registries { ${FIELDS} } }`, {}, keys.VIEWER);
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data?.['registries']).toMatchObject([{ name: 'partner', status: 'HEALTHY', agentCount: 2, agents: [{ name: 'Translator' }, { name: 'Summarizer' }] }]);
  });

  it('revalidates with If-None-Match: a 304 keeps the stored listing', async () => {
    const id = ((await gql('{ registries { id name } }')).body.data?.['registries'] as Registry[]).find((r) => r.name === 'partner')?.id;
    const tested = await gql(TEST, { id });
    expect(healthy.requests.at(-1)?.headers['if-none-match']).toBe('"listing-1"');
    expect(tested.body.data?.['testRegistry']).toMatchObject({ status: 'HEALTHY', agentCount: 2 });
  });

  it('records a failing registry as unhealthy with the reason', async () => {
    const added = await add({ name: 'broken', url: failing.url });
    const tested = await gql(TEST, { id: added.registry?.id });
    expect(tested.body.data?.['testRegistry']).toMatchObject({ status: 'UNHEALTHY', agentCount: null, error: 'GET /agents answered HTTP 500' });
  });

  it('refuses mutations below ADMIN with extensions.code FORBIDDEN, and changes nothing', async () => {
    for (const key of [keys.DEVELOPER, keys.VIEWER]) {
      const res = await gql(ADD, { input: { name: 'sneaky', url: healthy.url } }, key);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const names = ((await gql('{ registries { name } }')).body.data?.['registries'] as Registry[]).map((r) => r.name);
    expect(names).not.toContain('sneaky');
  });

  it('answers bad input with typed errors and stores nothing', async () => {
    expect((await add({ name: 'bad name', url: 'ftp://x.example/', authSecret: 'not-a-secret-name' })).errors).toEqual([
      expect.objectContaining({ code: 'INVALID', field: 'name' }),
      expect.objectContaining({ code: 'INVALID', field: 'url' }),
      expect.objectContaining({ code: 'INVALID', field: 'authSecret' }),
    ]);
    expect((await add({ name: 'partner', url: healthy.url })).errors).toEqual([expect.objectContaining({ code: 'INVALID', field: 'name', message: 'a registry named partner already exists' })]);
    expect((await gql(TEST, { id: 'nope' })).body.data?.['testRegistry']).toMatchObject({ errors: [{ code: 'INVALID', field: 'id' }] });
    expect((await gql(REMOVE, { id: '00000000-0000-4000-8000-000000000000' })).body.data?.['removeRegistry']).toEqual({ removed: false, errors: [expect.objectContaining({ code: 'NOT_FOUND' })] });
    const names = ((await gql('{ registries { name } }')).body.data?.['registries'] as Registry[]).map((r) => r.name);
    expect(names).toEqual(['broken', 'partner']);
  });

  it("keeps organizations apart: another organization neither sees, tests nor removes a registry", async () => {
    const id = ((await gql('{ registries { id name } }')).body.data?.['registries'] as Registry[]).find((r) => r.name === 'partner')?.id;
    expect((await gql('{ registries { id } }', {}, other.apiKey)).body.data?.['registries']).toEqual([]);
    expect((await gql(TEST, { id }, other.apiKey)).body.data?.['testRegistry']).toMatchObject({ registry: null, errors: [{ code: 'NOT_FOUND' }] });
    expect((await gql(REMOVE, { id }, other.apiKey)).body.data?.['removeRegistry']).toMatchObject({ removed: false, errors: [{ code: 'NOT_FOUND' }] });
    // The other organization may use the same name for its own registry.
    expect((await add({ name: 'partner', url: healthy.url }, other.apiKey)).errors).toEqual([]);
    expect(((await gql('{ registries { name } }')).body.data?.['registries'] as Registry[]).map((r) => r.name)).toContain('partner');
  });

  it('checks every registry on a schedule, and a slow one times out to unhealthy without holding the round', async () => {
    const added = await add({ name: 'slowpoke', url: slow.url });
    const logger = { warn: () => undefined, info: () => undefined };
    const started = Date.now();
    const tally = await checkAllRegistries({ pool, logger, secretBox: box, allowPrivateUrls: true, timeoutMs: 300, concurrency: 4 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(tally).toMatchObject({ checked: 4, unhealthy: 2 });
    const slowNow = ((await gql(`{ registries { ${FIELDS} } }`)).body.data?.['registries'] as Registry[]).find((r) => r.id === added.registry?.id);
    expect(slowNow).toMatchObject({ status: 'UNHEALTHY', lastError: 'no answer within 300 ms' });

    // The BullMQ scheduler runs the same round by itself.
    slow.state.delayMs = 0;
    const health = await startRegistryHealth({ connection: redis.connection, prefix: redis.prefix, pool, logger, secretBox: box, allowPrivateUrls: true, timeoutMs: 1000, concurrency: 2, intervalMs: 200 });
    try {
      await eventually(async () => {
        const all = (await gql('{ registries { name status } }')).body.data?.['registries'] as Registry[];
        return all.find((r) => r.name === 'slowpoke')?.status === 'HEALTHY' ? true : undefined;
      }, { timeoutMs: 10_000 });
    } finally {
      await health.close();
    }
  });

  it('removes a registry', async () => {
    const id = ((await gql('{ registries { id name } }')).body.data?.['registries'] as Registry[]).find((r) => r.name === 'broken')?.id;
    expect((await gql(REMOVE, { id })).body.data?.['removeRegistry']).toEqual({ removed: true, errors: [] });
    expect(((await gql('{ registries { name } }')).body.data?.['registries'] as Registry[]).map((r) => r.name)).not.toContain('broken');
  });

  it('reads and sets the model response cache (ADMIN), off by default, with typed errors', async () => {
    expect((await gql('{ modelCache { ttlSeconds maxEntries maxEntryBytes } }', {}, keys.VIEWER)).body.data?.['modelCache']).toEqual({ ttlSeconds: null, maxEntries: 1000, maxEntryBytes: 262_144 });
    const SET = 'mutation($input: ModelCacheInput!) { setModelCache(input: $input) { settings { ttlSeconds maxEntries maxEntryBytes } errors { code field } } }';
    expect((await gql(SET, { input: { ttlSeconds: 300 } }, keys.DEVELOPER)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(SET, { input: { ttlSeconds: 0, maxEntryBytes: 10 } })).body.data?.['setModelCache']).toEqual({ settings: null, errors: [{ code: 'INVALID', field: 'ttlSeconds' }, { code: 'INVALID', field: 'maxEntryBytes' }] });
    expect((await gql(SET, { input: { ttlSeconds: 300, maxEntries: 50 } })).body.data?.['setModelCache']).toEqual({ settings: { ttlSeconds: 300, maxEntries: 50, maxEntryBytes: 262_144 }, errors: [] });
    expect((await gql('{ modelCache { ttlSeconds } }', {}, other.apiKey)).body.data?.['modelCache']).toEqual({ ttlSeconds: null });
    expect((await gql(SET, { input: { ttlSeconds: null } })).body.data?.['setModelCache']).toMatchObject({ settings: { ttlSeconds: null, maxEntries: 50 } });
  });
});
