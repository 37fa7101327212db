import { createLogger, createPool, type Pool } from '@shaman/platform';
import { createTestDatabase, createTestTenant, type TestDatabase, type TestTenant } from '@shaman/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGqlServer, type GqlServer } from '../index.js';
import { postGql } from '../testing/http.fixture.js';
import { withAdmin } from '../testing/seed.fixture.js';
import { seedRun, seedStep, seedToolCall, seedUsage } from './run-seed.fixture.js';

// The full DAG query of issue 6: every node with its cost, usage and activity, and the edges.
const FULL_DAG = `query ($id: ID!) { run(id: $id) {
  id cost { micros } usage { calls }
  nodes { id depth status agent model durationMs cost { micros usd } usage { totalTokens }
    toolCalls { toolCallId name result } llmCalls { model cost { micros } } inputRequests { question } messages { role text } }
  edges { from to } } }`;

// The query as issue 6 words it: nodes with their cost and tool calls, and the edges.
const DAG_WITH_COST = `query ($id: ID!) { run(id: $id) { id nodes { id depth cost { micros } toolCalls { name result } } edges { from to } } }`;

// Transaction control and the tenant binding of `withOrg` (sent with its BEGIN): bookkeeping, not reads.
const isBookkeeping = (sql: string): boolean => /^(BEGIN|COMMIT|ROLLBACK)$/i.test(sql.trim()) || sql.includes('set_config(');

describe('run DAG query: statements do not grow with the steps (no N+1)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let server: GqlServer;
  let url: string;
  let tenant: TestTenant;
  const runs = { small: '', large: '' };
  const statements: string[] = [];

  /** A run of `size` steps: a root, a fan-out of children and grandchildren, each with a tool call and a priced model call. */
  const seedDag = async (c: pg.Client, size: number): Promise<string> => {
    const orgId = tenant.orgId;
    const runId = await seedRun(c, { orgId, createdAt: '2026-03-01T00:00:00Z' });
    const ids: string[] = [];
    for (let i = 0; i < size; i += 1) {
      const parentStepId = i === 0 ? null : ids[Math.floor((i - 1) / 10)]!;
      const at = new Date(Date.UTC(2026, 2, 1, 0, 0, i)).toISOString();
      const stepId = await seedStep(c, { orgId, runId, parentStepId, depth: i === 0 ? 0 : i <= 10 ? 1 : 2, createdAt: at, startedAt: at, completedAt: at });
      ids.push(stepId);
      await seedToolCall(c, { orgId, runId, stepId, toolCallId: `call-${i}`, calledAt: at, seq: i + 1, result: { output: i, isError: false, latencyMs: 1, at } });
      await seedUsage(c, { orgId, runId, stepId, agent: 'Planner', costMicros: 10, at });
    }
    return runId;
  };

  const countQuery = async (runId: string, query = FULL_DAG): Promise<{ reads: string[]; total: number; nodes: number }> => {
    statements.length = 0;
    const res = await postGql<{ run: { nodes: { toolCalls: unknown[] }[]; edges: unknown[] } }>(url, { apiKey: tenant.apiKey, query, variables: { id: runId } });
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data!.run;
    expect(run.edges).toHaveLength(run.nodes.length - 1);
    expect(run.nodes.every((n) => n.toolCalls.length === 1)).toBe(true);
    return { reads: statements.filter((s) => !isBookkeeping(s)), total: statements.length, nodes: run.nodes.length };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    tenant = await createTestTenant(db.adminUrl, { agentsRepository: '/tmp/a' });
    await withAdmin(db.adminUrl, async (c) => {
      runs.small = await seedDag(c, 3);
      runs.large = await seedDag(c, 100);
    });
    pool = createPool(db.appUrl);
    // Every statement any pooled connection sends, whoever sends it (auth included).
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const [first] = args;
        statements.push(typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? ''));
        return query(...args);
      };
    });
    server = await createGqlServer({ pool, logger: createLogger({ name: 'gql-api-test', level: 'silent' }), maxDepth: 10 });
    url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await pool?.end();
    await db?.cleanup();
  });

  it('answers a 100-step DAG with the same few statements as a 3-step one', async () => {
    const small = await countQuery(runs.small);
    const large = await countQuery(runs.large);
    expect([small.nodes, large.nodes]).toEqual([3, 100]);
    // The API key check, the run, the run's usage, its steps, then one batch per kind of step data the query
    // asks for (usage, tool calls, model calls, questions): 8 reads, each read in its own RLS-bound transaction
    // (BEGIN with set_config in one round trip, the read, COMMIT), whatever the size of the DAG.
    expect(large.total).toBe(small.total);
    expect(large.reads).toHaveLength(small.reads.length);
    expect(large.reads).toHaveLength(8);
    expect(large.total).toBe(1 + 7 * 3);
    expect(large.reads.filter((s) => s.includes('FROM step_tool_calls'))).toHaveLength(1);
    expect(large.reads.filter((s) => s.includes('FROM steps'))).toHaveLength(1);
  });

  it('answers the DAG with cost and tool calls in at most 6 statements that read, for 100 steps', async () => {
    const large = await countQuery(runs.large, DAG_WITH_COST);
    expect(large.nodes).toBe(100);
    // The API key check, the run, its steps, the steps' usage, their tool calls.
    expect(large.reads.length).toBeLessThanOrEqual(6);
    expect((await countQuery(runs.small, DAG_WITH_COST)).total).toBe(large.total);
  });
});
