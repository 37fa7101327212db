import { createPool, createLogger, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from './index.js';
import { postGql } from './testing/http.fixture.js';
import { insertRun, insertStep, userMessage, withAdmin } from './testing/seed.fixture.js';

type RunsPage = {
  runs: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; steps: { id: string }[] } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
};

const RUNS_PAGE = `query ($first: Int, $after: String) {
  runs(first: $first, after: $after) {
    totalCount
    edges { cursor node { id steps { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('gql-api runs (real PostgreSQL, real HTTP)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: GqlServer;
  let url: string;
  let a: TestTenant;
  let b: TestTenant;
  const ids = { newest: '', tieLow: '', tieHigh: '', other: '', root: '', child: '' };

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' });
    b = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/b' });
    await withAdmin(db.adminUrl, async (c) => {
      // The newest run is one microsecond younger than the two older ones, which share a created_at: the
      // cursor must keep microseconds and break ties on id.
      ids.newest = await insertRun(c, { orgId: a.orgId, status: 'input-required', createdAt: '2025-03-01T10:00:00.000002Z' });
      ids.tieLow = await insertRun(c, { orgId: a.orgId, id: '00000000-0000-4000-8000-000000000001', createdAt: '2025-03-01T10:00:00.000001Z' });
      ids.tieHigh = await insertRun(c, { orgId: a.orgId, id: 'ffffffff-0000-4000-8000-000000000001', createdAt: '2025-03-01T10:00:00.000001Z' });
      ids.other = await insertRun(c, { orgId: b.orgId, createdAt: '2025-03-02T00:00:00Z' });
      const input = { messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] };
      const at = '2025-03-01T10:00:01.000Z';
      ids.root = await insertStep(c, { orgId: a.orgId, runId: ids.newest, agent: 'Assistant', status: 'input-required', input, output: { parts: [{ kind: 'text', text: 'Echo: hi' }] }, createdAt: at });
      const output = { parts: [{ kind: 'text', text: 'found' }, { kind: 'data', data: { n: 1 } }, { kind: 'text', text: 'it' }] };
      ids.child = await insertStep(c, { orgId: a.orgId, runId: ids.newest, parentStepId: ids.root, depth: 1, agent: 'Researcher', input: userMessage('m2', 'look'), output, createdAt: '2025-03-01T10:00:02.000Z' });
      await insertStep(c, { orgId: a.orgId, runId: ids.tieHigh, agent: 'Assistant', status: 'working', input: userMessage('m3', 'x'), createdAt: at });
      await insertStep(c, { orgId: b.orgId, runId: ids.other, agent: 'Assistant', input: userMessage('m4', 'y'), createdAt: at });
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

  it('answers who the caller is', async () => {
    const res = await postGql(url, { apiKey: a.apiKey, query: '{ viewer { organizationId apiKeyId } }' });
    expect(res.body).toEqual({ data: { viewer: { organizationId: a.orgId, apiKeyId: a.keyId } } });
  });

  it('returns a run with its steps, the parent → child edge and the output text', async () => {
    const query = `query ($id: ID!) { run(id: $id) {
      id status rootAgent stepCount inputTokens outputTokens createdAt completedAt
      steps { id runId parentStepId depth agent model status input output outputText error iterations llmCallCount toolCallCount inputTokens outputTokens createdAt }
      edges { from to } } }`;
    const res = await postGql(url, { apiKey: a.apiKey, query, variables: { id: ids.newest } });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      run: {
        id: ids.newest, status: 'INPUT_REQUIRED', rootAgent: 'Assistant', stepCount: 2, inputTokens: 12, outputTokens: 7,
        createdAt: '2025-03-01T10:00:00.000Z', completedAt: null,
        steps: [
          { id: ids.root, runId: ids.newest, parentStepId: null, depth: 0, agent: 'Assistant', model: 'scripted', status: 'INPUT_REQUIRED',
            input: { messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] },
            output: { parts: [{ kind: 'text', text: 'Echo: hi' }] }, outputText: 'Echo: hi', error: null,
            iterations: 1, llmCallCount: 1, toolCallCount: 0, inputTokens: 6, outputTokens: 3, createdAt: '2025-03-01T10:00:01.000Z' },
          { id: ids.child, parentStepId: ids.root, depth: 1, agent: 'Researcher', status: 'COMPLETED', outputText: 'found\n\nit' },
        ],
        edges: [{ from: ids.root, to: ids.child }],
      },
    });
  });

  it('pages newest first with an opaque keyset cursor', async () => {
    const first = await postGql<RunsPage>(url, { apiKey: a.apiKey, query: RUNS_PAGE, variables: { first: 2 } });
    const page1 = first.body.data!.runs;
    expect(page1.totalCount).toBe(3);
    expect(page1.edges.map((e) => e.node.id)).toEqual([ids.newest, ids.tieHigh]);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: page1.edges[0]!.cursor, endCursor: page1.edges[1]!.cursor });
    expect(page1.edges[1]!.node.steps).toHaveLength(1);

    const second = await postGql<RunsPage>(url, { apiKey: a.apiKey, query: RUNS_PAGE, variables: { first: 2, after: page1.pageInfo.endCursor } });
    const page2 = second.body.data!.runs;
    expect(page2.edges.map((e) => e.node.id)).toEqual([ids.tieLow]);
    expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, endCursor: page2.edges[0]!.cursor });
    expect(page2.totalCount).toBe(3);
  });

  it("shows another organization's run to nobody else: null by id, absent from the list", async () => {
    const byId = await postGql(url, { apiKey: a.apiKey, query: 'query ($id: ID!) { run(id: $id) { id } }', variables: { id: ids.other } });
    expect(byId.body).toEqual({ data: { run: null } });
    const list = await postGql<RunsPage>(url, { apiKey: a.apiKey, query: RUNS_PAGE, variables: { first: 100 } });
    expect(list.body.data!.runs.edges.map((e) => e.node.id)).not.toContain(ids.other);
    const asB = await postGql<RunsPage>(url, { apiKey: b.apiKey, query: RUNS_PAGE });
    expect(asB.body.data!.runs.edges.map((e) => e.node.id)).toEqual([ids.other]);
    expect(asB.body.data!.runs.totalCount).toBe(1);
  });

  it('loads the steps of every run on the page in one query', async () => {
    let checkouts = 0;
    const count = (): void => void checkouts++;
    pool.on('acquire', count);
    try {
      const res = await postGql<RunsPage>(url, { apiKey: a.apiKey, query: '{ runs { edges { node { id steps { id } edges { from } } } } }' });
      expect(res.body.data!.runs.edges.map((e) => e.node.steps.length)).toEqual([2, 1, 0]);
    } finally {
      pool.off('acquire', count);
    }
    // The API key check, the page of runs, and one batch for the steps of all three runs.
    expect(checkouts).toBe(3);
  });
});
