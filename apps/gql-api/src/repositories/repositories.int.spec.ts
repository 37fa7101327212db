import { createPool, createRepositorySyncQueue, createSecretBox, generateSecretKey, REPOSITORY_SYNC_QUEUE, type Pool, type RepositorySyncQueue } from '@shaman/platform';
import { createTestDatabase, createTestRedis, createTestTenant, type TestDatabase, type TestRedis, type TestTenant } from '@shaman/testing';
import { Queue } from 'bullmq';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { withAdmin } from '../testing/seed.fixture.js';

const TOKEN = 'ghp_GraphQLTokenNeverShown_0123456789';
const SECRET_VALUE = 'partner-secret-never-shown-42';

const REPOSITORY_FIELDS = `id name url branch hasToken hasWebhook webhookPath syncIntervalSeconds lastCommit lastSyncedAt
  syncErrors { file line field message } agents { name commit file } aliases { alias agent }
  externalAgents { name url description protocolVersion authType secrets } createdAt`;

describe('GraphQL repository and secret management (real PostgreSQL under RLS, real Redis)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let pool: Pool;
  let queue: RepositorySyncQueue;
  let jobs: Queue;
  let server: GqlServer;
  let url: string;
  let tenant: TestTenant;
  let other: TestTenant;
  const logs: string[] = [];
  const gql = (query: string, variables: Record<string, unknown> = {}, apiKey = tenant.apiKey) => postGql(url, { query, variables, apiKey });

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = createTestRedis();
    [tenant, other] = await Promise.all([createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' }), createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' })]);
    pool = createPool(db.appUrl);
    queue = createRepositorySyncQueue({ connection: redis.connection, prefix: redis.prefix });
    jobs = new Queue(REPOSITORY_SYNC_QUEUE, { connection: redis.connection, prefix: redis.prefix });
    // Every log line at every level is kept: a token must not appear even in debug output.
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (logs.push(chunk.toString()), done()) });
    server = await createGqlServer({ pool, logger: pino({ level: 'trace' }, sink), maxDepth: 10, repositories: { queue, secretBox: createSecretBox(generateSecretKey()) } });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await jobs?.close();
    await queue?.close();
    await redis?.cleanup();
    await pool?.end();
    await db?.cleanup();
  });

  it('adds a private repository: token sealed, never returned; webhook secret shown once; periodic sync scheduled', async () => {
    const res = await gql(
      `mutation($input: AddRepositoryInput!) { addRepository(input: $input) { repository { ${REPOSITORY_FIELDS} } webhookSecret errors { code field message } } }`,
      { input: { name: 'private', url: 'https://git.example/acme/agents.git', token: TOKEN, syncIntervalSeconds: 600 } },
    );
    const payload = res.body.data?.['addRepository'] as { repository: { id: string; hasToken: boolean; hasWebhook: boolean; syncIntervalSeconds: number }; webhookSecret: string; errors: unknown[] };
    expect(payload.errors).toEqual([]);
    expect(payload.repository).toMatchObject({ hasToken: true, hasWebhook: true, syncIntervalSeconds: 600 });
    expect(payload.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    const stored = await withAdmin(db.adminUrl, async (c) => (await c.query<{ token_ciphertext: string }>('SELECT token_ciphertext FROM repositories WHERE id = $1', [payload.repository.id])).rows[0]);
    expect(stored?.token_ciphertext).toMatch(/^v1:/);
    expect(await jobs.getJobScheduler(`repo:${payload.repository.id}`)).toMatchObject({ every: 600_000 });

    const listed = await gql(`{ repositories(first: 10) { totalCount edges { cursor node { ${REPOSITORY_FIELDS} } } pageInfo { hasNextPage endCursor } } repository(name: "private") { ${REPOSITORY_FIELDS} } }`);
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data?.['repositories']).toMatchObject({ totalCount: 1, pageInfo: { hasNextPage: false } });
    expect(JSON.stringify(listed.body)).not.toContain(TOKEN);
    expect(JSON.stringify(listed.body)).not.toContain('v1:');
  });

  it('refuses invalid input with every problem named by field, and stores nothing', async () => {
    const res = await gql(`mutation($input: AddRepositoryInput!) { addRepository(input: $input) { repository { id } errors { code field message } } }`, {
      input: { name: 'admin', url: '/srv/agents', branch: '-x', token: TOKEN, syncIntervalSeconds: 5 },
    });
    const payload = res.body.data?.['addRepository'] as { repository: null; errors: { code: string; field: string }[] };
    expect(payload.repository).toBeNull();
    expect(payload.errors.map((e) => [e.code, e.field])).toEqual([['INVALID', 'name'], ['INVALID', 'url'], ['INVALID', 'branch'], ['INVALID', 'syncIntervalSeconds'], ['INVALID', 'token']]);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    const count = await withAdmin(db.adminUrl, async (c) => (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM repositories WHERE name = 'admin'")).rows[0]?.n);
    expect(count).toBe(0);
  });

  it('updates the interval (rescheduled) and clears the token; syncs on demand; removes it with its schedule', async () => {
    const updated = await gql(`mutation { updateRepository(input: { name: "private", syncIntervalSeconds: 120, clearToken: true }) { repository { hasToken syncIntervalSeconds id } errors { code } } }`);
    const repo = (updated.body.data?.['updateRepository'] as { repository: { id: string; hasToken: boolean; syncIntervalSeconds: number } }).repository;
    expect(repo).toMatchObject({ hasToken: false, syncIntervalSeconds: 120 });
    expect(await jobs.getJobScheduler(`repo:${repo.id}`)).toMatchObject({ every: 120_000 });

    const sync = await gql(`mutation { syncRepository(name: "private") { jobId errors { code } } }`);
    const jobId = (sync.body.data?.['syncRepository'] as { jobId: string }).jobId;
    expect(await jobs.getJob(jobId)).toMatchObject({ data: { orgId: tenant.orgId, repositoryId: repo.id } });

    const unknown = await gql(`mutation { syncRepository(name: "nope") { jobId errors { code field } } updateRepository(input: { name: "nope", branch: "dev" }) { repository { id } errors { code field } } }`);
    expect(unknown.body.data).toEqual({ syncRepository: { jobId: null, errors: [{ code: 'NOT_FOUND', field: 'name' }] }, updateRepository: { repository: null, errors: [{ code: 'NOT_FOUND', field: 'name' }] } });

    // Another organization can neither see nor touch it.
    const foreign = await gql(`mutation { removeRepository(name: "private") { removedId errors { code } } }`, {}, other.apiKey);
    expect(foreign.body.data).toEqual({ removeRepository: { removedId: null, errors: [{ code: 'NOT_FOUND' }] } });
    expect((await gql(`{ repository(name: "private") { id } }`, {}, other.apiKey)).body.data).toEqual({ repository: null });

    const removed = await gql(`mutation { removeRepository(name: "private") { removedId errors { code } } }`);
    expect(removed.body.data).toEqual({ removeRepository: { removedId: repo.id, errors: [] } });
    expect(await jobs.getJobScheduler(`repo:${repo.id}`)).toBeUndefined();
  });

  it('stores secrets sealed, lists names only, and isolates them per organization', async () => {
    const set = await gql(`mutation($v: String!) { setSecret(name: "PARTNER_TOKEN", value: $v) { secret { name } replaced errors { code } } }`, { v: SECRET_VALUE });
    expect(set.body.data).toEqual({ setSecret: { secret: { name: 'PARTNER_TOKEN' }, replaced: false, errors: [] } });
    const again = await gql(`mutation($v: String!) { setSecret(name: "PARTNER_TOKEN", value: $v) { replaced } }`, { v: `${SECRET_VALUE}-2` });
    expect(again.body.data).toEqual({ setSecret: { replaced: true } });
    const bad = await gql(`mutation { setSecret(name: "9lives", value: "x") { secret { name } errors { code field } } }`);
    expect(bad.body.data).toEqual({ setSecret: { secret: null, errors: [{ code: 'INVALID', field: 'name' }] } });

    expect((await gql('{ secrets { name } }')).body.data).toEqual({ secrets: [{ name: 'PARTNER_TOKEN' }] });
    expect((await gql('{ secrets { name } }', {}, other.apiKey)).body.data).toEqual({ secrets: [] });
    expect((await gql(`mutation { deleteSecret(name: "PARTNER_TOKEN") { deleted errors { code } } }`, {}, other.apiKey)).body.data).toEqual({ deleteSecret: { deleted: false, errors: [{ code: 'NOT_FOUND' }] } });
    expect((await gql(`mutation { deleteSecret(name: "PARTNER_TOKEN") { deleted } }`)).body.data).toEqual({ deleteSecret: { deleted: true } });
  });

  it('lists the agents the repository events made live, by tenant', async () => {
    await withAdmin(db.adminUrl, async (c) => {
      const insert = `INSERT INTO agent_definitions (org_id, repository_id, repository, name, commit, file, digest, exposed, description, tags, model, removed_at_commit, updated_at, last_seq)
        VALUES ($1, gen_random_uuid(), 'main', $2, $3, $2 || '.md', 'd', $4, 'desc', '{a,b}', 'scripted', $5, now(), 1)`;
      await c.query(insert, [tenant.orgId, 'Assistant', 'c1', true, null]);
      await c.query(insert, [tenant.orgId, 'Gone', 'c0', false, 'c2']);
      await c.query(insert, [other.orgId, 'Theirs', 'c9', true, null]);
      const usage = `INSERT INTO usage_ledger (org_id, event_id, run_id, step_id, agent, provider, model, input_tokens, output_tokens, cost_micros, price_table, recorded_at, seq)
        VALUES ($1, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), $2, 'openai', 'gpt-4o', 100, 20, $3, 'v1', now(), 1)`;
      await c.query(usage, [tenant.orgId, 'Assistant', 1500]);
      await c.query(usage, [tenant.orgId, 'Assistant', 500]);
      await c.query(usage, [other.orgId, 'Assistant', 9_999_999]);
    });
    expect((await gql('{ agents { name commit exposed tags live usage { calls totalTokens cost { micros usd } } } }')).body.data).toEqual({
      agents: [{ name: 'Assistant', commit: 'c1', exposed: true, tags: ['a', 'b'], live: true, usage: { calls: 2, totalTokens: 240, cost: { micros: 2000, usd: '0.002000' } } }],
    });
    expect((await gql('{ agents(includeRemoved: true) { name live } }')).body.data).toEqual({ agents: [{ name: 'Assistant', live: true }, { name: 'Gone', live: false }] });
  });

  it('never wrote a token or secret value to the logs', () => {
    expect(logs.length).toBeGreaterThan(0);
    const all = logs.join('\n');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(SECRET_VALUE);
  });
});
