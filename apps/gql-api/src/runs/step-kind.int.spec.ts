import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { withAdmin } from '../testing/seed.fixture.js';
import { seedRun, seedStep } from './run-seed.fixture.js';

const RUN = `query ($id: ID!) { run(id: $id) { nodes { id kind externalUrl } } }`;
const STEP = `query ($id: ID!) { step(id: $id) { id kind externalUrl parentStepId } }`;

/** `Step.kind` and `Step.externalUrl`: an external A2A agent's node of the DAG, as the projector wrote it (migration 0013). */
describe('gql-api step kind (real PostgreSQL, RLS-bound role)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: GqlServer;
  let url: string;
  let tenant: TestTenant;
  const ids = { run: '', root: '', external: '' };

  beforeAll(async () => {
    db = await createTestDatabase();
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/k' });
    await withAdmin(db.adminUrl, async (c) => {
      const orgId = tenant.orgId;
      ids.run = await seedRun(c, { orgId, createdAt: '2026-11-01T10:00:00Z' });
      ids.root = await seedStep(c, { orgId, runId: ids.run, createdAt: '2026-11-01T10:00:00Z' });
      ids.external = await seedStep(c, { orgId, runId: ids.run, parentStepId: ids.root, depth: 1, agent: 'Partner', createdAt: '2026-11-01T10:00:01Z' });
      await c.query(`UPDATE steps SET kind = 'external', external_url = 'https://partner.example/a2a' WHERE id = $1`, [ids.external]);
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

  const data = async (query: string, variables: Record<string, unknown>) => {
    const res = await postGql(url, { apiKey: tenant.apiKey, query, variables });
    expect(res.body.errors).toBeUndefined();
    return res.body.data as Record<string, unknown>;
  };

  it('shows an external node as EXTERNAL with its URL, and other steps as AGENT without one', async () => {
    expect(await data(RUN, { id: ids.run })).toEqual({
      run: {
        nodes: [
          { id: ids.root, kind: 'AGENT', externalUrl: null },
          { id: ids.external, kind: 'EXTERNAL', externalUrl: 'https://partner.example/a2a' },
        ],
      },
    });
    expect(await data(STEP, { id: ids.external })).toEqual({ step: { id: ids.external, kind: 'EXTERNAL', externalUrl: 'https://partner.example/a2a', parentStepId: ids.root } });
  });
});
