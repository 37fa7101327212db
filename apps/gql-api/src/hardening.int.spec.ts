import { createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from 'graphql';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from './index.js';
import { postGql } from './testing/http.fixture.js';

const VIEWER = 'query Me { viewer { organizationId role } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('GraphQL hardening: published schema, complexity, allow-list, introspection switch (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let tenant: TestTenant;
  let open: GqlServer;
  let locked: GqlServer;
  let openUrl: string;
  let lockedUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/h' });
    pool = createPool(db.appUrl);
    const logger = pino({ level: process.env['DEBUG_GQL'] ? 'error' : 'silent' });
    open = await createGqlServer({ pool, logger, maxDepth: 12, maxComplexity: 500 });
    locked = await createGqlServer({ pool, logger, maxDepth: 12, introspection: false, allowlist: new Map([[sha256(VIEWER), VIEWER]]) });
    openUrl = await open.app.listen({ host: '127.0.0.1', port: 0 });
    lockedUrl = await locked.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await Promise.all([open?.close(), locked?.close()]);
    await pool?.end();
    await db?.cleanup();
  });

  it('serves exactly the schema published in apps/gql-api/schema.graphql (npm run schema:graphql regenerates it)', async () => {
    const res = await postGql<IntrospectionQuery>(openUrl, { query: getIntrospectionQuery(), apiKey: tenant.apiKey });
    const served = printSchema(buildClientSchema(res.body.data as IntrospectionQuery));
    const published = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(`${served}\n`).toBe(published);
  });

  it('refuses an operation over the complexity limit before running it, and runs a cheaper one of the same shape', async () => {
    const query = (first: number) => `{ apiKeys(first: ${first}) { edges { node { id name scopes serviceAccount { id name role } } } } }`;
    const refused = await postGql(openUrl, { query: query(100), apiKey: tenant.apiKey });
    expect(refused.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/costs \d+; the limit is 500/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(refused.body.data).toBeUndefined();
    expect((await postGql(openUrl, { query: query(5), apiKey: tenant.apiKey })).body.errors).toBeUndefined();
  });

  it('in allow-list mode runs listed operations by text or by hash, and refuses anything else', async () => {
    expect((await postGql(lockedUrl, { query: VIEWER, apiKey: tenant.apiKey })).body.data).toEqual({ viewer: { organizationId: tenant.orgId, role: 'OWNER' } });
    const byHash = await fetch(`${lockedUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(VIEWER) } } }),
    });
    expect(((await byHash.json()) as { data: unknown }).data).toEqual({ viewer: { organizationId: tenant.orgId, role: 'OWNER' } });
    const other = await postGql(lockedUrl, { query: '{ secrets { name } }', apiKey: tenant.apiKey });
    expect(other.status).toBe(403);
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('answers introspection only when it is switched on', async () => {
    const allowIntrospection = await createGqlServer({ pool, logger: pino({ level: 'silent' }), maxDepth: 12, introspection: false });
    const url = await allowIntrospection.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await postGql(url, { query: '{ __schema { queryType { name } } }', apiKey: tenant.apiKey });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await postGql(openUrl, { query: '{ __schema { queryType { name } } }', apiKey: tenant.apiKey })).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await allowIntrospection.close();
    }
  });
});
