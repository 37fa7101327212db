import { createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestRedis, createTestTenant, revokeTestKey, TEST_REDIS_URL, type TestDatabase, type TestTenant } from '@shaman/testing';
import { getIntrospectionQuery } from 'graphql';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, loadConfig, startGqlApi, type GqlServer } from './index.js';
import { postGql } from './testing/http.fixture.js';
import { insertRun, withAdmin } from './testing/seed.fixture.js';

describe('gql-api over HTTP: authentication, input and limits (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: GqlServer;
  let url: string;
  let tenant: TestTenant;
  const logLines: { msg?: string; err?: { message?: string } }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/t' });
    pool = createPool(db.appUrl);
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logLines.push(JSON.parse(chunk.toString()) as (typeof logLines)[number]);
        done();
      },
    });
    server = await createGqlServer({ pool, logger: pino({ level: 'error' }, sink), maxDepth: 10 });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await pool?.end();
    await db?.cleanup();
  });

  it.each([
    ['no key', {}],
    ['a malformed key', { authorization: 'Bearer nope' }],
    ['an unknown key', { 'x-api-key': `sk_live_${'x'.repeat(43)}` }],
  ])('answers 401 UNAUTHENTICATED to %s', async (_, headers) => {
    const res = await postGql(url, { query: '{ viewer { organizationId } }', headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts the key in x-api-key, and refuses it once revoked', async () => {
    const own = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/r' });
    const before = await postGql(url, { query: '{ viewer { organizationId } }', headers: { 'x-api-key': own.apiKey } });
    expect(before.body.data).toEqual({ viewer: { organizationId: own.orgId } });
    await revokeTestKey(db.adminUrl, own.keyId);
    const after = await postGql(url, { query: '{ viewer { organizationId } }', apiKey: own.apiKey });
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]).toMatchObject({ message: 'this API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it.each([
    ['first: 0', '{ runs(first: 0) { totalCount } }'],
    ['first: 101', '{ runs(first: 101) { totalCount } }'],
    ['a malformed after', '{ runs(after: "bm90LWEtY3Vyc29y") { totalCount } }'],
    ['a run id that is not one', '{ run(id: "42") { id } }'],
  ])('rejects %s with BAD_USER_INPUT', async (_, query) => {
    const res = await postGql(url, { query, apiKey: tenant.apiKey });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a query deeper than the limit before running it, fragments included', async () => {
    // The runs schema does not recurse (its deepest path is 5), so this server gets a lower limit.
    const shallow = await createGqlServer({ pool, logger: pino({ level: 'silent' }), maxDepth: 4 });
    try {
      const shallowUrl = await shallow.app.listen({ host: '127.0.0.1', port: 0 });
      const atLimit = await postGql(shallowUrl, { query: '{ runs { edges { node { id } } } }', apiKey: tenant.apiKey });
      expect(atLimit.body.errors).toBeUndefined();
      for (const query of [
        '{ runs { edges { node { steps { id } } } } }',
        '{ runs { ...Page } } fragment Page on RunConnection { edges { node { ... on Run { steps { id } } } } }',
      ]) {
        const deep = await postGql(shallowUrl, { query, apiKey: tenant.apiKey });
        expect(deep.status).toBe(400);
        expect(deep.body.errors).toEqual([expect.objectContaining({ message: 'operation is 5 levels deep; the limit is 4', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
      }
    } finally {
      await shallow.close();
    }
  });

  it('allows the standard introspection query under the default limit', async () => {
    const introspection = await postGql<{ __schema: { types: { name: string }[] } }>(url, { query: getIntrospectionQuery(), apiKey: tenant.apiKey });
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data?.__schema.types.map((t) => t.name)).toEqual(expect.arrayContaining(['RunConnection', 'RunStatus', 'DateTime']));
  });

  it('turns an unexpected failure into INTERNAL without its message, logged once', async () => {
    // A token count past GraphQL's 32-bit Int cannot be serialized: an error no resolver anticipated.
    const runId = await withAdmin(db.adminUrl, (c) => insertRun(c, { orgId: tenant.orgId, createdAt: '2025-01-01T00:00:00Z', inputTokens: 2 ** 32 }));
    logLines.length = 0;
    const res = await postGql(url, { query: `{ run(id: "${runId}") { id inputTokens } }`, apiKey: tenant.apiKey });
    expect(res.body.errors).toEqual([{ message: 'internal server error', locations: expect.any(Array), path: ['run', 'inputTokens'], extensions: { code: 'INTERNAL' } }]);
    expect(logLines.map((l) => l.msg)).toEqual(['unexpected error in a GraphQL request']);
    expect(logLines[0]?.err?.message).toMatch(/32-bit/);
  });

  it("answers GET /graphql too (with Apollo's CSRF preflight header)", async () => {
    const query = encodeURIComponent('{ viewer { organizationId } }');
    const res = await fetch(`${url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${tenant.apiKey}`, 'apollo-require-preflight': '1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { viewer: { organizationId: tenant.orgId } } });
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const res = await postGql(url, { query: `{ viewer { organizationId } } # ${'x'.repeat(1024 * 1024)}`, apiKey: tenant.apiKey });
    expect(res.status).toBe(413);
  });

  it('serves /healthz and /readyz without a key', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok' } });
  });

  it('starts from configuration on a free port and stops cleanly', async () => {
    // Its own BullMQ prefix, never the developer's queue (the sync worker is tested in sync.runtime.int.spec.ts).
    const redis = createTestRedis();
    const config = loadConfig({ DATABASE_URL: db.appUrl, GQL_PORT: '0', LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL, BULLMQ_PREFIX: redis.prefix, REPO_SYNC_WORKER: 'false' });
    expect(config).toMatchObject({ GQL_HOST: '127.0.0.1', GQL_MAX_DEPTH: 10 });
    const api = await startGqlApi(config);
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
      const res = await postGql(api.url, { query: '{ viewer { organizationId } }', apiKey: tenant.apiKey });
      expect(res.body.data).toEqual({ viewer: { organizationId: tenant.orgId } });
    } finally {
      await api.stop();
      await redis.cleanup();
    }
  });
});
