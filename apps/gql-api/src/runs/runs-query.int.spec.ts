import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { withAdmin } from '../testing/seed.fixture.js';
import { seedRun } from './run-seed.fixture.js';

type Page = {
  runs: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; initiator: { kind: string; id: string } | null } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const RUNS = `query ($first: Int, $after: String, $filter: RunFilter, $orderBy: RunOrder) {
  runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id initiator { kind id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('gql-api runs: filters, ordering, keyset pages (real PostgreSQL, RLS-bound role)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: GqlServer;
  let url: string;
  let a: TestTenant;
  let b: TestTenant;
  const r: Record<'r1' | 'r2' | 'r3' | 'r4' | 'other', string> = { r1: '', r2: '', r3: '', r4: '', other: '' };

  const page = async (tenant: TestTenant, variables: Record<string, unknown>) => {
    const res = await postGql<Page>(url, { apiKey: tenant.apiKey, query: RUNS, variables });
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.runs;
  };
  const ids = async (variables: Record<string, unknown>, tenant = a) => (await page(tenant, variables)).edges.map((e) => e.node.id);
  const errorCode = async (variables: Record<string, unknown>) =>
    (await postGql(url, { apiKey: a.apiKey, query: RUNS, variables })).body.errors?.map((e) => e.extensions?.code);

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' });
    b = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' });
    await withAdmin(db.adminUrl, async (c) => {
      const key = (id: string) => ({ kind: 'api_key', id });
      r.r1 = await seedRun(c, { orgId: a.orgId, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-05T00:00:00Z', initiator: key('k1') });
      r.r2 = await seedRun(c, { orgId: a.orgId, status: 'failed', rootAgent: 'Writer', createdAt: '2026-01-02T00:00:00Z', updatedAt: '2026-01-03T00:00:00Z', initiator: { kind: 'user', id: 'u1' } });
      r.r3 = await seedRun(c, { orgId: a.orgId, status: 'working', createdAt: '2026-01-03T00:00:00Z', updatedAt: '2026-01-04T00:00:00Z', initiator: key('k2') });
      // Updated half a millisecond after r3: the cursor keeps microseconds.
      r.r4 = await seedRun(c, { orgId: a.orgId, createdAt: '2026-01-04T00:00:00Z', updatedAt: '2026-01-04T00:00:00.0005Z', initiator: null });
      r.other = await seedRun(c, { orgId: b.orgId, createdAt: '2026-01-02T00:00:00Z', initiator: key('k1') });
    });
    pool = createPool(db.appUrl);
    server = await createGqlServer({ pool, logger: createLogger({ name: 'gql-api-test', level: 'silent' }), maxDepth: 10 });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await pool?.end();
    await db?.cleanup();
  });

  it('lists newest first by default and filters by status, root agent and both together', async () => {
    expect(await ids({})).toEqual([r.r4, r.r3, r.r2, r.r1]);
    expect(await ids({ filter: { status: ['COMPLETED'] } })).toEqual([r.r4, r.r1]);
    expect(await ids({ filter: { agent: 'Writer' } })).toEqual([r.r2]);
    expect(await ids({ filter: { agent: 'Planner', status: ['COMPLETED', 'WORKING'] } })).toEqual([r.r4, r.r3, r.r1]);
    expect(await ids({ filter: { status: [] } })).toHaveLength(4);
  });

  it('filters by a half-open creation range [createdAfter, createdBefore)', async () => {
    expect(await ids({ filter: { createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-04T00:00:00Z' } })).toEqual([r.r3, r.r2]);
    expect(await ids({ filter: { createdAfter: '2026-01-03T12:00:00Z' } })).toEqual([r.r4]);
  });

  it('filters by initiator kind, and by kind and id, and returns the initiator', async () => {
    expect(await ids({ filter: { initiator: { kind: 'API_KEY' } } })).toEqual([r.r3, r.r1]);
    const byKey = await page(a, { filter: { initiator: { kind: 'API_KEY', id: 'k1' } } });
    expect(byKey.edges.map((e) => e.node)).toEqual([{ id: r.r1, initiator: { kind: 'API_KEY', id: 'k1' } }]);
    expect(await ids({ filter: { initiator: { kind: 'USER', id: 'u1' } } })).toEqual([r.r2]);
    expect(await ids({ filter: { initiator: { kind: 'SYSTEM' } } })).toEqual([]);
  });

  it('orders by creation or update time, either way', async () => {
    expect(await ids({ orderBy: { field: 'CREATED_AT', direction: 'ASC' } })).toEqual([r.r1, r.r2, r.r3, r.r4]);
    expect(await ids({ orderBy: { field: 'UPDATED_AT', direction: 'DESC' } })).toEqual([r.r1, r.r4, r.r3, r.r2]);
    expect(await ids({ orderBy: { field: 'UPDATED_AT', direction: 'ASC' } })).toEqual([r.r2, r.r3, r.r4, r.r1]);
  });

  it('pages a filtered, ordered list with keyset cursors and a totalCount of the whole filtered list', async () => {
    const variables = { first: 1, filter: { status: ['COMPLETED', 'WORKING'] }, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } };
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i += 1) {
      const p = await page(a, { ...variables, after });
      expect(p.totalCount).toBe(3);
      seen.push(...p.edges.map((e) => e.node.id));
      expect(p.pageInfo.hasNextPage).toBe(i < 2);
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual([r.r3, r.r4, r.r1]);
    expect((await page(a, { filter: { agent: 'Planner' } })).totalCount).toBe(3);
  });

  it('refuses bad arguments with BAD_USER_INPUT', async () => {
    const { pageInfo } = await page(a, { first: 1 });
    expect(await errorCode({ first: 1, after: pageInfo.endCursor, orderBy: { field: 'UPDATED_AT' } })).toEqual(['BAD_USER_INPUT']);
    expect(await errorCode({ after: 'bogus' })).toEqual(['BAD_USER_INPUT']);
    expect(await errorCode({ first: 0 })).toEqual(['BAD_USER_INPUT']);
    expect(await errorCode({ filter: { createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' } })).toEqual(['BAD_USER_INPUT']);
    expect(await errorCode({ filter: { agent: '' } })).toEqual(['BAD_USER_INPUT']);
  });

  it("never shows another organization's runs, whatever the filter", async () => {
    expect(await ids({ filter: { initiator: { kind: 'API_KEY', id: 'k1' } } })).not.toContain(r.other);
    expect(await ids({ first: 100 })).not.toContain(r.other);
    const asB = await page(b, { filter: { status: ['COMPLETED'], createdAfter: '2025-01-01T00:00:00Z' } });
    expect(asB.edges.map((e) => e.node.id)).toEqual([r.other]);
    expect(asB.totalCount).toBe(1);
    // A's cursor in B's list gives B's runs after that position, never A's.
    const aCursor = (await page(a, { first: 1, orderBy: { field: 'CREATED_AT', direction: 'ASC' } })).pageInfo.endCursor;
    expect(await ids({ after: aCursor, orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, b)).toEqual([r.other]);
  });
});
